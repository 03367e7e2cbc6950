// What the search panel needs besides the API: a snippet cut into text and matches (drawn as
// <mark>, never as HTML), and the day filters as the exclusive times the server takes.

export type SnippetPart = { text: string; match: boolean };

/** The server marks each match between U+E000 and U+E001: the text between is a match. */
export function snippetParts(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let match = false;
  let text = "";
  for (const char of snippet) {
    if (char === "\ue000" || char === "\ue001") {
      if (text) parts.push({ text, match });
      text = "";
      match = char === "\ue000";
    } else text += char;
  }
  if (text) parts.push({ text, match });
  return parts;
}

/**
 * "From" and "to" days (yyyy-mm-dd, the user's own time zone), both included, as the exclusive
 * `after` and `before` times of the search.
 */
export function dayBounds(from: string, to: string): { after?: string; before?: string } {
  const start = (day: string) => new Date(`${day}T00:00:00`);
  const bounds: { after?: string; before?: string } = {};
  if (from) bounds.after = new Date(start(from).getTime() - 1).toISOString();
  if (to) {
    const end = start(to);
    end.setDate(end.getDate() + 1);
    bounds.before = end.toISOString();
  }
  return bounds;
}
