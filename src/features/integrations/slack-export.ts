// Slack's workspace export, as Slack writes it (slack.com/help/articles/220556107, "How to read
// Slack data exports") and as the tools that read it find it (slack-export-viewer, slackdump,
// Mattermost's slackimport): users.json, channels.json, groups.json (private channels), dms.json,
// mpims.json at the top, and one folder per chat holding one YYYY-MM-DD.json of messages per day.
// Channels' folders are named after the channel, the others' after their name or id. Files are
// links (url_private); exports made by slackdump also carry the bytes, under
// __uploads/<file id>/<name> or <chat folder>/attachments/<file id>-<name>.
// The zip is read and written as a stream with fflate: a 1,000,000-message export never sits in
// memory, only one entry at a time.
import { inflateRawSync } from "node:zlib";
import {
  type AsyncFlateStreamHandler,
  Unzip,
  type UnzipDecoder,
  UnzipInflate,
  UnzipPassThrough,
  Zip,
  ZipDeflate,
} from "fflate";

/** A user of users.json. Slack writes many more fields; these are the ones anything reads. */
export type SlackUser = {
  id: string;
  team_id?: string;
  name: string;
  deleted?: boolean;
  real_name?: string;
  tz?: string | null;
  is_admin?: boolean;
  is_owner?: boolean;
  is_primary_owner?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  is_bot?: boolean;
  is_app_user?: boolean;
  updated?: number;
  profile?: {
    title?: string;
    real_name?: string;
    display_name?: string;
    email?: string;
    /** A bot user's bot id: its messages carry it as bot_id. */
    bot_id?: string;
    api_app_id?: string;
    status_text?: string;
    status_emoji?: string;
    image_72?: string;
    first_name?: string;
    last_name?: string;
  };
};

type SlackTextValue = { value: string; creator?: string; last_set?: number | string };

/** A chat of channels.json, groups.json, dms.json or mpims.json. */
export type SlackChannel = {
  id: string;
  /** Channels, private channels and MPIMs (`mpdm-a--b--c-1`); a DM has none. */
  name?: string;
  /** Seconds (older exports write it as a string). */
  created?: number | string;
  creator?: string;
  is_archived?: boolean;
  is_general?: boolean;
  members?: string[];
  topic?: SlackTextValue;
  purpose?: SlackTextValue;
  pins?: { id: string; type?: string; created?: number; user?: string }[];
};

export type SlackReaction = { name: string; users: string[]; count?: number };

export type SlackFile = {
  id: string;
  name?: string;
  title?: string;
  mimetype?: string;
  filetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
  permalink?: string;
  user?: string;
  created?: number;
  /** A file the export could not carry: `hidden_by_limit`, `tombstone`. */
  mode?: string;
};

/** A legacy attachment, as bots and unfurls send them. */
export type SlackAttachment = {
  fallback?: string;
  color?: string;
  pretext?: string;
  author_name?: string;
  author_link?: string;
  title?: string;
  title_link?: string;
  text?: string;
  fields?: { title?: string; value?: string; short?: boolean }[];
  footer?: string;
  image_url?: string;
  thumb_url?: string;
  service_name?: string;
  from_url?: string;
  ts?: number | string;
  [key: string]: unknown;
};

/** A Block Kit block; only section, header, context, divider, image and rich_text carry text. */
export type SlackBlock = { type: string; block_id?: string; [key: string]: unknown };

/** One message of a YYYY-MM-DD.json day file. */
export type SlackMessage = {
  type: "message" | string;
  /** Absent on a plain message; bot_message, file_share, thread_broadcast, or a system one. */
  subtype?: string;
  user?: string;
  bot_id?: string;
  /** A bot's or a webhook's display name. */
  username?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  parent_user_id?: string;
  reply_count?: number;
  reply_users_count?: number;
  latest_reply?: string;
  replies?: { user: string; ts: string }[];
  reactions?: SlackReaction[];
  edited?: { user?: string; ts: string };
  pinned_to?: string[];
  files?: SlackFile[];
  /** Older exports: the one file of a file_share or file_comment, and the comment. */
  file?: SlackFile;
  comment?: { comment?: string; user?: string };
  attachments?: SlackAttachment[];
  blocks?: SlackBlock[];
  user_profile?: { real_name?: string; display_name?: string; name?: string; image_72?: string };
  bot_profile?: { id?: string; name?: string; app_id?: string };
  icons?: { emoji?: string; image_48?: string };
};

