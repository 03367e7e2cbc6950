// The storage port the services are written against. Every write verb is one transaction that
// also appends the events it causes, and returns them so the caller publishes after commit.
// SQLite (db/sqlite/store.ts) and PostgreSQL (db/postgres/store.ts) implement the same verbs and
// pass the same tests. Event ids are committed in id order and without gaps on both.
// Storage is the bottom layer: nothing here loads the features or the framework (only types are
// imported from them, and erased), and its errors are its own, worded by src/errors.ts.
import type { User, Workspace, WorkspaceSettings } from "../src/features/accounts/model.ts";
import type { Chat, ChatType } from "../src/features/chats/model.ts";
import type { FileInfo } from "../src/features/files/model.ts";
import type { Edit, Message } from "../src/features/messages/model.ts";
import type { LogLine } from "../src/ops/logging.ts";
import type { StoredEvent } from "./events.ts";
import type { AuditEntry, ReadOutcome, UserChange } from "./plan.ts";
import type { SearchTerms } from "./search.ts";

export type Dialect = "sqlite" | "postgres";

/** `postgres://…` (or `postgresql://…`) names PostgreSQL; anything else the embedded SQLite. */
export const dialectOf = (url: string): Dialect =>
  /^postgres(ql)?:\/\//.test(url) ? "postgres" : "sqlite";

/** Where storage reports what it does on its own (a failed WAL checkpoint), as the server logs. */
export type Log = (line: LogLine) => void;

/** The unique indexes a write can run into, named alike on both dialects. */
export const uniqueIndexes = [
  "users_email_unique",
  "workspaces_name_unique",
  "chats_channel_name_unique",
  "chats_pair_unique",
] as const;
export type UniqueIndex = (typeof uniqueIndexes)[number];

/** A write refused by a unique index: src/errors.ts says what was taken. */
export class UniqueViolation extends Error {
  constructor(readonly index: UniqueIndex) {
    super(`unique index ${index} refused the write`);
    this.name = "UniqueViolation";
  }
}

/** A row a write needed is gone (deleted meanwhile, or never there). */
export class RowNotFound extends Error {
  constructor(readonly noun: "user" | "workspace" | "chat") {
    super(`no such ${noun}`);
    this.name = "RowNotFound";
  }
}

export interface UserRecord extends User {
  passwordHash: string;
  tokenVersion: number;
}

export type NewUser = {
  fullname: string;
  email: string;
  passwordHash: string;
  /** `{ name }` creates the workspace with this user as owner; `{ id }` joins an existing one. */
  workspace: { name: string } | { id: number };
};

/** A search: its parsed q, whose scope, what narrows it, and the page. */
export type MessageSearch = {
  terms: SearchTerms;
  userId: number;
  workspaceId: number;
  chatId?: number;
  senderId?: number;
  /** createdAt bounds, exclusive, in milliseconds. */
  after?: number;
  before?: number;
  /** Only ids below this one (the page's cursor). */
  beforeId?: number;
  limit: number;
};

export type NewChat = {
  workspaceId: number;
  type: ChatType;
  name: string | null;
  ownerId: number;
  /** Everyone in the chat, the owner included, in the order they count as having joined. */
  memberIds: number[];
};

/** A change to a chat, decided by the service; the store applies it and records its events. */
export type ChatChange = {
  name?: string | null;
  ownerId?: number;
  add?: number[];
  remove?: number[];
};

/** A file as its URL names it: the workspace and the SHA-256 of its bytes. */
export type FileRef = { workspaceId: number; hash: string };

export type NewMessage = {
  chatId: number;
  senderId: number;
  content: string;
  files: string[];
  /** What each entry of `files` names, in the same order (none when `files` is empty). */
  fileRefs?: FileRef[];
  clientId: string | null;
  /** Set on a reply: its root, a top-level message of the same chat (insertReply). */
  threadId?: number | null;
  /** The workspace's users named as <@id>, once each, in order of first appearance. */
  mentions?: number[];
  /** Whether <!channel> or <!here> mentions every member. */
  mentionsAll?: boolean;
  /** One per entry of `files`, with the name it is sent under. */
  attachments?: FileInfo[];
};

/** A bot user and its tokens (issue #27), each kept under its SHA-256. */
export type NewBot = {
  workspaceId: number;
  name: string;
  tokens: { hash: string; kind: "bot" | "app" }[];
  /** Recorded with the bot's id as their target. */
  audit?: AuditEntry[];
};

