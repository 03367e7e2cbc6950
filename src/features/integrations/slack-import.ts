// Importing a Slack export (API.md § Integrations, "Slack export"; docs/adr/0014-slack-import.md).
// Two reads of the zip: the first (slack-scan.ts) keeps the metadata and ranks every message in
// time; then people and chats are made one by one, as anyone's would be (with their events); the
// second read writes the messages in large batches through the store's bulk verb, with the ids
// their ranks give them, so history reads in the original order whatever order the zip holds.
// Every Slack id mapped is remembered (slack_ids) and messages are recognised by chat and ts, so
// running the same import again adds nothing, and an interrupted one picks up where it stopped.
import { PassThrough } from "node:stream";
import type { StoredEvent } from "../../../db/events.ts";
import type { FileRef, ImportedMessage, SlackIdKind, Store } from "../../../db/store.ts";
import { UniqueViolation } from "../../../db/store.ts";
import type { User } from "../accounts/model.ts";
import type { FileInfo } from "../files/model.ts";
import { fileUrl } from "../files/model.ts";
import { extensionOf } from "../files/service.ts";
import type { FileStorage, StagedFile } from "../files/storage.ts";
import { emojiPattern } from "../messages/model.ts";
import {
  parseDayFile,
  parseJsonEntry,
  type SlackFile,
  type SlackMessage,
  type SlackUser,
  unzipPieces,
} from "./slack-export.ts";
import { parseTs } from "./slack-ids.ts";
import { count, type ExportScan, type ScannedChat, scanExport, skipReason } from "./slack-scan.ts";
import {
  attachmentsToMarkdown,
  blocksToMarkdown,
  type SlackResolver,
  slackToMarkdown,
} from "./slack-text.ts";

export type ImportDeps = {
  db: Store;
  files: FileStorage;
  /** Publishes what the import's people and chats record (a running server); none for the CLI. */
  publish?: (events: StoredEvent[]) => void;
};

export type ImportInput = {
  /** The export zip on this machine. */
  path: string;
  /** The workspace to import into, created when none has this name. */
  workspace: string;
  /** Who started it (the admin route), or null (the command line). */
  createdBy: number | null;
  /** The job to report progress on; one is created when none is given. */
  jobId?: number;
};

export type ImportPhase = "scanning" | "people" | "chats" | "messages" | "settling" | "done";

export type ImportProgress = {
  phase: ImportPhase;
  /** Messages read so far by the first read. */
  scanned: number;
  /** Messages to import, known after the first read. */
  total: number;
  /** Messages the second read has handled (stored, found stored, or skipped). */
  done: number;
};

export type ImportReport = {
  workspace: { id: number; name: string; created: boolean };
  users: { created: number; merged: number; existing: number; bots: number; deactivated: number };
  chats: {
    created: number;
    existing: number;
    renamed: { from: string; to: string }[];
    skipped: { id: string; name: string | null; reason: string }[];
  };
  messages: { imported: number; existing: number; skipped: Record<string, number> };
  files: { carried: number; linked: number };
};

/** Emails of the export that belong to users of other workspaces: nothing was written. */
export class ImportRefused extends Error {
  constructor(readonly emails: string[]) {
    super(
      `these emails belong to users of another workspace, so nothing was imported: ${emails.join(", ")}`,
    );
    this.name = "ImportRefused";
  }
}

/**
 * Messages per transaction, sorted by id by the store: an export's day files interleave ids of
 * every chat, and big sorted batches write the tables nearly in order (twice the speed of 2,000).
 * Each commit rewrites pages of every index, so fewer commits write less: 50,000 wrote 40% less
 * log than 20,000 over a million messages (~30 MB more memory for the batch).
 */
const batchSize = 50_000;

/** A Slack user's email, or the placeholder the contract gives those without one. */
export const importEmail = (user: SlackUser): string =>
  user.profile?.email?.trim() || `${user.id}@import.invalid`;

const isBotUser = (user: SlackUser): boolean =>
  user.is_bot === true || typeof user.profile?.bot_id === "string" || user.id === "USLACKBOT";

const fullnameOf = (user: SlackUser): string =>
  (user.real_name || user.profile?.real_name || user.profile?.display_name || user.name || user.id)
    .trim()
    .slice(0, 100) || user.id;

