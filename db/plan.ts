// What each write changes, decided once for both dialects: the rows it writes and the events it
// appends, in which order, to whom, and the membership periods those events open and close
// (docs/adr/0002, docs/adr/0008). A planner is a plain function of the state its write read in
// its transaction; the store then writes the plan's rows, in order, with its own SQL
// (db/queries.ts names each row's statement). Event ids are taken here, from the log's next id,
// so the rows that refer to an event (a membership period, a chat's activity) are written whole.
import type { Role, User, Workspace, WorkspaceSettings } from "../src/features/accounts/model.ts";
import type { Chat } from "../src/features/chats/model.ts";
import type { Message, Reaction } from "../src/features/messages/model.ts";
import { type EventType, eventJson, type StoredEvent } from "./events.ts";
import {
  type ChatRow,
  chatRowUpdate,
  foldCase,
  type MessageRow,
  membershipDelta,
  pairKey,
  rowToMessage,
  toChat,
  toUser,
  toWorkspace,
  type UserRow,
  type WorkspaceRow,
} from "./rows.ts";
import { indexText } from "./search.ts";
import {
  type ChangeOutcome,
  type ChatChange,
  type FileRef,
  type MessageChange,
  maxEmojiPerMessage,
  maxPinsPerChat,
  type NewBot,
  type NewChat,
  type NewMessage,
  type NewUser,
  type NewWebhook,
  type ReplyOutcome,
  RowNotFound,
  type Webhook,
} from "./store.ts";

/** Tables whose new rows take their id in the plan. */
export type IdTable = "workspaces" | "users" | "chats" | "messages" | "webhooks";

/** What a write reads, in its transaction, before it is planned. */
export type Reads = {
  /** The chat the write is about: its row and current members. */
  chat?: number;
  /** A workspace the write joins or changes (locked on PostgreSQL until commit). */
  workspace?: number;
  /** A user the write changes. */
  user?: number;
  /** The workspace whose #general the write joins, read into `chat` (when there is one). */
  general?: number;
  /** New row ids to take. */
  ids?: IdTable[];
  /** A message the write is about (for a reply, its root), with its own root if it is a reply. */
  message?: number;
  /** A message stored already under this clientId. */
  clientId?: { chatId: number; senderId: number; clientId: string };
  /** Count the pinned messages of this chat. */
  pins?: number;
  /** A batch of the workspace's messages older than `before`, after id `afterId` (retention). */
  expired?: { workspaceId: number; before: number; afterId: number; limit: number };
  /** A member's read marker in a chat (issue #24). */
  marker?: { chatId: number; userId: number };
};

/** What a planner is given: the answers to its Reads, the time, and the log's next event id. */
export type State = {
  now: number;
  nextEventId: number;
  ids: Partial<Record<IdTable, number>>;
  /** Current members in the order they joined: the creator first, then by join time. */
  chat?: { row: ChatRow; members: number[] };
  workspace?: WorkspaceRow;
  message?: MessageRow;
  /** The root of `message` when it is a reply, and its newest other reply still there. */
  root?: { row: MessageRow; lastReplyAt: number | null };
  existing?: MessageRow;
  pinCount?: number;
  user?: UserRow;
  /** The expired batch, and for each root in it its replies kept (newer than the limit). */
  expired?: { rows: MessageRow[]; kept: KeptReplies[] };
  /** The read marker asked for, when the user is a member of the chat now. */
  marker?: number;
};

/** A root's replies newer than the retention limit: all of them, those not deleted, the newest. */
export type KeptReplies = { rootId: number; total: number; live: number; lastAt: number | null };