/**
 * An incoming webhook (issue #27): a secret URL that posts into its chat as its own bot user,
 * made a member of the chat with it. Revoked when that user is deactivated.
 */
export type Webhook = {
  id: number;
  workspaceId: number;
  chatId: number;
  userId: number;
  createdBy: number;
  name: string;
  createdAt: number;
  active: boolean;
};

/** A webhook to make: its bot user is named after it; only its secret's SHA-256 is kept. */
export type NewWebhook = {
  workspaceId: number;
  chatId: number;
  createdBy: number;
  name: string;
  secretHash: string;
};

/**
 * A message of a Slack import (src/features/integrations/slack-import.ts), written as it was:
 * with the id the import gave it (its place in time), its original time and ts, its thread,
 * reactions, pin and edit time. No event is recorded for it (docs/adr/0014-slack-import.md).
 */
export type ImportedMessage = {
  id: number;
  chatId: number;
  senderId: number;
  content: string;
  /** Milliseconds. */
  createdAt: number;
  /** Slack's ts in microseconds. */
  ts: number;
  threadId: number | null;
  editedAt: number | null;
  reactions: { emoji: string; userIds: number[] }[];
  /** The event a pinned message counts as pinned by (the chat's creation); null unpinned. */
  pinEventId: number | null;
  mentions: number[];
  mentionsAll: boolean;
  files: string[];
  fileRefs: FileRef[];
  attachments: FileInfo[];
};

/** What the Slack id maps of an import hold: users (bots too), bots by bot id, chats, files. */
export type SlackIdKind = "user" | "bot" | "chat" | "file";

/** An import job, as `GET /api/admin/import/{id}` shows it. */
export type SlackImportRecord = {
  id: number;
  workspaceId: number | null;
  createdBy: number | null;
  status: "running" | "done" | "failed";
  /** JSON, src/features/integrations/model.ts ImportProgress. */
  progress: string;
  /** JSON, the report once done (or why it failed). */
  report: string | null;
  createdAt: number;
  updatedAt: number;
};

/** Limits the contract sets, checked at commit by the plans. */
export const maxEmojiPerMessage = 50;
export const maxPinsPerChat = 100;

/** A change to one message, decided by the service and checked again by the plan at commit. */
export type MessageChange =
  | { kind: "edit"; content: string; mentions: number[]; mentionsAll: boolean }
  | { kind: "delete"; moderator: boolean }
  | { kind: "react"; emoji: string; add: boolean }
  | { kind: "pin"; pinned: boolean };

/** What a change found at commit: the message as it now is, or why it was refused. */
export type ChangeOutcome =
  | { ok: Message }
  | { refused: "not_found" | "forbidden" | "invalid"; reason: string };

/** A reply stored (or found under its clientId), or why not: not a member, or a bad threadId. */
export type ReplyOutcome = Sent | { refused: "not_member" | "bad_thread" } | undefined;

/** A single-use ticket that opens one connection, kept under the SHA-256 of its text. */
export type Ticket = {
  id: string;
  userId: number;
  tokenVersion: number;
  /** The session that made it (null for a token issued before sessions existed). */
  sessionId: string | null;
  expiresAt: number;
};

/** The user behind a token, their token version, and whether the token's session is open. */
export type Account = { user: User; tokenVersion: number; sessionOpen: boolean };

export type InviteRecord = {
  code: string;
  workspaceId: number;
  creatorId: number;
  expiresAt: number;
  maxUses: number | null;
  uses: number;
};

export type AuditRecord = {
  id: number;
  at: number;
  actorId: number | null;
  action: string;
  targetType: string;
  targetId: string | null;
  details: string;
};

export type NewUpload = {
  workspaceId: number;
  hash: string;
  ext: string;
  type: string;
  size: number;
  name: string;
  uploadedBy: number;
};

/** What a caller needs to decide access to a chat, without loading its member list. */
export type ChatAccess = {
  id: number;
  workspaceId: number;
  type: ChatType;
  ownerId: number;
  isMember: boolean;
  archived: boolean;
  /** A single chat with a deactivated user: it takes no new messages. */
  withDeactivated: boolean;
};

export type Written<T> = { value: T; events: StoredEvent[] };

export type NotifyLevel = "all" | "mentions" | "none";

/** A browser's PushSubscription (RFC 8030), as the Push API gives it. */
export type PushSubscriptionRecord = { endpoint: string; p256dh: string; auth: string };