/** Imports the export at `input.path`; throws ImportRefused before writing anything. */
export async function importSlackExport(
  deps: ImportDeps,
  input: ImportInput,
  onProgress: (progress: ImportProgress) => void = () => {},
): Promise<ImportReport> {
  const { db } = deps;
  const publish = deps.publish ?? (() => {});
  const progress: ImportProgress = { phase: "scanning", scanned: 0, total: 0, done: 0 };
  const jobId =
    input.jobId ??
    (await db.createSlackImport({
      createdBy: input.createdBy,
      progress: JSON.stringify(progress),
    }));
  const staged = new Map<string, Promise<StagedFile>>();
  const report = (phase: ImportPhase) => {
    progress.phase = phase;
    onProgress(progress);
  };
  try {
    const scan = await scanExport(
      () => Bun.file(input.path).stream(),
      (scanned) => {
        progress.scanned = scanned;
        onProgress(progress);
      },
      (fileId, entryName) => stageUpload(deps.files, fileId, entryName, staged),
    );
    progress.total = scan.order.size;
    const existing = await db.findWorkspaceByName(input.workspace);
    await refuseForeignEmails(db, scan, existing?.id);

    report("people");
    const result: ImportReport = {
      workspace: { id: 0, name: input.workspace, created: false },
      users: { created: 0, merged: 0, existing: 0, bots: 0, deactivated: 0 },
      chats: { created: 0, existing: 0, renamed: [], skipped: [] },
      messages: { imported: 0, existing: 0, skipped: Object.fromEntries(scan.skipped) },
      files: { carried: 0, linked: 0 },
    };
    let founder: string | undefined;
    const workspace =
      existing ??
      (await createWorkspace(deps, scan, input.workspace, result, (id) => {
        founder = id;
      }));
    result.workspace = { id: workspace.id, name: workspace.name, created: !existing };
    await db.updateSlackImport(jobId, {
      workspaceId: workspace.id,
      status: "running",
      progress: JSON.stringify(progress),
    });
    const people = await importPeople(deps, scan, workspace.id, result, founder);

    report("chats");
    const chats = await importChats(deps, scan, workspace.id, people, result, !existing);

    report("messages");
    const base = await messageIds(db, scan, workspace.id, jobId, progress);
    const skipped = new Map<string, number>();
    await importMessages(deps, {
      path: input.path,
      scan,
      workspaceId: workspace.id,
      people,
      chats,
      base,
      staged,
      result,
      skipped,
      onBatch: async () => {
        onProgress(progress);
        await db.updateSlackImport(jobId, {
          status: "running",
          progress: JSON.stringify(progress),
        });
      },
      progress,
    });
    for (const [reason, n] of skipped)
      result.messages.skipped[reason] = (result.messages.skipped[reason] ?? 0) + n;

    report("settling");
    const imported = [...chats.values()].filter((chat) => chat.importing);
    await db.settleImportedChats(imported.map((chat) => chat.id));
    const actor = input.createdBy ?? (await db.findWorkspace(workspace.id))?.ownerId ?? null;
    for (const chat of imported)
      if (chat.archive && actor !== null) {
        const { events } = await db.archiveChat(chat.id, true, actor);
        publish(events);
      }
    for (const userId of people.deactivate) {
      const { events } = await db.changeUser(userId, { deactivated: true });
      publish(events);
      result.users.deactivated++;
    }
    progress.phase = "done";
    onProgress(progress);
    await db.updateSlackImport(jobId, {
      status: "done",
      progress: JSON.stringify(progress),
      report: JSON.stringify(result),
    });
    return result;
  } catch (error) {
    await db.updateSlackImport(jobId, {
      status: "failed",
      progress: JSON.stringify(progress),
      report: JSON.stringify({ error: error instanceof Error ? error.message : String(error) }),
    });
    throw error;
  } finally {
    // Files no imported message carries: their staged bytes go.
    for (const pending of staged.values())
      await pending.then((file) => deps.files.discard(file.tempPath)).catch(() => {});
  }
}

/** The bytes of a carried file, into the files storage's staging area as they are inflated. */
function stageUpload(
  files: FileStorage,
  fileId: string,
  entryName: string,
  staged: Map<string, Promise<StagedFile>>,
) {
  const stream = new PassThrough();
  const done = files.stage(stream, entryName.split("/").pop() ?? fileId);
  done.catch(() => {});
  staged.set(fileId, done);
  return {
    async write(data: Uint8Array) {
      if (!stream.write(data)) await new Promise((resolve) => stream.once("drain", resolve));
    },
    async end() {
      stream.end();
      await done;
    },
  };
}