/** One row written by a plan. Each kind has one statement per dialect (db/queries.ts). */
export type RowWrite =
  | {
      kind: "event.append";
      id: number;
      type: EventType;
      chatId: number | null;
      userId: number | null;
      workspaceId: number | null;
      data: string;
      createdAt: number;
    }
  | { kind: "member.open"; chatId: number; userId: number; sinceEventId: number; at: number }
  | { kind: "member.close"; chatId: number; userId: number; untilEventId: number }
  | {
      kind: "chat.insert";
      row: ChatRow;
      nameKey: string | null;
      pairKey: string | null;
      activityEventId: number;
    }
  | { kind: "chat.update"; id: number; name: string | null; ownerId: number }
  | { kind: "chat.delete"; id: number }
  | { kind: "workspace.insert"; row: WorkspaceRow & { ownerId: number } }
  | { kind: "workspace.owner"; id: number; ownerId: number }
  | { kind: "message.insert"; row: MessageRow }
  | { kind: "message.update"; row: MessageRow }
  /** The message's tokens (db/search.ts) in the search index, replacing what was there. */
  | { kind: "search.index"; messageId: number; text: string }
  | ({ kind: "message.file"; messageId: number; position: number } & FileRef)
  | { kind: "mention.insert"; messageId: number; userId: number; chatId: number }
  | { kind: "edit.insert"; messageId: number; content: string; replacedAt: number }
  | {
      kind: "message.erase";
      /** clearSearch takes the message out of the search index: every erasure path writes it. */
      what: "clearEdits" | "clearMentions" | "clearMessageFiles" | "clearSearch";
      messageId: number;
    }
  | {
      kind: "files.release";
      step:
        | "forgetSenderUploads"
        | "markMessageFileRemovals"
        | "dropRemovedUploads"
        | "dropRemovedFiles";
      messageId: number;
      senderId: number;
      since: number;
    }
  | { kind: "files.collect"; before: number }
  | { kind: "events.scrub"; chatId: number; messageId: number; data: string }
  /** Removes the message events of the chat whose message id is in `messageIds` (JSON). */
  | { kind: "events.drop"; chatId: number; messageIds: string }
  | { kind: "message.remove"; messageId: number }
  /** A chat whose last message is removed has none. */
  | { kind: "chat.lastMessage.forget"; chatId: number; messageId: number }
  | {
      kind: "user.insert";
      row: { id: number; workspaceId: number; fullname: string; email: string; createdAt: number };
      role: Role;
      passwordHash: string;
      /** A bot has no email: its key only keeps the unique index (db/queries.ts). */
      bot: boolean;
    }
  | { kind: "user.update"; row: UserRow }
  /** A bot's or app's token, under its SHA-256 (issue #27). */
  | { kind: "bot.token.insert"; id: string; userId: number; tokenKind: "bot" | "app"; at: number }
  /** Ends every bot and app token of the user. */
  | { kind: "bot.tokens.delete"; userId: number }
  /** An incoming webhook, under its secret's SHA-256 (issue #27). */
  | { kind: "webhook.insert"; row: Omit<Webhook, "active">; secretHash: string }
  /** Ends every session of the user (tokens with a session id) … */
  | { kind: "user.sessions.end"; userId: number }
  /** … and every token and ticket made before (the token version goes up). */
  | { kind: "user.tokens.end"; userId: number }
  | { kind: "workspace.update"; id: number; name: string; settings: string }
  | { kind: "chat.archive"; id: number; archived: boolean }
  | { kind: "member.read"; chatId: number; userId: number; messageId: number }
  | {
      kind: "audit.append";
      workspaceId: number;
      actorId: number | null;
      action: string;
      targetType: string;
      targetId: string | null;
      details: string;
      at: number;
    };

/** A write decided: its rows in the order to write them, the events among them, its answer. */
export type Plan<T> = { value: T; rows: RowWrite[]; events: StoredEvent[] };

/**
 * Whom an event is for: the chat's members at that moment (a chat event), one user about a
 * chat (a user event), or every user of a workspace (a workspace event, no chat).
 */
export type Audience = { chat: number } | { chat: number; user: number } | { workspace: number };

/**
 * The event log of one plan: appends events with consecutive ids from the log's next one, and
 * keeps the protocol's one rule about people: a user's chat.created opens their membership
 * period, their chat.removed closes it.
 */
function eventLog(state: State) {
  const rows: RowWrite[] = [];
  const events: StoredEvent[] = [];
  const append = (type: EventType, to: Audience, data: string) => {
    const id = state.nextEventId + events.length;
    const createdAt = state.now;
    if ("workspace" in to) {
      const workspaceId = to.workspace;
      rows.push({
        kind: "event.append",
        id,
        type,
        chatId: null,
        userId: null,
        workspaceId,
        data,
        createdAt,
      });
      const json = eventJson(id, type, null, data);
      events.push({ id, type, chatId: null, userId: null, workspaceId, json });
      return;
    }
    const chatId = to.chat;
    const userId = "user" in to ? to.user : null;
    rows.push({
      kind: "event.append",
      id,
      type,
      chatId,
      userId,
      workspaceId: null,
      data,
      createdAt,
    });
    events.push({
      id,
      type,
      chatId,
      userId,
      workspaceId: null,
      json: eventJson(id, type, chatId, data),
    });
    if (userId !== null && type === "chat.created") {
      rows.push({ kind: "member.open", chatId, userId, sinceEventId: id, at: state.now });
    } else if (userId !== null && type === "chat.removed") {
      rows.push({ kind: "member.close", chatId, userId, untilEventId: id });
    }
  };
  return { rows, events, append };
}

/** A new chat: its row, then chat.created for each member in join order (the creator first). */
export function planNewChat(state: State, input: NewChat): Plan<Chat> {
  const id = taken(state, "chats");
  const row: ChatRow = {
    id,
    workspaceId: input.workspaceId,
    type: input.type,
    name: input.name,
    ownerId: input.ownerId,
    lastMessageId: null,
    createdAt: state.now,
    archived: 0,
  };
  const chat = toChat(
    row,
    [...input.memberIds].sort((a, b) => a - b),
  );
  const log = eventLog(state);
  const data = JSON.stringify(chat);
  for (const user of input.memberIds) log.append("chat.created", { chat: id, user }, data);
  return {
    value: chat,
    rows: [
      {
        kind: "chat.insert",
        row,
        nameKey: input.name === null ? null : foldCase(input.name),
        pairKey: input.type === "single" ? pairKey(input.memberIds as [number, number]) : null,
        // Its creation is a chat's first activity: it orders the members' chat lists.
        activityEventId: input.memberIds.length > 0 ? state.nextEventId : 0,
      },
      ...log.rows,
    ],
    events: log.events,
  };
}