/** The metadata files at the top of an export, and which kind of chat each lists. */
export const metadataFiles = {
  "users.json": "users",
  "channels.json": "public_channel",
  "groups.json": "private_channel",
  "dms.json": "single",
  "mpims.json": "group",
} as const;
export type MetadataFile = keyof typeof metadataFiles;

export const isMetadataFile = (name: string): name is MetadataFile => name in metadataFiles;

/** `general/2024-01-31.json` → folder and day; anything else (uploads, logs) is not a day file. */
export function parseDayFile(name: string): { folder: string; day: string } | undefined {
  const match = /^(?:.*\/)?([^/]+)\/([0-9]{4}-[0-9]{2}-[0-9]{2})\.json$/.exec(name);
  return match ? { folder: match[1] as string, day: match[2] as string } : undefined;
}

/**
 * The file id an entry carries bytes for: `__uploads/F123/name` (slackdump's Mattermost layout)
 * or `<folder>/attachments/F123-name` (its standard one).
 */
export function parseUploadEntry(name: string): string | undefined {
  const match =
    /(?:^|\/)__uploads\/([A-Z0-9]+)\/[^/]+$/.exec(name) ??
    /(?:^|\/)attachments\/([A-Z0-9]+)-[^/]+$/.exec(name);
  return match ? (match[1] as string) : undefined;
}

/** Where the day files of a chat live: a channel's name, else its name or id (slackdump's too). */
export const chatFolder = (chat: SlackChannel): string => chat.name ?? chat.id;

/** The UTC day a ts falls on, which names its day file. */
export const dayOfTs = (ts: string): string =>
  new Date(Number.parseFloat(ts) * 1000).toISOString().slice(0, 10);

// Reading.

/**
 * Deflate for zip entries: the small ones (metadata and day files, almost all of an export) are
 * inflated by zlib in one call once their compressed bytes are in, three times faster than
 * inflating in JavaScript; files the export carries, which may be large, stream through fflate.
 */
class Inflate implements UnzipDecoder {
  static compression = 8;
  ondata: AsyncFlateStreamHandler = () => {};
  private parts: Uint8Array[] = [];
  private readonly streaming: UnzipInflate | undefined;

  constructor(filename: string) {
    if (parseUploadEntry(filename) === undefined) return;
    this.streaming = new UnzipInflate();
    this.streaming.ondata = (error, data, final) => this.ondata(error, data, final);
  }

  push(chunk: Uint8Array, final: boolean): void {
    if (this.streaming) {
      this.streaming.push(chunk, final);
      return;
    }
    this.parts.push(chunk);
    if (!final) return;
    const compressed = concat(this.parts);
    this.parts = [];
    let inflated: Buffer;
    try {
      inflated = inflateRawSync(compressed);
    } catch (error) {
      this.ondata(error as never, new Uint8Array(0), true);
      return;
    }
    const view = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.length);
    this.ondata(null, view as Uint8Array<ArrayBuffer>, true);
  }
}

/** A piece of a zip entry as the stream inflates it; `final` on its last piece. */
export type ZipPiece = { name: string; data: Uint8Array; final: boolean };

/**
 * The entries of a zip, in the order they are stored, as pieces of inflated bytes, for the
 * entries `wanted` accepts (the others are skipped without inflating). Memory holds one chunk
 * of the source and what one push inflates, whatever the size of the zip.
 */