/** The contract's rule: an email of another workspace stops the import before anything is written. */
async function refuseForeignEmails(
  db: Store,
  scan: ExportScan,
  workspaceId: number | undefined,
): Promise<void> {
  const mapped = workspaceId === undefined ? new Map() : await db.slackIds(workspaceId, "user");
  const foreign: string[] = [];
  for (const user of scan.users) {
    if (isBotUser(user) || mapped.has(user.id)) continue;
    const email = importEmail(user);
    const found = await db.findUserByEmail(email);
    if (found && found.workspaceId !== workspaceId) foreign.push(email);
  }
  if (foreign.length > 0) throw new ImportRefused(foreign);
}

/** The export's primary owner (or first owner, admin, person) founds the new workspace. */
async function createWorkspace(
  deps: ImportDeps,
  scan: ExportScan,
  name: string,
  result: ImportReport,
  onFounder: (slackId: string) => void,
) {
  const people = scan.users.filter((user) => !isBotUser(user));
  const owner =
    people.find((user) => user.is_primary_owner) ??
    people.find((user) => user.is_owner) ??
    people.find((user) => user.is_admin) ??
    people.find((user) => !user.deleted) ??
    people[0];
  if (!owner) throw new Error("the export has no users.json with a person in it");
  onFounder(owner.id);
  const { user, workspace, events } = await deps.db.createUser({
    fullname: fullnameOf(owner),
    email: importEmail(owner),
    passwordHash: "",
    workspace: { name },
  });
  (deps.publish ?? (() => {}))(events);
  await deps.db.recordSlackIds(workspace.id, "user", [[owner.id, user.id]]);
  await applyProfile(deps, user, owner, true);
  result.users.created++;
  return workspace;
}

/** Title, time zone and role from the export (the owner stays the owner). */
async function applyProfile(deps: ImportDeps, user: User, slack: SlackUser, owner = false) {
  const change = {
    ...(slack.profile?.title ? { title: slack.profile.title.slice(0, 100) } : {}),
    ...(slack.tz ? { timezone: slack.tz } : {}),
    ...(!owner && (slack.is_admin || slack.is_owner) ? { role: "admin" as const } : {}),
  };
  if (Object.keys(change).length === 0) return;
  const { events } = await deps.db.changeUser(user.id, change);
  (deps.publish ?? (() => {}))(events);
}

export type People = {
  users: Map<string, number>;
  bots: Map<string, number>;
  /** Users this import made who are deleted in Slack: deactivated once the chats are made. */
  deactivate: number[];
  /** Every user of the workspace an import mapped, for mentions. */
  ours: Set<number>;
};

async function importPeople(
  deps: ImportDeps,
  scan: ExportScan,
  workspaceId: number,
  result: ImportReport,
  founder: string | undefined,
): Promise<People> {
  const { db } = deps;
  const publish = deps.publish ?? (() => {});
  const users = await db.slackIds(workspaceId, "user");
  const bots = await db.slackIds(workspaceId, "bot");
  const deactivate: number[] = [];
  const remember = async (
    kind: SlackIdKind,
    map: Map<string, number>,
    slackId: string,
    id: number,
  ) => {
    map.set(slackId, id);
    await db.recordSlackIds(workspaceId, kind, [[slackId, id]]);
  };
  const makeBot = async (name: string) => {
    const { value, events } = await db.createBot({
      workspaceId,
      name: name.slice(0, 100),
      tokens: [],
    });
    publish(events);
    result.users.bots++;
    return value.id;
  };
  for (const slack of scan.users) {
    const botId = slack.profile?.bot_id;
    if (users.has(slack.id)) {
      if (botId && !bots.has(botId))
        await remember("bot", bots, botId, users.get(slack.id) as number);
      if (slack.id !== founder) result.users.existing++;
      continue;
    }
    if (isBotUser(slack)) {
      const id = await makeBot(fullnameOf(slack));
      await remember("user", users, slack.id, id);
      if (botId) await remember("bot", bots, botId, id);
      if (slack.deleted) deactivate.push(id);
      continue;
    }
    const email = importEmail(slack);
    const found = await db.findUserByEmail(email);
    if (found && found.workspaceId === workspaceId) {
      await remember("user", users, slack.id, found.id);
      result.users.merged++;
      continue;
    }
    const { user, events } = await db.createUser({
      fullname: fullnameOf(slack),
      email,
      passwordHash: "",
      workspace: { id: workspaceId },
    });
    publish(events);
    await remember("user", users, slack.id, user.id);
    await applyProfile(deps, user, slack);
    result.users.created++;
    if (slack.deleted) deactivate.push(user.id);
  }
  // Bots that posted with no user of their own (webhooks, old integrations): one user per bot id.
  for (const [botId, name] of scan.botNames)
    if (!bots.has(botId)) await remember("bot", bots, botId, await makeBot(name));
  return { users, bots, deactivate, ours: new Set([...users.values(), ...bots.values()]) };
}