/**
 * A change to a chat: chat.removed to each removed member, then one chat.updated to those who
 * stay (when anything changed and anyone stays), then chat.created to each added member. So a
 * removed member never sees the new state, and an added one sees it whole in their chat.created.
 */
export function planChatChange(state: State, change: ChatChange): Plan<Chat> {
  if (!state.chat) throw new RowNotFound("chat");
  const { row: before, members } = state.chat;
  const log = eventLog(state);
  const { remove, add, remaining } = membershipDelta(members, change);
  for (const user of remove) {
    log.append("chat.removed", { chat: before.id, user }, JSON.stringify({ id: before.id }));
  }
  const update = chatRowUpdate(before, change);
  const after: ChatRow = { ...before, ...update };
  const rows: RowWrite[] = update
    ? [{ kind: "chat.update", id: before.id, name: after.name, ownerId: after.ownerId }]
    : [];
  const chat = toChat(
    after,
    [...remaining, ...add].sort((a, b) => a - b),
  );
  const data = JSON.stringify(chat);
  const changed = update !== undefined || remove.length > 0 || add.length > 0;
  if (changed && remaining.length > 0) log.append("chat.updated", { chat: before.id }, data);
  for (const user of add) log.append("chat.created", { chat: before.id, user }, data);
  return { value: chat, rows: [...rows, ...log.rows], events: log.events };
}

/** A deleted chat: chat.removed to each member, closing their periods; the row goes last. */
export function planChatDeletion(state: State, chatId: number): Plan<void> {
  const log = eventLog(state);
  const data = JSON.stringify({ id: chatId });
  for (const user of state.chat?.members ?? []) {
    log.append("chat.removed", { chat: chatId, user }, data);
  }
  return {
    value: undefined,
    rows: [...log.rows, { kind: "chat.delete", id: chatId }],
    events: log.events,
  };
}

export const newUserReads = (input: NewUser): Reads =>
  "id" in input.workspace
    ? { workspace: input.workspace.id, general: input.workspace.id, ids: ["users"] }
    : { ids: ["workspaces", "users", "chats"] };

/** The state a plan continues from after `events` were appended: the next events' ids follow. */
const after = (state: State, events: StoredEvent[]): State => ({
  ...state,
  nextEventId: state.nextEventId + events.length,
});

/**
 * A user, with the workspace they create, or joining one: its first user becomes its owner.
 * user.updated tells the workspace. A new workspace starts with a public #general, which every
 * new member joins (as long as a public channel of that name, not archived, is there).
 */
export function planNewUser(
  state: State,
  input: NewUser,
): Plan<{ user: User; workspace: Workspace }> {
  const userId = taken(state, "users");
  const rows: RowWrite[] = [];
  let workspace: WorkspaceRow;
  if ("name" in input.workspace) {
    workspace = {
      id: taken(state, "workspaces"),
      name: input.workspace.name,
      ownerId: userId,
      createdAt: state.now,
      settings: "{}",
    };
    rows.push({ kind: "workspace.insert", row: { ...workspace, ownerId: userId } });
  } else {
    if (!state.workspace) throw new RowNotFound("workspace");
    workspace = state.workspace;
    if (workspace.ownerId === null) {
      workspace = { ...workspace, ownerId: userId };
      rows.push({ kind: "workspace.owner", id: workspace.id, ownerId: userId });
    }
  }
  const user: UserRow = {
    id: userId,
    workspaceId: workspace.id,
    fullname: input.fullname,
    email: input.email,
    createdAt: state.now,
    role: workspace.ownerId === userId ? "owner" : "member",
    deactivated: 0,
    bot: 0,
    title: "",
    avatarUrl: null,
    status: null,
    timezone: null,
  };
  rows.push({
    kind: "user.insert",
    row: user,
    role: user.role,
    passwordHash: input.passwordHash,
    bot: false,
  });
  // The workspace learns of its new member live and on resume, as of any profile change.
  const log = eventLog(state);
  const value = toUser(user);
  log.append("user.updated", { workspace: workspace.id }, JSON.stringify(value));
  const general =
    "name" in input.workspace
      ? planNewChat(after(state, log.events), {
          workspaceId: workspace.id,
          type: "public_channel",
          name: "general",
          ownerId: userId,
          memberIds: [userId],
        })
      : state.chat && planChatChange(after(state, log.events), { add: [userId] });
  return {
    value: { user: value, workspace: toWorkspace(workspace) },
    rows: [...rows, ...log.rows, ...(general?.rows ?? [])],
    events: [...log.events, ...(general?.events ?? [])],
  };
}