/** A queued push, claimed by one sender, with where it goes. */
export type PushJob = PushSubscriptionRecord & {
  id: number;
  subscriptionId: number;
  payload: string;
  /** Claims so far, this one included. */
  attempts: number;
};

/** A member who may be pushed to about a chat's messages: active, with a subscription. */
export type PushCandidate = {
  chatId: number;
  userId: number;
  notify: NotifyLevel | null;
  type: ChatType;
  name: string | null;
  workspaceId: number;
};

/**
 * The new messages after the push cursor, as their message.created events carry them, with what
 * deciding their pushes needs (issue #24). `from` is the cursor as read; `to` is where it moves
 * once they are decided (past other events too).
 */
export type PushBatch = {
  from: number;
  to: number;
  messages: { eventId: number; message: Message }[];
  /** Members of the batch's chats who could be pushed to (none when nobody subscribes). */
  candidates: PushCandidate[];
  /** Who started or replied in each thread of the batch, from their first message's id on. */
  participants: { rootId: number; userId: number; since: number }[];
  /** The names of the batch's senders and of the people its messages mention. */
  people: { id: number; fullname: string }[];
};

/** A push decided for one message: its payload, to every subscription of each user. */
export type DecidedPush = { userIds: number[]; payload: string };

/** A member's own state in a chat: the read marker, the counts above it, the level set. */
export type MemberState = {
  chatId: number;
  lastReadMessageId: number;
  /** null: the chat type's default. */
  notify: NotifyLevel | null;
  unreadCount: number;
  mentionCount: number;
};

/** A message stored, or found stored under its clientId (created: false). */
export type Sent = Written<Message> & { created: boolean };

export interface Store {
  readonly dialect: Dialect;

  /** Returns the value kept under `key`, storing `value` first if there was none. */
  keepSetting(key: string, value: string): Promise<string>;
  findSetting(key: string): Promise<string | undefined>;
  /**
   * Compare-and-set: the setting becomes `to` only if it is `from` (undefined: absent, or to
   * remove it). Whether it changed: of several instances swapping from one value, one does.
   */
  swapSetting(key: string, from: string | undefined, to: string | undefined): Promise<boolean>;

  /** Asked on every request: the user, the token version, and whether `sessionId` is open. */
  findAccount(id: number, sessionId: string | null): Promise<Account | undefined>;
  findUser(id: number): Promise<User | undefined>;
  /** Changes a user and sends user.updated; deactivation ends all their sessions and tokens. */
  changeUser(id: number, change: UserChange, audit?: AuditEntry[]): Promise<Written<User>>;
  changeWorkspace(
    id: number,
    change: { name?: string; settings?: Partial<WorkspaceSettings> },
    actorId: number,
  ): Promise<Written<Workspace>>;
  archiveChat(chatId: number, archived: boolean, actorId: number): Promise<Written<Chat>>;
  appendAudit(workspaceId: number, entry: AuditEntry): Promise<void>;
  listAudit(workspaceId: number, page: { before?: number; limit: number }): Promise<AuditRecord[]>;
  createSession(session: { id: string; userId: number; expiresAt: number }): Promise<void>;
  /** Ends one session; false when it was not open. */
  endSession(id: string, userId: number): Promise<boolean>;
  /** Ends every session and token of the user (the token version goes up; a bot's tokens go). */
  endAllSessions(userId: number): Promise<void>;
  /** Ends one of a bot's tokens, by its SHA-256; false when it did not stand. */
  endBotToken(id: string, userId: number): Promise<boolean>;
  createResetCode(code: { id: string; userId: number; expiresAt: number }): Promise<void>;
  /** Takes the code out: it resets one password once. */
  consumeResetCode(id: string): Promise<{ userId: number; expiresAt: number } | undefined>;
  /** Stores a new password hash and returns the new token version. */
  changePassword(userId: number, passwordHash: string): Promise<number>;
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  findWorkspace(id: number): Promise<Workspace | undefined>;
  findWorkspaceByName(name: string): Promise<Workspace | undefined>;
  /** Throws `UniqueViolation` when the email (or a new workspace's name) is taken. */
  /** With the events to publish: user.updated, and the joining of #general. */
  createUser(input: NewUser): Promise<{ user: User; workspace: Workspace; events: StoredEvent[] }>;
  listUsers(workspaceId: number): Promise<User[]>;
  /** How many of `userIds` are users of the workspace (`activeOnly`: and not deactivated). */
  countUsersIn(workspaceId: number, userIds: number[], activeOnly?: boolean): Promise<number>;
  createInvite(invite: {
    code: string;
    workspaceId: number;
    createdBy: number;
    expiresAt: number;
    maxUses: number | null;
  }): Promise<void>;
  findInvite(code: string): Promise<InviteRecord | undefined>;
  /** The workspace's invites that have not expired at `now`, oldest first. */
  listInvites(workspaceId: number, now: number): Promise<InviteRecord[]>;
  /** Counts one use if the invite opens the workspace at `now` and has uses left. */
  useInvite(code: string, workspaceId: number, now: number): Promise<boolean>;
  deleteInvite(code: string): Promise<void>;

