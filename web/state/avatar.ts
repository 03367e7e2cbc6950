// Avatars until profiles have pictures: a person's initials on a colour of their own, derived
// from their id so that it is the same on every screen and stays when they rename themselves.

/** Colours white text reads well on (contrast of 4.5:1 or more). */
const colours = [
  "#1164a3",
  "#b3261e",
  "#2e7d32",
  "#6a1b9a",
  "#ad1457",
  "#00695c",
  "#8d4a00",
  "#283593",
  "#4e342e",
  "#c2185b",
  "#00838f",
  "#5d4037",
];

export function avatarColour(userId: number): string {
  // Knuth's multiplicative hash spreads neighbouring ids over the palette.
  const hash = Math.imul(userId, 2654435761) >>> 0;
  return colours[hash % colours.length] as string;
}

/** The first letters of the first and last words of a name: "Ada King Lovelace" → "AL". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = words[0];
  if (!first) return "?";
  const last = words.length > 1 ? words[words.length - 1] : undefined;
  return [first, last]
    .map((word) => (word ? ([...word][0] ?? "") : ""))
    .join("")
    .toUpperCase();
}