export const newBotReads = (): Reads => ({ ids: ["users"] });

/**
 * A bot user (issue #27): a member of no chat until added, with no email and no password (it
 * cannot sign in), and its tokens under their SHA-256. user.updated tells the workspace.
 */
export function planNewBot(state: State, input: NewBot): Plan<User> {
  const id = taken(state, "users");
  const row: UserRow = {
    id,
    workspaceId: input.workspaceId,
    fullname: input.name,
    email: "",
    createdAt: state.now,
    role: "member",
    deactivated: 0,
    bot: 1,
    title: "",
    avatarUrl: null,
    status: null,
    timezone: null,
  };
  const user = toUser(row);
  const rows: RowWrite[] = [
    { kind: "user.insert", row, role: "member", passwordHash: "", bot: true },
    ...input.tokens.map(
      (token): RowWrite => ({
        kind: "bot.token.insert",
        id: token.hash,
        userId: id,
        tokenKind: token.kind,
        at: state.now,
      }),
    ),
    ...(input.audit ?? []).map((entry) =>
      auditRow(state, input.workspaceId, { ...entry, targetId: id }),
    ),
  ];
  const log = eventLog(state);
  log.append("user.updated", { workspace: input.workspaceId }, JSON.stringify(user));
  return { value: user, rows: [...rows, ...log.rows], events: log.events };
}

export const newWebhookReads = (chatId: number): Reads => ({
  chat: chatId,
  ids: ["users", "webhooks"],
});

/**
 * An incoming webhook (issue #27): its bot user (user.updated to the workspace), who joins the
 * chat as any new member does (chat.updated to the others, chat.created to it), the webhook's
 * row, and its audit entry.
 */
export function planNewWebhook(state: State, input: NewWebhook): Plan<Webhook> {
  if (!state.chat) throw new RowNotFound("chat");
  const bot = planNewBot(state, { workspaceId: input.workspaceId, name: input.name, tokens: [] });
  const joined = planChatChange(after(state, bot.events), { add: [bot.value.id] });
  const webhook: Webhook = {
    id: taken(state, "webhooks"),
    workspaceId: input.workspaceId,
    chatId: input.chatId,
    userId: bot.value.id,
    createdBy: input.createdBy,
    name: input.name,
    createdAt: state.now,
    active: true,
  };
  const { active: _, ...row } = webhook;
  const audit = auditRow(state, input.workspaceId, {
    actorId: input.createdBy,
    action: "webhook.created",
    targetType: "webhook",
    targetId: webhook.id,
    details: { chatId: input.chatId, name: input.name },
  });
  return {
    value: webhook,
    rows: [
      ...bot.rows,
      ...joined.rows,
      { kind: "webhook.insert", row, secretHash: input.secretHash },
      audit,
    ],
    events: [...bot.events, ...joined.events],
  };
}

/** What an audit entry records, besides the workspace and the time. */
export type AuditEntry = {
  actorId: number | null;
  action: string;
  targetType: string;
  targetId: string | number | null;
  details?: Record<string, unknown>;
};

function auditRow(state: State, workspaceId: number, entry: AuditEntry): RowWrite {
  return {
    kind: "audit.append",
    workspaceId,
    actorId: entry.actorId,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId === null ? null : String(entry.targetId),
    details: JSON.stringify(entry.details ?? {}),
    at: state.now,
  };
}

/** Profile columns a change may set; the store keeps the row's others. */
export type UserChange = Partial<
  Pick<UserRow, "fullname" | "title" | "avatarUrl" | "status" | "timezone" | "role">
> & { deactivated?: boolean };

/**
 * A change to a user: their row, then user.updated to the whole workspace, when anything
 * changed. Deactivation also ends every session and token of theirs in the same transaction.
 */
export function planUserChange(state: State, change: UserChange, audit?: AuditEntry[]): Plan<User> {
  const before = state.user;
  if (!before) throw new RowNotFound("user");
  const { deactivated, ...columns } = change;
  const after: UserRow = {
    ...before,
    ...columns,
    ...(deactivated !== undefined && { deactivated: deactivated ? 1 : 0 }),
  };
  const user = toUser(after);
  const changed = (Object.keys(after) as (keyof UserRow)[]).some(
    (key) => after[key] !== before[key],
  );
  if (!changed) return { value: toUser(before), rows: [], events: [] };
  const rows: RowWrite[] = [{ kind: "user.update", row: after }];
  if (after.deactivated === 1 && before.deactivated === 0) {
    rows.push({ kind: "user.sessions.end", userId: after.id });
    rows.push({ kind: "user.tokens.end", userId: after.id });
    rows.push({ kind: "bot.tokens.delete", userId: after.id });
  }
  for (const entry of audit ?? []) rows.push(auditRow(state, after.workspaceId, entry));
  const log = eventLog(state);
  log.append("user.updated", { workspace: after.workspaceId }, JSON.stringify(user));
  return { value: user, rows: [...rows, ...log.rows], events: log.events };
}

