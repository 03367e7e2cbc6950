// Slack's arguments as its clients send them: form fields (every value a string, objects and
// arrays as JSON text) or a JSON object, read leniently where Slack is lenient (`limit` clamped,
// booleans as "true"/"1") and refused in Slack's words where it is not.
import { invalidArgument, SlackError } from "./slack-api-errors.ts";
import { parseSlackId, parseTs, type SlackIdKind } from "./slack-ids.ts";

export type Args = Record<string, unknown>;

/**
 * The arguments of a call: the query's, then the body's over them. Names are Slack's (letters,
 * digits, `_`); a PHP-style `name[]` is refused as Slack refuses it.
 */
export function readArgs(query: Record<string, unknown>, body: Args): Args {
  const args: Args = { ...query, ...body };
  for (const name of Object.keys(args)) {
    if (/\[.*\]$/.test(name)) throw new SlackError("invalid_array_arg");
    if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw new SlackError("invalid_arg_name");
  }
  return args;
}

/** A text argument (a number is its digits); undefined when absent or empty. */
export function textArg(args: Args, name: string): string | undefined {
  const value = args[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw invalidArgument(name, "must be a string");
}

export function requireText(args: Args, name: string): string {
  const value = textArg(args, name);
  if (value === undefined) throw invalidArgument(name);
  return value;
}

/** Slack's booleans: `true`, `"true"` or `"1"`; anything else is false. */
export function flagArg(args: Args, name: string, fallback = false): boolean {
  const value = args[name];
  if (value === undefined || value === null || value === "") return fallback;
  return value === true || value === 1 || value === "true" || value === "1";
}

/** `limit` (or `count`) clamped to 1–max, as the contract says: never an error. */
export function limitArg(args: Args, name = "limit", fallback = 100, max = 1000): number {
  const value = Number(args[name]);
  if (args[name] === undefined || args[name] === "" || !Number.isFinite(value)) return fallback;
  // 0 is Slack's "no limit given" on several methods.
  if (value === 0) return fallback;
  return Math.min(max, Math.max(1, Math.trunc(value)));
}

/** An argument that holds JSON (blocks, attachments): as sent in JSON, or as text in a form. */
export function jsonArg(args: Args, name: string): unknown {
  const value = args[name];
  if (typeof value !== "string") return value;
  if (value.trim() === "") return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw new SlackError(name === "blocks" ? "invalid_blocks_format" : "invalid_arguments", [
      `[ERROR] ${name}: must be JSON`,
    ]);
  }
}

/** A chat named by its Slack id; what names nothing here is `channel_not_found`. */
export function channelArg(args: Args, name = "channel"): number {
  const value = args[name];
  if (value === undefined || value === "") throw new SlackError("channel_not_found");
  const kinds: SlackIdKind[] = ["C", "D"];
  const id = parseSlackId(value, kinds);
  if (id === undefined) throw new SlackError("channel_not_found");
  return id;
}

/** A user named by its Slack id; `B…` names the bot whose user has the same number. */
export function userArg(value: unknown): number {
  const id = parseSlackId(typeof value === "string" ? value.trim() : value, ["U", "B"]);
  if (id === undefined) throw new SlackError("user_not_found");
  return id;
}

/** A ts argument in microseconds; `missing` is the error when absent or malformed. */
export function tsArg(args: Args, name: string, missing: string): number {
  const value = args[name];
  const micros = parseTs(typeof value === "number" ? value.toFixed(6) : value);
  if (micros === undefined) throw new SlackError(missing);
  return micros;
}

/** A bound of a time window (`oldest`, `latest`): a ts, or whole seconds. */
export function boundArg(args: Args, name: string): number | undefined {
  const value = args[name];
  if (value === undefined || value === "" || value === null) return undefined;
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string" || !/^[0-9]{1,11}(\.[0-9]{1,6})?$/.test(text)) {
    throw new SlackError(`invalid_ts_${name}`);
  }
  const [whole = "0", fraction = ""] = text.split(".");
  return Number(whole) * 1_000_000 + Number(fraction.padEnd(6, "0"));
}

// Cursors are opaque to clients, as Slack's are: base64 of where the next page starts.
export const encodeCursor = (id: number) => Buffer.from(`next:${id}`).toString("base64");

/** Where a page starts, from the previous page's `next_cursor`; undefined on the first page. */
export function cursorArg(args: Args): number | undefined {
  const value = args.cursor;
  if (value === undefined || value === "" || value === null) return undefined;
  const text = typeof value === "string" ? Buffer.from(value, "base64").toString() : "";
  const id = /^next:([1-9][0-9]{0,15})$/.exec(text)?.[1];
  if (!id) throw new SlackError("invalid_cursor");
  return Number(id);
}

/** Slack's paging answer: an empty `next_cursor` on the last page. */
export const pageMetadata = (next: number | undefined) => ({
  response_metadata: { next_cursor: next === undefined ? "" : encodeCursor(next) },
});
