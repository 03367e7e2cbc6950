// How our ids and times look on Slack's side of the bridge (API.md § Integrations): a letter and
// our decimal id, and `ts` strings of whole seconds and six digits, kept as microseconds.
import type { ChatType } from "../chats/model.ts";

/** The letter of each kind of Slack id: B names the bot whose user is U with the same number. */
export type SlackIdKind = "T" | "U" | "B" | "C" | "D";

/** Ids past this name nothing: our path ids stop at PostgreSQL's 32 bits (src/features/chats). */
const maxId = 2 ** 31 - 1;

export const slackId = (kind: SlackIdKind, id: number): string => `${kind}${id}`;

/** Single chats are D…, every other chat (channels, private channels, groups) C…. */
export const chatSlackId = (chat: { id: number; type: ChatType }): string =>
  slackId(chat.type === "single" ? "D" : "C", chat.id);

/**
 * Our id from a Slack id of one of the given kinds, or undefined when it names nothing here:
 * a wrong letter, not a decimal number, or past our ids' bound.
 */
export function parseSlackId(value: unknown, kinds: readonly SlackIdKind[]): number | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^([A-Z])([1-9][0-9]{0,9})$/.exec(value);
  if (!match || !kinds.includes(match[1] as SlackIdKind)) return undefined;
  const id = Number(match[2]);
  return id <= maxId ? id : undefined;
}

/** `1700000000.000123` from microseconds since the epoch. */
export function formatTs(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  return `${seconds}.${String(micros - seconds * 1_000_000).padStart(6, "0")}`;
}

/** Microseconds from a `ts` string (Slack's form exactly), or undefined. */
export function parseTs(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^([0-9]{1,11})\.([0-9]{6})$/.exec(value);
  if (!match) return undefined;
  const micros = Number(match[1]) * 1_000_000 + Number(match[2]);
  return Number.isSafeInteger(micros) ? micros : undefined;
}