/** A renamed workspace or changed settings: workspace.updated to everyone in it, when changed. */
export function planWorkspaceChange(
  state: State,
  change: { name?: string; settings?: Partial<WorkspaceSettings> },
  actorId: number,
): Plan<Workspace> {
  const before = state.workspace;
  if (!before) throw new RowNotFound("workspace");
  const settings = { ...JSON.parse(before.settings), ...change.settings };
  const after: WorkspaceRow = {
    ...before,
    name: change.name ?? before.name,
    settings: JSON.stringify(settings),
  };
  const workspace = toWorkspace(after);
  const renamed = after.name !== before.name;
  const resettled =
    JSON.stringify(workspace.settings) !== JSON.stringify(toWorkspace(before).settings);
  if (!renamed && !resettled) return { value: workspace, rows: [], events: [] };
  const rows: RowWrite[] = [
    { kind: "workspace.update", id: after.id, name: after.name, settings: after.settings },
  ];
  if (renamed) {
    rows.push(
      auditRow(state, after.id, {
        actorId,
        action: "workspace.renamed",
        targetType: "workspace",
        targetId: after.id,
        details: { from: before.name, to: after.name },
      }),
    );
  }
  if (resettled) {
    rows.push(
      auditRow(state, after.id, {
        actorId,
        action: "workspace.settings_changed",
        targetType: "workspace",
        targetId: after.id,
        details: { from: toWorkspace(before).settings, to: workspace.settings },
      }),
    );
  }
  const log = eventLog(state);
  log.append("workspace.updated", { workspace: after.id }, JSON.stringify(workspace));
  return { value: workspace, rows: [...rows, ...log.rows], events: log.events };
}

/** Archiving or unarchiving a channel: chat.updated to its members, when it changes. */
export function planChatArchive(state: State, archived: boolean, actorId: number): Plan<Chat> {
  if (!state.chat) throw new RowNotFound("chat");
  const { row: before, members } = state.chat;
  const after: ChatRow = { ...before, archived: archived ? 1 : 0 };
  const chat = toChat(
    after,
    [...members].sort((a, b) => a - b),
  );
  if (after.archived === before.archived) return { value: chat, rows: [], events: [] };
  const log = eventLog(state);
  if (members.length > 0) log.append("chat.updated", { chat: before.id }, JSON.stringify(chat));
  const entry = {
    actorId,
    action: archived ? "chat.archived" : "chat.unarchived",
    targetType: "chat",
    targetId: before.id,
    details: { name: before.name },
  };
  return {
    value: chat,
    rows: [
      { kind: "chat.archive", id: before.id, archived },
      auditRow(state, before.workspaceId, entry),
      ...log.rows,
    ],
    events: log.events,
  };
}

/** An audit entry alone, for what writes no other row through a plan (invites, resets). */
export function planAudit(state: State, workspaceId: number, entry: AuditEntry): Plan<void> {
  return { value: undefined, rows: [auditRow(state, workspaceId, entry)], events: [] };
}

function taken(state: State, table: IdTable): number {
  const id = state.ids[table];
  if (id === undefined) throw new Error(`the plan needs a new ${table} id its reads did not take`);
  return id;
}

/**
 * A send, on the hot path: each dialect stores messages with its own prepared SQL and group
 * commit, and takes the message's one chat event from here.
 */
export function messageCreated(eventId: number, message: Message, data: string): StoredEvent {
  return {
    id: eventId,
    type: "message.created",
    chatId: message.chatId,
    userId: null,
    workspaceId: null,
    json: eventJson(eventId, "message.created", message.chatId, data),
  };
}

/** The message a send stores, as it is answered and as its event carries it. */
export function newMessage(input: NewMessage, id: number, now: number): Message {
  return rowToMessage(newMessageRow(input, id, now));
}

/** The row of a new message, top-level or reply. */
export function newMessageRow(input: NewMessage, id: number, now: number): MessageRow {
  return {
    id,
    chat_id: input.chatId,
    sender_id: input.senderId,
    content: input.content,
    files: JSON.stringify(input.files),
    client_id: input.clientId,
    created_at: now,
    thread_id: input.threadId ?? null,
    reply_count: 0,
    last_reply_at: null,
    edited_at: null,
    deleted: 0,
    reactions: "[]",
    pin_event_id: null,
    mentions: JSON.stringify(input.mentions ?? []),
    mentions_all: input.mentionsAll ? 1 : 0,
    attachments: JSON.stringify(input.attachments ?? []),
  };
}

/**
 * The users a message mentions who may count it (issue #24): a mention count never counts one's
 * own messages, so message_mentions holds no row for the sender, and counting reads it alone.
 */
export const countedMentions = (mentions: readonly number[] | undefined, senderId: number) =>
  (mentions ?? []).filter((userId) => userId !== senderId);

