// What each write changes, decided once for both dialects: the rows it writes and the events it
// appends, in which order, to whom, and the membership periods those events open and close
// (docs/adr/0002, docs/adr/0008). A planner is a plain function of the state its write read in
// its transaction; the store then writes the plan's rows, in order, with its own SQL
// (db/queries.ts names each row's statement). Event ids are taken here, from the log's next id,
// so the rows that refer to an event (a membership period, a chat's activity) are written whole.
import type { User, Workspace } from "../src/features/accounts/model.ts";
import type { Chat } from "../src/features/chats/model.ts";
import type { Message } from "../src/features/messages/model.ts";
import { type EventType, eventJson, type StoredEvent } from "./events.ts";
import {
  type ChatRow,
  chatRowUpdate,
  foldCase,
  iso,
  membershipDelta,
  pairKey,
  toChat,
  toUser,
  toWorkspace,
  type WorkspaceRow,
} from "./rows.ts";
import {
  type ChatChange,
  type NewChat,
  type NewMessage,
  type NewUser,
  RowNotFound,
} from "./store.ts";

/** Tables whose new rows take their id in the plan. */
export type IdTable = "workspaces" | "users" | "chats";

/** What a write reads, in its transaction, before it is planned. */
export type Reads = {
  /** The chat the write is about: its row and current members. */
  chat?: number;
  /** A workspace the write joins (locked on PostgreSQL until commit). */
  workspace?: number;
  /** New row ids to take. */
  ids?: IdTable[];
};

/** What a planner is given: the answers to its Reads, the time, and the log's next event id. */
export type State = {
  now: number;
  nextEventId: number;
  ids: Partial<Record<IdTable, number>>;
  /** Current members in the order they joined: the creator first, then by join time. */
  chat?: { row: ChatRow; members: number[] };
  workspace?: WorkspaceRow;
};

/** One row written by a plan. Each kind has one statement per dialect (db/queries.ts). */
export type RowWrite =
  | {
      kind: "event.append";
      id: number;
      type: EventType;
      chatId: number;
      userId: number | null;
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
  | {
      kind: "user.insert";
      row: { id: number; workspaceId: number; fullname: string; email: string; createdAt: number };
      passwordHash: string;
    };

/** A write decided: its rows in the order to write them, the events among them, its answer. */
export type Plan<T> = { value: T; rows: RowWrite[]; events: StoredEvent[] };

/**
 * Whom an event is for: the chat's members at that moment (a chat event), or one user about a
 * chat (a user event). A workspace-wide audience would be one more case (docs/adr/0008).
 */
export type Audience = { chat: number } | { chat: number; user: number };

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
    const chatId = to.chat;
    const userId = "user" in to ? to.user : null;
    rows.push({ kind: "event.append", id, type, chatId, userId, data, createdAt: state.now });
    events.push({ id, type, chatId, userId, json: eventJson(id, type, chatId, data) });
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
    ? { workspace: input.workspace.id, ids: ["users"] }
    : { ids: ["workspaces", "users"] };

/** A user, with the workspace they create, or joining one: its first user becomes its owner. */
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
  const user = {
    id: userId,
    workspaceId: workspace.id,
    fullname: input.fullname,
    email: input.email,
    createdAt: state.now,
  };
  rows.push({ kind: "user.insert", row: user, passwordHash: input.passwordHash });
  return { value: { user: toUser(user), workspace: toWorkspace(workspace) }, rows, events: [] };
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
    json: eventJson(eventId, "message.created", message.chatId, data),
  };
}

/** The message a send stores, as it is answered and as its event carries it. */
export function newMessage(input: NewMessage, id: number, now: number): Message {
  return {
    id,
    chatId: input.chatId,
    senderId: input.senderId,
    content: input.content,
    files: input.files,
    clientId: input.clientId,
    createdAt: iso(now),
  };
}
