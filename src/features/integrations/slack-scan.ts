// The first of an import's two reads of the zip: the metadata files, kept whole (they are
// small), and of every day file only what orders the messages. Entries come in any order, so
// the second read could meet a reply before its root and a chat's days out of order; knowing
// every message's ts beforehand gives each one its id (its rank in time) and its root's id
// whatever the order in which they are met. A million messages cost 16 bytes each here.
import {
  chatFolder,
  isMetadataFile,
  metadataFiles,
  parseDayFile,
  parseJsonEntry,
  parseUploadEntry,
  type SlackChannel,
  type SlackMessage,
  type SlackUser,
  unzipPieces,
} from "./slack-export.ts";
import { parseTs } from "./slack-ids.ts";

export type SlackChatKind = "public_channel" | "private_channel" | "single" | "group";

export type ScannedChat = { slack: SlackChannel; type: SlackChatKind; index: number };

/**
 * Subtypes that are someone's words: kept. Every other subtype (channel_join, channel_leave,
 * bot_add, channel_topic, pinned_item, …) is the workspace talking about itself: counted, skipped.
 */
const keptSubtypes = new Set([
  "bot_message",
  "file_share",
  "file_comment",
  "thread_broadcast",
  "me_message",
  "reply_broadcast",
]);

/** Why a message is skipped, or undefined when it is imported; both reads decide it alike. */
export function skipReason(message: SlackMessage): string | undefined {
  if (message.type !== "message") return `type ${String(message.type)}`;
  if (message.subtype && !keptSubtypes.has(message.subtype)) return message.subtype;
  if (parseTs(message.ts) === undefined) return "no valid ts";
  return undefined;
}

/** Where a message stands in time among all the export's, and where its thread's root does. */
export class MessageOrder {
  private readonly perChat: number[][] = [];
  private sorted = new Float64Array(0);
  private chatSorted: Float64Array[] = [];
  /** For a ts two chats share: the chats that have it, in index order (ties are rare). */
  private readonly ties = new Map<number, number[]>();

  add(chat: number, micros: number): void {
    let list = this.perChat[chat];
    if (!list) {
      list = [];
      this.perChat[chat] = list;
    }
    list.push(micros);
  }

  get size(): number {
    return this.sorted.length;
  }

  /** Sorts, once every message has been added. */
  seal(): void {
    let total = 0;
    for (const list of this.perChat) total += list?.length ?? 0;
    this.sorted = new Float64Array(total);
    let at = 0;
    this.chatSorted = this.perChat.map((list) => {
      const own = Float64Array.from(list ?? []).sort();
      this.sorted.set(own, at);
      at += own.length;
      return own;
    });
    this.perChat.length = 0;
    this.sorted.sort();
    const shared = new Set<number>();
    for (let i = 1; i < this.sorted.length; i++)
      if (this.sorted[i] === this.sorted[i - 1]) shared.add(this.sorted[i] as number);
    if (shared.size === 0) return;
    for (const [chat, own] of this.chatSorted.entries())
      for (const micros of own)
        if (shared.has(micros)) {
          const chats = this.ties.get(micros) ?? [];
          if (chats.at(-1) !== chat) chats.push(chat);
          this.ties.set(micros, chats);
        }
  }

  /** The message's place among all, 0 first; the same export always gives the same places. */
  rank(chat: number, micros: number): number {
    const first = lowerBound(this.sorted, micros);
    const tie = this.ties.get(micros);
    return tie ? first + Math.max(0, tie.indexOf(chat)) : first;
  }

  /** Whether the chat holds an imported message with this ts (a thread's root, say). */
  has(chat: number, micros: number): boolean {
    const own = this.chatSorted[chat];
    if (!own) return false;
    const at = lowerBound(own, micros);
    return own[at] === micros;
  }
}