/** The rows that index a new message: its words, its files and its mentions. */
function messageIndexRows(input: NewMessage, id: number): RowWrite[] {
  return [
    ...searchRows(id, input.chatId, input.content),
    ...(input.fileRefs ?? []).map(
      (file, position): RowWrite => ({ kind: "message.file", messageId: id, position, ...file }),
    ),
    ...countedMentions(input.mentions, input.senderId).map(
      (userId): RowWrite => ({
        kind: "mention.insert",
        messageId: id,
        userId,
        chatId: input.chatId,
      }),
    ),
  ];
}

/** The message's words in the search index, or the message out of it when it has none. */
function searchRows(messageId: number, chatId: number, content: string): RowWrite[] {
  const text = indexText(chatId, content);
  return [
    text
      ? { kind: "search.index", messageId, text }
      : { kind: "message.erase", what: "clearSearch", messageId },
  ];
}

export const replyReads = (input: NewMessage & { threadId: number }): Reads => ({
  chat: input.chatId,
  message: input.threadId,
  ids: ["messages"],
  ...(input.clientId !== null && {
    clientId: { chatId: input.chatId, senderId: input.senderId, clientId: input.clientId },
  }),
});

/**
 * A reply: its row and message.created, then its root's new reply count and message.updated,
 * in that order. The chat's last message and activity stay: a reply is not chat activity.
 */
export function planReply(
  state: State,
  input: NewMessage & { threadId: number },
): Plan<ReplyOutcome> {
  const none = (value: ReplyOutcome): Plan<ReplyOutcome> => ({ value, rows: [], events: [] });
  if (!state.chat?.members.includes(input.senderId)) return none(undefined);
  if (state.existing) {
    return none({ value: rowToMessage(state.existing), events: [], created: false });
  }
  const root = state.message;
  if (!root || root.chat_id !== input.chatId || root.thread_id !== null || root.deleted === 1) {
    return none({ refused: "bad_thread" });
  }
  const id = taken(state, "messages");
  const row = newMessageRow(input, id, state.now);
  const reply = rowToMessage(row);
  const after: MessageRow = {
    ...root,
    reply_count: root.reply_count + 1,
    last_reply_at: state.now,
  };
  const log = eventLog(state);
  log.append("message.created", { chat: input.chatId }, JSON.stringify(reply));
  log.append("message.updated", { chat: input.chatId }, JSON.stringify(rowToMessage(after)));
  return {
    value: { value: reply, events: log.events, created: true },
    rows: [
      { kind: "message.insert", row },
      ...messageIndexRows(input, id),
      { kind: "message.update", row: after },
      ...log.rows,
    ],
    events: log.events,
  };
}

export const messageChangeReads = (
  chatId: number,
  messageId: number,
  change: MessageChange,
): Reads => ({
  chat: chatId,
  message: messageId,
  ...(change.kind === "pin" && change.pinned && { pins: chatId }),
});

/** A day: an upload not sent in a message within it is removed (and keeps its file until then). */
export const unsentUploadTtl = 24 * 3_600_000;

/**
 * What erasing a message removes besides its row's content, for a delete and for retention
 * alike: its files (the sender's own uploads of those nothing else carries, then every file
 * nothing carries any more), its edit history and its mentions. Whatever else holds a message's
 * text or id (a search index) joins here, so that both erase it.
 */
export function messageErasure(message: MessageRow, now: number): RowWrite[] {
  const id = message.id;
  const release = { messageId: id, senderId: message.sender_id, since: now - unsentUploadTtl };
  const rows: RowWrite[] = [];
  if (message.files !== "[]") {
    rows.push(
      { kind: "files.release", step: "forgetSenderUploads", ...release },
      { kind: "files.release", step: "markMessageFileRemovals", ...release },
      { kind: "message.erase", what: "clearMessageFiles", messageId: id },
      { kind: "files.release", step: "dropRemovedUploads", ...release },
      { kind: "files.release", step: "dropRemovedFiles", ...release },
    );
  }
  rows.push(
    { kind: "message.erase", what: "clearEdits", messageId: id },
    { kind: "message.erase", what: "clearMentions", messageId: id },
    { kind: "message.erase", what: "clearSearch", messageId: id },
  );
  return rows;
}

/** A message's row as its tombstone: the ids and times stay, everything it said goes. */
function tombstoneOf(message: MessageRow): MessageRow {
  return {
    ...message,
    content: "",
    files: "[]",
    attachments: "[]",
    edited_at: null,
    deleted: 1,
    reactions: "[]",
    pin_event_id: null,
    mentions: "[]",
    mentions_all: 0,
  };
}

/**
 * An edit, a delete, a reaction or a pin, decided against the message and the chat as they are
 * at commit. Each that changes something writes the message row whole and appends its
 * message.updated (a deleted reply then its root's); one that changes nothing writes nothing.
 */