export async function* unzipPieces(
  source: ReadableStream<Uint8Array>,
  wanted: (name: string) => boolean,
): AsyncGenerator<ZipPiece> {
  let pending: ZipPiece[] = [];
  let failure: unknown;
  const unzip = new Unzip((file) => {
    if (file.name.endsWith("/") || !wanted(file.name)) return;
    file.ondata = (error, data, final) => {
      if (error) failure = error;
      else pending.push({ name: file.name, data, final });
    };
    file.start();
  });
  unzip.register(Inflate);
  unzip.register(UnzipPassThrough);
  for await (const chunk of source) {
    // Large chunks are fed in slices so that one push inflates a bounded amount.
    for (let at = 0; at < chunk.length; at += 1 << 16) {
      unzip.push(chunk.subarray(at, at + (1 << 16)));
      if (failure) throw failure;
      if (pending.length > 0) {
        const out = pending;
        pending = [];
        yield* out;
      }
    }
  }
  unzip.push(new Uint8Array(0), true);
  if (failure) throw failure;
  yield* pending;
}

/** Whole entries, for the small ones (metadata and day files): each is assembled, then yielded. */
export async function* unzipEntries(
  source: ReadableStream<Uint8Array>,
  wanted: (name: string) => boolean,
): AsyncGenerator<{ name: string; bytes: Uint8Array }> {
  let parts: Uint8Array[] = [];
  for await (const piece of unzipPieces(source, wanted)) {
    if (piece.data.length > 0) parts.push(piece.data);
    if (!piece.final) continue;
    yield {
      name: piece.name,
      bytes: parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts),
    };
    parts = [];
  }
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((size, part) => size + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const decoder = new TextDecoder();

/** An entry's JSON, or undefined when it is not JSON (a broken export file is skipped, not fatal). */
export function parseJsonEntry<T>(bytes: Uint8Array): T | undefined {
  try {
    return JSON.parse(decoder.decode(bytes)) as T;
  } catch {
    return undefined;
  }
}

// Writing.

/**
 * A zip written to a file as it is made: each entry is deflated and flushed to disk before the
 * next, so the memory held is one entry's worth whatever the archive's size.
 */
export class ZipWriter {
  private readonly sink: ReturnType<ReturnType<typeof Bun.file>["writer"]>;
  private readonly zip: Zip;
  private failure: unknown;
  private done: Promise<void>;
  private finish!: () => void;
  private buffered = 0;

  /** `level` 0–9: deflate's effort (1 is fast, for generated archives; 6 is zip's default). */
  constructor(
    path: string,
    private readonly level: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 = 6,
  ) {
    this.sink = Bun.file(path).writer({ highWaterMark: 1 << 20 });
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
    this.zip = new Zip((error, data, final) => {
      if (error) this.failure = error;
      else {
        this.sink.write(data);
        this.buffered += data.length;
      }
      if (final) this.finish();
    });
  }

  /** Adds one entry with its whole bytes (or text); awaits the disk past a megabyte written. */
  async add(name: string, content: Uint8Array | string): Promise<void> {
    const entry = new ZipDeflate(name, { level: this.level });
    this.zip.add(entry);
    entry.push(typeof content === "string" ? new TextEncoder().encode(content) : content, true);
    await this.settle();
  }

  /** Adds one entry from a stream of bytes (a stored file), a chunk at a time. */
  async addStream(name: string, source: ReadableStream<Uint8Array>): Promise<void> {
    const entry = new ZipDeflate(name, { level: this.level });
    this.zip.add(entry);
    for await (const chunk of source) {
      entry.push(chunk);
      await this.settle();
    }
    entry.push(new Uint8Array(0), true);
    await this.settle();
  }

  /** Writes the central directory and closes the file. */
  async close(): Promise<void> {
    this.zip.end();
    await this.done;
    if (this.failure) throw this.failure;
    await this.sink.end();
  }

  private async settle(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.buffered < 1 << 20) return;
    this.buffered = 0;
    await this.sink.flush();
  }
}