export type ImportedChat = {
  id: number;
  /** Whether an import made this chat: only then are messages added to it. */
  importing: boolean;
  archive: boolean;
  pinEventId: number;
  pins: number;
};

async function importChats(
  deps: ImportDeps,
  scan: ExportScan,
  workspaceId: number,
  people: People,
  result: ImportReport,
  workspaceCreated: boolean,
): Promise<Map<number, ImportedChat>> {
  const { db } = deps;
  const publish = deps.publish ?? (() => {});
  const mapped = await db.slackIds(workspaceId, "chat");
  const chats = new Map<number, ImportedChat>();
  // Pins carry no time in an export: they count as pinned now, all alike.
  const pinEventId = await db.latestEventId();
  const workspace = await db.findWorkspace(workspaceId);
  for (const scanned of scan.chats) {
    const { slack, type } = scanned;
    const known = mapped.get(slack.id);
    if (known !== undefined) {
      chats.set(scanned.index, {
        id: known,
        importing: true,
        archive: slack.is_archived === true,
        pinEventId,
        pins: 0,
      });
      result.chats.existing++;
      continue;
    }
    const skip = (reason: string) =>
      result.chats.skipped.push({ id: slack.id, name: slack.name ?? null, reason });
    const members = [
      ...new Set(
        (slack.members ?? [])
          .map((member) => people.users.get(member))
          .filter((id): id is number => id !== undefined),
      ),
    ];
    const creator = slack.creator ? people.users.get(slack.creator) : undefined;
    const ownerId =
      creator !== undefined && members.includes(creator)
        ? creator
        : (members[0] ?? workspace?.ownerId ?? undefined);
    if (ownerId === undefined) {
      skip("no member of the chat is in the export");
      continue;
    }
    const memberIds = [ownerId, ...members.filter((id) => id !== ownerId)];
    let chatId: number | undefined;
    if (type === "single") {
      if (memberIds.length !== 2) {
        skip("a direct message needs two people of the export");
        continue;
      }
      if (await db.findSingleChat(workspaceId, [memberIds[0] as number, memberIds[1] as number])) {
        skip("these two people have a direct chat here already");
        continue;
      }
    }
    if (type === "group" && memberIds.length < 3) {
      skip("a group needs three people of the export");
      continue;
    }
    if (slack.is_general && workspaceCreated && type === "public_channel") {
      // The new workspace's own #general is the export's: everyone is in it already.
      const general = (await db.listPublicChannels(workspaceId)).find(
        (chat) => chat.name === "general",
      );
      if (general) {
        const add = memberIds.filter((id) => !general.members.includes(id));
        if (add.length > 0) publish((await db.changeChat(general.id, { add })).events);
        chatId = general.id;
      }
    }
    if (chatId === undefined) {
      const base =
        type === "public_channel" || type === "private_channel"
          ? channelName(slack.name ?? slack.id)
          : null;
      for (let attempt = 0; chatId === undefined && attempt < 20; attempt++) {
        const name =
          base === null
            ? null
            : attempt === 0
              ? base
              : `${base.slice(0, 52)}-slack${attempt > 1 ? `-${attempt}` : ""}`;
        try {
          const { value, events } = await db.createChat({
            workspaceId,
            type,
            name,
            ownerId,
            memberIds,
          });
          publish(events);
          chatId = value.id;
          if (name !== base && base !== null)
            result.chats.renamed.push({ from: base, to: name as string });
        } catch (error) {
          if (!(error instanceof UniqueViolation) || base === null) throw error;
        }
      }
      if (chatId === undefined) {
        skip("no free name for the channel");
        continue;
      }
    }
    await db.recordSlackIds(workspaceId, "chat", [[slack.id, chatId]]);
    chats.set(scanned.index, {
      id: chatId,
      importing: true,
      archive: slack.is_archived === true,
      pinEventId,
      pins: 0,
    });
    result.chats.created++;
  }
  return chats;
}

/** Slack's channel names are ours too, but ours stop at 64 characters. */
const channelName = (name: string): string => name.trim().slice(0, 64) || "channel";