export function planMessageChange(
  state: State,
  chatId: number,
  actorId: number,
  change: MessageChange,
): Plan<ChangeOutcome> {
  const refuse = (
    refused: "not_found" | "forbidden" | "invalid",
    reason: string,
  ): Plan<ChangeOutcome> => ({
    value: { refused, reason },
    rows: [],
    events: [],
  });
  const before = state.message;
  if (!before || before.chat_id !== chatId) return refuse("not_found", "no such message");
  const same = (): Plan<ChangeOutcome> => ({
    value: { ok: rowToMessage(before) },
    rows: [],
    events: [],
  });
  const isMember = state.chat?.members.includes(actorId) ?? false;
  const id = before.id;
  const rows: RowWrite[] = [];
  let after: MessageRow;
  switch (change.kind) {
    case "edit": {
      if (before.deleted === 1) return refuse("not_found", "no such message");
      if (before.sender_id !== actorId)
        return refuse("forbidden", "only the sender can edit a message");
      if (!isMember)
        return refuse("forbidden", "only a member of the chat can edit their messages");
      if (change.content === "" && before.files === "[]") {
        return refuse("invalid", "a message needs content or files");
      }
      if (change.content === before.content) return same();
      after = {
        ...before,
        content: change.content,
        edited_at: state.now,
        mentions: JSON.stringify(change.mentions),
        mentions_all: change.mentionsAll ? 1 : 0,
      };
      rows.push(
        { kind: "edit.insert", messageId: id, content: before.content, replacedAt: state.now },
        { kind: "message.erase", what: "clearMentions", messageId: id },
        ...searchRows(id, chatId, change.content),
        ...countedMentions(change.mentions, before.sender_id).map(
          (userId): RowWrite => ({ kind: "mention.insert", messageId: id, userId, chatId }),
        ),
      );
      break;
    }
    case "delete": {
      if (before.deleted === 1) return same();
      const chat = state.chat?.row;
      const mayDelete =
        change.moderator ||
        (isMember && before.sender_id === actorId) ||
        (isMember &&
          chat !== undefined &&
          chat.ownerId === actorId &&
          (chat.type === "public_channel" || chat.type === "private_channel"));
      if (!mayDelete) {
        return refuse(
          "forbidden",
          "only the sender, the channel's owner or the workspace's owner can delete a message",
        );
      }
      after = tombstoneOf(before);
      rows.push(...messageErasure(before, state.now));
      // Moderation is on the record: someone else's message deleted by its chat's or the
      // workspace's owner or an admin.
      if (chat && before.sender_id !== actorId) {
        rows.push(
          auditRow(state, chat.workspaceId, {
            actorId,
            action: "message.deleted",
            targetType: "message",
            targetId: id,
            details: { chatId, senderId: before.sender_id },
          }),
        );
      }
      break;
    }
    case "react": {
      if (before.deleted === 1) return refuse("not_found", "no such message");
      if (!isMember) return refuse("forbidden", "join this channel to react");
      const reactions = JSON.parse(before.reactions) as Reaction[];
      const at = reactions.findIndex((reaction) => reaction.emoji === change.emoji);
      const reaction = reactions[at];
      if (change.add) {
        if (reaction?.userIds.includes(actorId)) return same();
        if (!reaction && reactions.length >= maxEmojiPerMessage) {
          return refuse(
            "invalid",
            `a message carries at most ${maxEmojiPerMessage} different emoji`,
          );
        }
        if (reaction) reaction.userIds.push(actorId);
        else reactions.push({ emoji: change.emoji, userIds: [actorId] });
      } else {
        if (!reaction?.userIds.includes(actorId)) return same();
        reaction.userIds = reaction.userIds.filter((user) => user !== actorId);
        // An emoji whose last user left is gone: added again, it goes last.
        if (reaction.userIds.length === 0) reactions.splice(at, 1);
      }
      after = { ...before, reactions: JSON.stringify(reactions) };
      break;
    }
    case "pin": {
      if (before.deleted === 1) return refuse("not_found", "no such message");
      if (!isMember) return refuse("forbidden", "join this channel to pin messages");
      if (change.pinned === (before.pin_event_id !== null)) return same();
      if (change.pinned && (state.pinCount ?? 0) >= maxPinsPerChat) {
        return refuse("invalid", `a chat has at most ${maxPinsPerChat} pinned messages`);
      }
      // The pin's own event id orders the pin list: most recently pinned first.
      after = { ...before, pin_event_id: change.pinned ? state.nextEventId : null };
      break;
    }
  }
  const log = eventLog(state);
  const message = rowToMessage(after);
  const data = JSON.stringify(message);
  // Erased for good: the past events of a deleted message carry its tombstone too.
  if (change.kind === "delete") rows.push({ kind: "events.scrub", chatId, messageId: id, data });
  log.append("message.updated", { chat: chatId }, data);
  rows.push({ kind: "message.update", row: after });
  // A deleted reply no longer counts on its root.
  if (change.kind === "delete" && state.root && state.root.row.id === before.thread_id) {
    const root: MessageRow = {
      ...state.root.row,
      reply_count: Math.max(0, state.root.row.reply_count - 1),
      last_reply_at: state.root.lastReplyAt,
    };
    log.append("message.updated", { chat: chatId }, JSON.stringify(rowToMessage(root)));
    rows.push({ kind: "message.update", row: root });
  }
  return { value: { ok: message }, rows: [...rows, ...log.rows], events: log.events };
}