  findChat(id: number): Promise<Chat | undefined>;
  findChatAccess(chatId: number, userId: number): Promise<ChatAccess | undefined>;
  findSingleChat(workspaceId: number, userIds: [number, number]): Promise<Chat | undefined>;
  /** Ids of the chats the user is a member of now. */
  listChatIdsOf(userId: number): Promise<number[]>;
  /** Current members in the order they joined: the creator first, then by join time. */
  listMembersByJoinOrder(chatId: number): Promise<number[]>;
  /** The user's chats, latest activity first. */
  listChatsOf(userId: number): Promise<Chat[]>;
  /** Archived channels only with `archived: true`. */
  listPublicChannels(workspaceId: number, archived?: boolean): Promise<Chat[]>;
  /** Throws `UniqueViolation` when a channel name or a single chat's pair is taken. */
  createChat(input: NewChat): Promise<Written<Chat>>;
  /** Removes, renames, re-owns, then adds, in that order of events (db/plan.ts). */
  changeChat(chatId: number, change: ChatChange): Promise<Written<Chat>>;
  deleteChat(chatId: number): Promise<Written<void>>;

  /**
   * Stores a message if its sender is a member of the chat as it commits, or returns the one
   * already stored under its clientId (created: false) to a sender who is still a member;
   * undefined if the sender is not a member.
   */
  insertMessage(input: NewMessage): Promise<Sent | undefined>;
  /** Top-level messages, newest first: deleted ones left out, except roots with replies. */
  listMessages(chatId: number, page: { before?: number; limit: number }): Promise<Message[]>;
  /**
   * Top-level messages around one, newest first, as listMessages shows them: the message and up
   * to `newer` after it, then up to `older` before it.
   */
  listMessagesAround(
    chatId: number,
    id: number,
    page: { older: number; newer: number },
  ): Promise<Message[]>;
  /** A root's replies not deleted, newest first. */
  listReplies(rootId: number, page: { before?: number; limit: number }): Promise<Message[]>;
  /** listMessages, or with `thread` listReplies, as the JSON text of the array (the hot read). */
  pageJson(
    chatId: number,
    page: { before?: number; limit: number; thread?: number },
  ): Promise<string>;
  findMessage(id: number): Promise<Message | undefined>;
  /** Messages matching a search, newest first, within what the user may see (db/search.ts). */
  searchMessages(search: MessageSearch): Promise<Message[]>;
  /** The texts edits replaced, oldest first. */
  listEdits(messageId: number): Promise<Edit[]>;
  /** The chat's pinned messages, most recently pinned first. */
  listPins(chatId: number): Promise<Message[]>;
  /** Of `userIds`, those that are users of the workspace. */
  existingUserIds(workspaceId: number, userIds: number[]): Promise<number[]>;
  /**
   * Stores a reply and its root's new reply count, with message.created then the root's
   * message.updated, in one transaction (the same membership and clientId rules as a send).
   */
  insertReply(input: NewMessage & { threadId: number }): Promise<ReplyOutcome>;
  /** Edits, deletes, reacts or pins, with its events, in one transaction (db/plan.ts). */
  changeMessage(
    chatId: number,
    messageId: number,
    actorId: number,
    change: MessageChange,
  ): Promise<Written<ChangeOutcome>>;
  /** Files whose rows are gone and whose bytes are still on disk (a workspace and a hash). */
  fileRemovals(limit: number): Promise<FileRef[]>;
  /** The bytes are gone (or the file came back): forget the removal. */
  forgetFileRemoval(file: FileRef): Promise<void>;
  /**
   * Retention: removes for good one batch of the workspace's messages older than `before`, after
   * id `afterId` (db/plan.ts, planExpiry). Answers where the next batch starts and how many
   * messages this one read (fewer than the batch size: the sweep is done).
   */
  expireMessages(
    workspaceId: number,
    before: number,
    afterId: number,
    limit?: number,
  ): Promise<{ lastId: number; read: number }>;
  /** The workspaces with `settings.retentionDays` set, and how many days each keeps. */
  workspacesWithRetention(): Promise<{ id: number; retentionDays: number }[]>;
  /** Uploads never sent and older than `before`: their rows go, their bytes are recorded. */
  collectUnsentUploads(before: number): Promise<number>;

