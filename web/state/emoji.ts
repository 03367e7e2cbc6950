// Emoji by Slack's short names (`+1`, `tada`, `+1::skin-tone-3`), as reactions and the contract
// name them, from @emoji-mart/data: the index the picker searches, the `:name` autocomplete of
// the composer, and the reader's most used emoji, which come first.
import type { EmojiMartData } from "@emoji-mart/data";

/** `skins`: the characters for skin tones 1 (none) to 6, for the emoji that have them. */
export type Emoji = {
  name: string;
  native: string;
  label: string;
  keywords: string[];
  skins: string[];
};

export type EmojiIndex = { list: Emoji[]; byName: Map<string, Emoji> };

/** The data as the picker shows it: in emoji-mart's category order, with its aliases findable. */
export function indexEmoji(data: EmojiMartData): EmojiIndex {
  const list: Emoji[] = [];
  const byName = new Map<string, Emoji>();
  for (const category of data.categories) {
    for (const id of category.emojis) {
      const emoji = data.emojis[id];
      const native = emoji?.skins[0]?.native;
      if (!emoji || !native || byName.has(id)) continue;
      const entry: Emoji = {
        name: id,
        native,
        label: emoji.name,
        keywords: emoji.keywords,
        skins: emoji.skins.map((skin) => skin.native),
      };
      list.push(entry);
      byName.set(id, entry);
    }
  }
  for (const [alias, id] of Object.entries(data.aliases)) {
    const emoji = byName.get(id);
    if (emoji && !byName.has(alias)) byName.set(alias, emoji);
  }
  return { list, byName };
}

const skinTone = /^(.+)::skin-tone-([2-6])$/;

/** The character for a reaction's name, or undefined for a name no emoji set knows (custom). */
export function emojiCharacter(index: EmojiIndex | undefined, name: string): string | undefined {
  const toned = skinTone.exec(name);
  const emoji = index?.byName.get(toned ? (toned[1] as string) : name);
  if (!emoji) return undefined;
  return toned ? (emoji.skins[Number(toned[2]) - 1] ?? emoji.native) : emoji.native;
}

/** How often and how lately the reader used each emoji (kept in the browser). */
export type EmojiUsage = Record<string, { count: number; last: number }>;

export function emojiUsed(usage: EmojiUsage, name: string, now: number): EmojiUsage {
  return { ...usage, [name]: { count: (usage[name]?.count ?? 0) + 1, last: now } };
}

/** The reader's emoji, most used first, the latest first among equals. */
export function frequentEmoji(usage: EmojiUsage, limit = 16): string[] {
  return Object.entries(usage)
    .sort(([, a], [, b]) => b.count - a.count || b.last - a.last)
    .slice(0, limit)
    .map(([name]) => name);
}

/**
 * Emoji whose name or a keyword matches: the name itself, names that start with the query, names
 * with a word that starts with it, then keywords; among equals, the reader's frequent ones first.
 * An empty query lists the frequent ones, then all in the data's order.
 */
export function searchEmoji(
  index: EmojiIndex,
  query: string,
  usage: EmojiUsage,
  limit = 200,
): Emoji[] {
  const frequent = frequentEmoji(usage, 64);
  const often = (emoji: Emoji) => {
    const at = frequent.indexOf(emoji.name);
    return at === -1 ? frequent.length : at;
  };
  const wanted = query.trim().toLowerCase().replace(/^:|:$/g, "");
  if (wanted === "") {
    const first = frequent
      .map((name) => index.byName.get(name))
      .filter((emoji): emoji is Emoji => emoji !== undefined);
    const rest = index.list.filter((emoji) => !first.includes(emoji));
    return [...first, ...rest].slice(0, limit);
  }
  const rank = (emoji: Emoji) => {
    if (emoji.name === wanted) return 0;
    if (emoji.name.startsWith(wanted)) return 1;
    if (emoji.name.split(/[_-]/).some((word) => word.startsWith(wanted))) return 2;
    if (emoji.keywords.some((word) => word.startsWith(wanted))) return 3;
    return emoji.label.toLowerCase().includes(wanted) ? 4 : 5;
  };
  return index.list
    .map((emoji) => ({ emoji, rank: rank(emoji), often: often(emoji) }))
    .filter((entry) => entry.rank < 5)
    .sort((a, b) => a.rank - b.rank || a.often - b.often)
    .slice(0, limit)
    .map(({ emoji }) => emoji);
}

/** A `:name` being typed: where its colon is and what follows it (two characters or more). */
export type EmojiQuery = { start: number; query: string };

/** The `:name` the caret is at the end of, as Slack offers it; `12:30` and `http:` are not. */
export function emojiQuery(text: string, caret: number): EmojiQuery | undefined {
  const match = /(^|[\s([{"'])(:[a-z0-9_+'-]{2,40})$/i.exec(text.slice(0, caret));
  if (!match) return undefined;
  return {
    start: match.index + (match[1] ?? "").length,
    query: (match[2] ?? "").slice(1).toLowerCase(),
  };
}

/** The text with the `:name` replaced by the character, and where the caret goes. */
export function insertEmoji(
  text: string,
  at: EmojiQuery,
  caret: number,
  native: string,
): { text: string; caret: number } {
  const after = text.slice(caret);
  const inserted = `${native}${after.startsWith(" ") ? "" : " "}`;
  return {
    text: text.slice(0, at.start) + inserted + after,
    caret: at.start + inserted.length + (after.startsWith(" ") ? 1 : 0),
  };
}