function lowerBound(values: Float64Array, value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((values[mid] as number) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

export type ExportScan = {
  users: SlackUser[];
  chats: ScannedChat[];
  /** Day-file folder → chat. */
  folders: Map<string, ScannedChat>;
  order: MessageOrder;
  /** Bots that post without a user in users.json (webhooks, legacy integrations): their name. */
  botNames: Map<string, string>;
  /** Ids of the files whose bytes the zip carries. */
  carried: Set<string>;
  /** Messages skipped already here, by reason. */
  skipped: Map<string, number>;
  /** The same export scans to the same fingerprint: how a rerun finds the import it resumes. */
  fingerprint: string;
};

/** Where the bytes of a file the zip carries go as they are inflated. */
export type UploadSink = { write(data: Uint8Array): Promise<void>; end(): Promise<void> };

/**
 * Reads the whole zip once; `onMessages` hears how many messages have been scanned so far, and
 * `stage` takes the bytes of each file the zip carries (they may come after the messages that
 * share them, so the second read could not wait for them).
 */
export async function scanExport(
  open: () => ReadableStream<Uint8Array>,
  onMessages: (count: number) => void = () => {},
  stage?: (fileId: string, entryName: string) => UploadSink,
): Promise<ExportScan> {
  const metadata = new Map<string, unknown>();
  const carried = new Set<string>();
  const hasher = new Bun.CryptoHasher("sha256");
  let parts: Uint8Array[] = [];
  // Day files are read before the folders are known (metadata may come last): their messages'
  // keys wait here, which is what the order keeps anyway.
  const pending = new Map<string, number[]>();
  const skipped = new Map<string, number>();
  const botNames = new Map<string, string>();
  let scanned = 0;
  let sink: UploadSink | undefined;
  const wanted = (name: string) =>
    isMetadataFile(name) ||
    parseDayFile(name) !== undefined ||
    parseUploadEntry(name) !== undefined;
  for await (const piece of unzipPieces(open(), wanted)) {
    // Uploads are only noted here; their bytes are read in the second pass.
    const upload = parseUploadEntry(piece.name);
    if (upload && !isMetadataFile(piece.name) && !parseDayFile(piece.name)) {
      if (stage && !carried.has(upload)) {
        sink ??= stage(upload, piece.name);
        if (piece.data.length > 0) await sink.write(piece.data);
        if (piece.final) {
          await sink.end();
          sink = undefined;
        }
      }
      if (piece.final) carried.add(upload);
      continue;
    }
    if (piece.data.length > 0) parts.push(piece.data);
    if (!piece.final) continue;
    const bytes = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
    parts = [];
    if (isMetadataFile(piece.name)) {
      metadata.set(piece.name, parseJsonEntry(bytes) ?? []);
      continue;
    }
    const day = parseDayFile(piece.name);
    const messages = parseJsonEntry<SlackMessage[]>(bytes);
    if (!day || !Array.isArray(messages)) {
      count(skipped, "unreadable day file");
      continue;
    }
    for (const message of messages) {
      const reason = skipReason(message);
      if (reason) {
        count(skipped, reason);
        continue;
      }
      if (!message.user && message.bot_id && !botNames.has(message.bot_id))
        botNames.set(
          message.bot_id,
          message.username || message.bot_profile?.name || message.bot_id,
        );
      let list = pending.get(day.folder);
      if (!list) {
        list = [];
        pending.set(day.folder, list);
      }
      list.push(parseTs(message.ts) as number);
    }
    scanned += messages.length;
    onMessages(scanned);
  }
  const chats: ScannedChat[] = [];
  const folders = new Map<string, ScannedChat>();
  for (const [file, type] of Object.entries(metadataFiles)) {
    if (type === "users") continue;
    const list = metadata.get(file);
    if (!Array.isArray(list)) continue;
    for (const slack of list as SlackChannel[]) {
      if (typeof slack?.id !== "string") continue;
      const chat = { slack, type, index: chats.length };
      chats.push(chat);
      folders.set(chatFolder(slack), chat);
      if (!folders.has(slack.id)) folders.set(slack.id, chat);
    }
  }
  for (const file of Object.keys(metadataFiles))
    hasher.update(JSON.stringify(metadata.get(file) ?? null));
  const order = new MessageOrder();
  let checksum = 0;
  for (const [folder, list] of pending) {
    const chat = folders.get(folder);
    if (chat)
      for (const micros of list) {
        order.add(chat.index, micros);
        checksum = (checksum + (micros % 1_000_000_007)) % 1_000_000_007;
      }
    else count(skipped, "no chat in the export's lists", list.length);
  }
  pending.clear();
  order.seal();
  hasher.update(`${order.size} ${checksum}`);
  const users = metadata.get("users.json");
  return {
    users: Array.isArray(users)
      ? (users as SlackUser[]).filter((user) => typeof user?.id === "string")
      : [],
    chats,
    folders,
    order,
    botNames,
    carried,
    skipped,
    fingerprint: hasher.digest("hex"),
  };
}

export function count(counts: Map<string, number>, reason: string, by = 1): void {
  counts.set(reason, (counts.get(reason) ?? 0) + by);
}