  /**
   * Records an upload; the first upload of these bytes in the workspace decides the file's
   * extension and type, which are returned.
   */
  recordUpload(upload: NewUpload): Promise<{ ext: string; type: string }>;
  /** A stored file: what its first upload decided (a name is each reader's: `readableFile`). */
  findFile(
    workspaceId: number,
    hash: string,
  ): Promise<{ ext: string; type: string; size: number } | undefined>;
  /** The stored files among `hashes`. */
  findFileKeys(
    workspaceId: number,
    hashes: string[],
  ): Promise<{ hash: string; ext: string; type: string; size: number }[]>;
  /**
   * Whether the user may read the file, and the name they know it by: they uploaded it (their
   * latest name for it), a message carries it in a chat they are a member of now or in a public
   * channel (its name there), or it is someone's avatar in their workspace (its owner's name for
   * it, if any). Undefined when they may not: files never leave their workspace.
   */
  readableFile(userId: number, file: FileRef): Promise<{ name: string | undefined } | undefined>;

  createTicket(ticket: Ticket): Promise<void>;
  /** Takes the ticket out, so that it opens one connection on whichever instance asks first. */
  consumeTicket(id: string): Promise<Ticket | undefined>;
  /** Removes the tickets that expired before `now`, used or not, and so the sessions and reset codes. */
  pruneTickets(now: number): Promise<number>;

  /** Events after `afterId` that the user may see, in id order. */
  eventsSince(userId: number, afterId: number, limit: number): Promise<StoredEvent[]>;
  /**
   * Every event after `afterId`, whoever may see it, in id order: how an instance fills a gap
   * in what its peers published.
   */
  eventsAfter(afterId: number, limit: number): Promise<StoredEvent[]>;
  /** The newest committed event id, 0 when there is none. */
  latestEventId(): Promise<number>;
  /** The oldest event id still kept, or undefined when the log is empty. */
  oldestEventId(): Promise<number | undefined>;
  pruneEvents(olderThan: number): Promise<number>;

  // Read state (issue #24).
  /** Moves the member's marker forward to a message of the chat, with chat.read to them. */
  markRead(chatId: number, userId: number, messageId: number): Promise<Written<ReadOutcome>>;
  /** The user's chats as listChatsOf gives them, each with the user's state in it. */
  listChatsWithStateOf(userId: number): Promise<{ chat: Chat; state: MemberState }[]>;
  /** The user's state in the chats of `chatIds` they are a member of (all their chats without). */
  chatStates(userId: number, chatIds?: number[]): Promise<MemberState[]>;
  /** Sets a member's notification level (null: the default); false when not a member. */
  setNotify(chatId: number, userId: number, level: NotifyLevel | null): Promise<boolean>;

  // Web Push (issue #24).
  /** Stores (or moves to this user) a subscription, keeping the user's `keep` newest. */
  addPushSubscription(
    userId: number,
    subscription: PushSubscriptionRecord,
    keep: number,
  ): Promise<void>;
  removePushSubscription(userId: number, endpoint: string): Promise<boolean>;
  /** A dead subscription (404 or 410 from its push service) goes, with its queued pushes. */
  dropPushSubscription(id: number): Promise<void>;
  anyPushSubscription(): Promise<boolean>;
  /** The next new messages after the push cursor, up to `limit`; none when nothing is new. */
  pushBatch(limit: number): Promise<PushBatch | undefined>;
  /**
   * Queues a batch's pushes and moves the push cursor from `from` to `to`, in one transaction;
   * false, queueing nothing, when the cursor was moved meanwhile (another instance did it).
   */
  queueBatchPushes(
    batch: Pick<PushBatch, "from" | "to">,
    pushes: DecidedPush[],
    dueAt: number,
  ): Promise<boolean>;
  /** Queues one push per subscription of each user. */
  queuePushes(userIds: number[], payload: string, dueAt: number): Promise<void>;
  /** Leases up to `limit` due pushes until `leaseUntil`: each is claimed by one sender at a time. */
  claimPushes(now: number, leaseUntil: number, limit: number): Promise<PushJob[]>;
  finishPush(id: number): Promise<void>;
  retryPush(id: number, dueAt: number): Promise<void>;

