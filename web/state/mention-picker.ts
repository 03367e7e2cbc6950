// The composer's member picker: `@` followed by what is typed so far, the members it matches, and
// the notation that replaces it (`<@id> `, which the server and every client read as a mention).
import type { User } from "./store.ts";

/** An `@` word being typed: where it starts and what follows the `@`. */
export type MentionQuery = { start: number; query: string };

export type Candidate =
  | { kind: "user"; user: User }
  | { kind: "everyone"; name: "channel" | "here"; description: string };

/** The `@` word the caret is at the end of, if any; an `@` inside a word (an email) is not one. */
export function mentionQuery(text: string, caret: number): MentionQuery | undefined {
  const match = /(^|[\s([{"'])@([^\s@<>]{0,40})$/.exec(text.slice(0, caret));
  if (!match) return undefined;
  return { start: match.index + (match[1] ?? "").length, query: match[2] ?? "" };
}

const everyone = [
  { name: "channel", description: "everyone in this chat" },
  { name: "here", description: "everyone in this chat" },
] as const;

/**
 * The chat's members (not the writer) whose name, or a word of it, starts with the query, then
 * those whose name merely contains it; then @channel and @here outside direct messages.
 */
export function mentionCandidates(
  members: User[],
  me: number,
  query: string,
  options: { everyone: boolean; limit?: number } = { everyone: true },
): Candidate[] {
  const wanted = query.toLowerCase();
  const rank = (user: User) => {
    const name = user.fullname.toLowerCase();
    if (name.startsWith(wanted)) return 0;
    if (name.split(/\s+/).some((word) => word.startsWith(wanted))) return 1;
    return name.includes(wanted) ? 2 : 3;
  };
  const people = members
    .filter((user) => user.id !== me)
    .map((user) => ({ user, rank: rank(user) }))
    .filter((entry) => entry.rank < 3)
    .sort((a, b) => a.rank - b.rank || a.user.fullname.localeCompare(b.user.fullname))
    .map(({ user }): Candidate => ({ kind: "user", user }));
  const broadcasts = options.everyone
    ? everyone
        .filter((entry) => entry.name.startsWith(wanted))
        .map((entry): Candidate => ({ kind: "everyone", ...entry }))
    : [];
  return [...people, ...broadcasts].slice(0, options.limit ?? 8);
}

/** The text with the `@` word replaced by the candidate's notation, and where the caret goes. */
export function insertMention(
  text: string,
  at: MentionQuery,
  caret: number,
  candidate: Candidate,
): { text: string; caret: number } {
  const notation = candidate.kind === "user" ? `<@${candidate.user.id}>` : `<!${candidate.name}>`;
  const after = text.slice(caret);
  const inserted = `${notation}${after.startsWith(" ") ? "" : " "}`;
  return {
    text: text.slice(0, at.start) + inserted + after,
    caret: at.start + inserted.length + (after.startsWith(" ") ? 1 : 0),
  };
}