/**
 * The first id of the export's messages: a rerun of the same export (same fingerprint) takes
 * the ids its first run reserved, so a resumed import puts its messages where they belong.
 */
async function messageIds(
  db: Store,
  scan: ExportScan,
  workspaceId: number,
  jobId: number,
  progress: ImportProgress,
): Promise<number> {
  for (const job of await db.listSlackImports(workspaceId)) {
    const earlier = parseJsonEntry<{ fingerprint?: string; base?: number }>(
      new TextEncoder().encode(job.progress),
    );
    if (job.id !== jobId && earlier?.fingerprint === scan.fingerprint && earlier.base)
      return keep(earlier.base);
  }
  return keep(scan.order.size > 0 ? await db.reserveMessageIds(scan.order.size) : 1);

  async function keep(base: number): Promise<number> {
    Object.assign(progress, { fingerprint: scan.fingerprint, base });
    await db.updateSlackImport(jobId, {
      workspaceId,
      status: "running",
      progress: JSON.stringify(progress),
    });
    return base;
  }
}

type MessagePass = {
  path: string;
  scan: ExportScan;
  workspaceId: number;
  people: People;
  chats: Map<number, ImportedChat>;
  base: number;
  staged: Map<string, Promise<StagedFile>>;
  result: ImportReport;
  skipped: Map<string, number>;
  onBatch: () => Promise<void>;
  progress: ImportProgress;
};

/** The second read: day files of the chats being imported, one at a time, in batches of messages. */
async function importMessages(deps: ImportDeps, pass: MessagePass): Promise<void> {
  const { scan, chats, people, skipped } = pass;
  const chatIds = new Map<string, number>();
  for (const chat of scan.chats) {
    const ours = chats.get(chat.index);
    if (ours) chatIds.set(chat.slack.id, ours.id);
  }
  const resolve: SlackResolver = {
    user: (id) => people.users.get(id),
    chat: (id) => chatIds.get(id),
  };
  const carried = new Map<string, { info: FileInfo; ref: FileRef }>();
  let batch: ImportedMessage[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const stored = await deps.db.importMessages(batch);
    pass.result.messages.imported += stored;
    pass.result.messages.existing += batch.length - stored;
    batch = [];
    await pass.onBatch();
  };
  let parts: Uint8Array[] = [];
  const wanted = (name: string) => {
    const day = parseDayFile(name);
    return day !== undefined && scan.folders.has(day.folder);
  };
  for await (const piece of unzipPieces(Bun.file(pass.path).stream(), wanted)) {
    if (piece.data.length > 0) parts.push(piece.data);
    if (!piece.final) continue;
    const bytes = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
    parts = [];
    const scanned = scan.folders.get(parseDayFile(piece.name)?.folder as string) as ScannedChat;
    const messages = parseJsonEntry<SlackMessage[]>(bytes);
    if (!Array.isArray(messages)) continue;
    const chat = chats.get(scanned.index);
    for (const message of messages) {
      if (skipReason(message)) continue;
      pass.progress.done++;
      if (!chat?.importing) {
        count(skipped, "its chat was not imported");
        continue;
      }
      const made = await toImported(deps, pass, scanned, chat, message, resolve, carried);
      if (typeof made === "string") count(skipped, made);
      else batch.push(made);
      if (batch.length >= batchSize) await flush();
    }
  }
  await flush();
}