/** The hourly collection of uploads never sent: marked for removal, then their rows go. */
export function planUnsentUploads(before: number): Plan<void> {
  const release = { messageId: 0, senderId: 0, since: before };
  return {
    value: undefined,
    rows: [
      { kind: "files.collect", before },
      { kind: "files.release", step: "dropRemovedUploads", ...release },
      { kind: "files.release", step: "dropRemovedFiles", ...release },
    ],
    events: [],
  };
}

/**
 * Retention's batch size: messages erased per transaction, which holds the event log's lock on
 * PostgreSQL (so a reply cannot race its root's removal). Sweeping 20,000 messages under a send
 * every 2 ms: SQLite 3 s, sends p99 7 ms; PostgreSQL 10 s, sends p99 40 ms (200: p50 31 ms).
 */
export const expiryBatch = 50;

export const expiryReads = (
  workspaceId: number,
  before: number,
  afterId: number,
  limit = expiryBatch,
): Reads => ({ expired: { workspaceId, before, afterId, limit } });

/**
 * Retention: a batch of messages older than the workspace's limit removed for good, through the
 * erasure a delete uses, with no event. A root with replies still kept stays as a tombstone (its
 * past events scrubbed, as a delete's are); everything else goes with its events. Answers the
 * batch's last id (where the next batch starts) and how many rows it read.
 */
export function planExpiry(state: State): Plan<{ lastId: number; read: number }> {
  const expired = state.expired ?? { rows: [], kept: [] };
  const kept = new Map(expired.kept.map((replies) => [replies.rootId, replies]));
  const rows: RowWrite[] = [];
  const dropped = new Map<number, number[]>();
  for (const message of expired.rows) {
    const replies = message.thread_id === null ? kept.get(message.id) : undefined;
    if (replies && Number(replies.total) > 0) {
      const after: MessageRow = {
        ...tombstoneOf(message),
        reply_count: Number(replies.live),
        last_reply_at: replies.lastAt === null ? null : Number(replies.lastAt),
      };
      if ((Object.keys(after) as (keyof MessageRow)[]).every((key) => after[key] === message[key]))
        continue;
      const data = JSON.stringify(rowToMessage(after));
      rows.push(
        ...messageErasure(message, state.now),
        { kind: "events.scrub", chatId: message.chat_id, messageId: message.id, data },
        { kind: "message.update", row: after },
      );
      continue;
    }
    rows.push(...messageErasure(message, state.now), {
      kind: "message.remove",
      messageId: message.id,
    });
    if (message.thread_id === null) {
      rows.push({
        kind: "chat.lastMessage.forget",
        chatId: message.chat_id,
        messageId: message.id,
      });
    }
    dropped.set(message.chat_id, [...(dropped.get(message.chat_id) ?? []), message.id]);
  }
  for (const [chatId, ids] of dropped) {
    rows.push({ kind: "events.drop", chatId, messageIds: JSON.stringify(ids) });
  }
  return {
    value: { lastId: expired.rows.at(-1)?.id ?? 0, read: expired.rows.length },
    rows,
    events: [],
  };
}

// Read state (issue #24).

export const readReads = (chatId: number, userId: number, messageId: number): Reads => ({
  message: messageId,
  marker: { chatId, userId },
});

/** Where a read left the marker, or why it was refused. */
export type ReadOutcome = { lastReadMessageId: number } | { refused: "not_member" | "not_in_chat" };

/**
 * Why a read leaves the marker where it is (`marker`: the member's, undefined for a non-member;
 * `messageChatId`: the chat of the message read, if it exists), or undefined when it moves it.
 */
export function readStays(
  marker: number | undefined,
  messageChatId: number | undefined,
  chatId: number,
  messageId: number,
): ReadOutcome | undefined {
  if (marker === undefined) return { refused: "not_member" };
  if (messageChatId !== chatId) return { refused: "not_in_chat" };
  if (messageId <= marker) return { lastReadMessageId: marker };
  return undefined;
}

/**
 * A member read a chat up to a message of it (a reply or a tombstone too): the marker moves
 * forward only, and its chat.read goes to the reader's own connections. Going back records
 * nothing and sends nothing.
 */
export function planRead(
  state: State,
  chatId: number,
  userId: number,
  messageId: number,
): Plan<ReadOutcome> {
  const stays = readStays(state.marker, state.message?.chat_id, chatId, messageId);
  if (stays) return { value: stays, rows: [], events: [] };
  const log = eventLog(state);
  log.append(
    "chat.read",
    { chat: chatId, user: userId },
    JSON.stringify({ chatId, lastReadMessageId: messageId }),
  );
  return {
    value: { lastReadMessageId: messageId },
    rows: [{ kind: "member.read", chatId, userId, messageId }, ...log.rows],
    events: log.events,
  };
}