  // The Slack bridge (issue #27).
  /** A bot user with its tokens, and user.updated to the workspace. */
  createBot(input: NewBot): Promise<Written<User>>;
  /** The workspace's bots that have tokens or had them (not webhooks' users), oldest first. */
  listBots(workspaceId: number): Promise<User[]>;
  /** The account a bot or app token (by its SHA-256) belongs to, while the token stands. */
  findTokenAccount(hash: string, kind: "bot" | "app"): Promise<Account | undefined>;
  /** The Slack ts (microseconds) of each of the messages, by id. */
  messageTs(ids: number[]): Promise<Map<number, number>>;
  /** The chat's message with this ts. */
  findMessageByTs(chatId: number, ts: number): Promise<Message | undefined>;
  /** How far a Socket Mode app (its bot user) has acknowledged the event log; none before its first ack. */
  findAppCursor(userId: number): Promise<number | undefined>;
  /** Moves the app's cursor forward to `ackedEventId` (never back). */
  keepAppCursor(userId: number, ackedEventId: number): Promise<void>;
  /**
   * A webhook with its bot user, who joins the chat (chat.created to it, chat.updated to the
   * others, user.updated to the workspace), and its audit entry, in one transaction.
   */
  createWebhook(input: NewWebhook): Promise<Written<Webhook>>;
  /** The chat's webhooks that are not revoked, oldest first. */
  listWebhooks(chatId: number): Promise<Webhook[]>;
  /** A webhook by id, revoked or not. */
  findWebhook(id: number): Promise<Webhook | undefined>;
  /**
   * The webhook a secret (by its SHA-256) opens, with its bot user, while it is not revoked and
   * its chat is there.
   */
  findWebhookBySecret(secretHash: string): Promise<{ webhook: Webhook; user: User } | undefined>;

  // Slack import (issue #27): large batches without events, see docs/adr/0014-slack-import.md.
  /** Every chat of the workspace, whoever is in it (the Slack export), oldest first. */
  listWorkspaceChats(workspaceId: number): Promise<Chat[]>;
  /** A chat's messages not deleted, replies included, in id order after `afterId`, with their ts. */
  listChatMessagesAfter(
    chatId: number,
    afterId: number,
    limit: number,
  ): Promise<(Message & { ts: number })[]>;
  /** The workspace's map from Slack ids of one kind to ours, from earlier imports. */
  slackIds(workspaceId: number, kind: SlackIdKind): Promise<Map<string, number>>;
  /** Remembers Slack ids; one already mapped keeps its target. */
  recordSlackIds(
    workspaceId: number,
    kind: SlackIdKind,
    entries: [string, number][],
  ): Promise<void>;
  createSlackImport(input: { createdBy: number | null; progress: string }): Promise<number>;
  updateSlackImport(
    id: number,
    change: {
      workspaceId?: number;
      status: SlackImportRecord["status"];
      progress: string;
      report?: string | null;
    },
  ): Promise<void>;
  findSlackImport(id: number): Promise<SlackImportRecord | undefined>;
  /** The workspace's imports, newest first. */
  listSlackImports(workspaceId: number): Promise<SlackImportRecord[]>;
  /** Takes `count` message ids in a row that no send will take; answers the first. */
  reserveMessageIds(count: number): Promise<number>;
  /**
   * Stores one batch of imported messages in one transaction, with their search text, mentions
   * and files; a message whose id or whose chat and ts are taken already is left out (a rerun).
   * Answers how many were stored.
   */
  importMessages(messages: ImportedMessage[]): Promise<number>;
  /** After an import: roots' reply counts, the chats' last message, members' markers at it. */
  settleImportedChats(chatIds: number[]): Promise<void>;

  ping(): Promise<void>;
  /** A consistent copy of the whole database at `path`, taken while the server runs. */
  backup(path: string): Promise<void>;
  /** Bytes the database takes, for metrics. */
  sizeBytes(): Promise<number>;
  close(): Promise<void>;
}