async function toImported(
  deps: ImportDeps,
  pass: MessagePass,
  scanned: ScannedChat,
  chat: ImportedChat,
  message: SlackMessage,
  resolve: SlackResolver,
  carried: Map<string, { info: FileInfo; ref: FileRef }>,
): Promise<ImportedMessage | string> {
  const { people, scan } = pass;
  const micros = parseTs(message.ts) as number;
  // An old file_comment names its author in the comment.
  const author = message.user ?? message.comment?.user;
  const byBot = message.subtype === "bot_message" || !author;
  const senderId = byBot
    ? (message.bot_id && people.bots.get(message.bot_id)) ||
      (author ? people.users.get(author) : undefined)
    : people.users.get(author as string);
  if (senderId === undefined) return "its sender is not in the export";

  const pieces: string[] = [];
  const blocks = blocksToMarkdown(message.blocks, resolve);
  const text = slackToMarkdown(message.text ?? "", resolve);
  // A bot's text is the notification's summary of its blocks; a person's blocks repeat the text.
  pieces.push(byBot && blocks ? blocks : text || blocks);
  if (!pieces[0] && message.comment?.comment)
    pieces.push(slackToMarkdown(message.comment.comment, resolve));
  const attachments = attachmentsToMarkdown(message.attachments, resolve);
  if (attachments) pieces.push(attachments);

  const files: string[] = [];
  const fileRefs: FileRef[] = [];
  const infos: FileInfo[] = [];
  const links: string[] = [];
  for (const file of [...(message.files ?? []), ...(message.file ? [message.file] : [])]) {
    const inside = await carriedFile(deps, pass, file, senderId, carried);
    if (inside) {
      files.push(inside.info.url);
      fileRefs.push(inside.ref);
      infos.push(inside.info);
      pass.result.files.carried++;
      continue;
    }
    const url = file.url_private ?? file.permalink;
    const label = (file.title || file.name || file.id).replace(/[[\]]/g, "");
    links.push(
      url && /^https?:\/\//.test(url) ? `[${label}](${url})` : `${label} (not in the export)`,
    );
    pass.result.files.linked++;
  }
  // A file_share's text often links the file already; the link is added only when it does not.
  for (const link of links) if (!pieces.some((piece) => piece.includes(link))) pieces.push(link);
  const content = pieces.filter((piece) => piece.trim() !== "").join("\n\n");
  if (!content && files.length === 0) return "it has no text and no file";

  let threadId: number | null = null;
  const rootTs =
    message.thread_ts && message.thread_ts !== message.ts ? parseTs(message.thread_ts) : undefined;
  if (rootTs !== undefined && scan.order.has(scanned.index, rootTs))
    threadId = pass.base + scan.order.rank(scanned.index, rootTs);

  const reactions: ImportedMessage["reactions"] = [];
  for (const reaction of message.reactions ?? []) {
    if (reactions.length >= 50 || !emojiPattern.test(reaction.name ?? "")) continue;
    const userIds = [
      ...new Set(
        (reaction.users ?? [])
          .map((user) => people.users.get(user))
          .filter((id): id is number => id !== undefined),
      ),
    ];
    if (userIds.length > 0) reactions.push({ emoji: reaction.name, userIds });
  }
  const pinned =
    (message.pinned_to ?? []).includes(scanned.slack.id) && chat.pins < 100 && ++chat.pins > 0;
  const edited = parseTs(message.edited?.ts);
  const mentions: number[] = [];
  if (content.includes("<@"))
    for (const match of content.matchAll(/<@([1-9][0-9]{0,14})>/g)) {
      const id = Number(match[1]);
      if (people.ours.has(id) && !mentions.includes(id)) mentions.push(id);
    }
  return {
    id: pass.base + scan.order.rank(scanned.index, micros),
    chatId: chat.id,
    senderId,
    content,
    createdAt: Math.floor(micros / 1000),
    ts: micros,
    threadId,
    editedAt: edited === undefined ? null : Math.floor(edited / 1000),
    reactions,
    pinEventId: pinned ? chat.pinEventId : null,
    mentions,
    mentionsAll: content.includes("<!") && /<!(channel|here)>/.test(content),
    files,
    fileRefs,
    attachments: infos,
  };
}

/** A file whose bytes the zip carries, stored once (the first message to carry it uploads it). */
async function carriedFile(
  deps: ImportDeps,
  pass: MessagePass,
  file: SlackFile,
  uploadedBy: number,
  carried: Map<string, { info: FileInfo; ref: FileRef }>,
): Promise<{ info: FileInfo; ref: FileRef } | undefined> {
  const known = carried.get(file.id);
  if (known) return known;
  const pending = pass.staged.get(file.id);
  if (!pending) return undefined;
  pass.staged.delete(file.id);
  const staged = await pending;
  const name = (file.name || staged.name).slice(0, 255);
  await deps.files.commit(staged, pass.workspaceId);
  const ext = extensionOf(name);
  const stored = await deps.db.recordUpload({
    workspaceId: pass.workspaceId,
    hash: staged.hash,
    ext,
    type: file.mimetype || Bun.file(`upload.${ext}`).type,
    size: staged.size,
    name,
    uploadedBy,
  });
  const info = {
    url: fileUrl({ workspaceId: pass.workspaceId, hash: staged.hash, ext: stored.ext }),
    name,
    size: staged.size,
    type: stored.type,
  };
  const entry = { info, ref: { workspaceId: pass.workspaceId, hash: staged.hash } };
  carried.set(file.id, entry);
  return entry;
}
