// Rows to wire models, shared by both stores: the same row gives the same JSON on either engine,
// key for key, so an event written by one reads back identically through the other.
import type {
  Role,
  Status,
  User,
  Workspace,
  WorkspaceSettings,
} from "../src/features/accounts/model.ts";
import type { Chat, ChatType } from "../src/features/chats/model.ts";
import type { Message } from "../src/features/messages/model.ts";
import { type EventType, eventJson, type StoredEvent } from "./events.ts";
import type { ChatChange } from "./store.ts";

export const iso = (ms: number) => new Date(ms).toISOString();

export const foldCase = (text: string) => text.toLowerCase();
/** "smallerId:largerId": a pair of users has one single chat per workspace. */
export const pairKey = ([a, b]: [number, number]) => (a < b ? `${a}:${b}` : `${b}:${a}`);

/** A user row as both engines return it (booleans as integers, status as JSON text). */
export type UserRow = {
  id: number;
  fullname: string;
  email: string;
  workspaceId: number;
  createdAt: number;
  role: Role;
  deactivated: number;
  bot: number;
  title: string;
  avatarUrl: string | null;
  status: string | null;
  timezone: string | null;
};

/** A status past its `until` is served as null: it expired without a write. */
export function liveStatus(json: string | null, now = Date.now()): Status | null {
  if (json === null) return null;
  const status = JSON.parse(json) as Status;
  return status.until !== null && Date.parse(status.until) <= now ? null : status;
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    fullname: row.fullname,
    // A bot has no email (API.md § Objects in v2).
    email: row.bot === 1 ? null : row.email,
    workspaceId: row.workspaceId,
    createdAt: iso(row.createdAt),
    role: row.role,
    deactivated: row.deactivated === 1,
    bot: row.bot === 1,
    title: row.title,
    avatarUrl: row.avatarUrl,
    status: liveStatus(row.status),
    timezone: row.timezone,
  };
}

export type WorkspaceRow = {
  id: number;
  name: string;
  ownerId: number | null;
  createdAt: number;
  /** JSON of the settings changed from their defaults. */
  settings: string;
};

export const defaultSettings: WorkspaceSettings = {
  invites: "members",
  channelCreation: "members",
  retentionDays: null,
};

export function toWorkspace(row: WorkspaceRow): Workspace {
  return {
    id: row.id,
    name: row.name,
    ownerId: row.ownerId ?? 0,
    createdAt: iso(row.createdAt),
    settings: { ...defaultSettings, ...(JSON.parse(row.settings) as Partial<WorkspaceSettings>) },
  };
}

export type ChatRow = {
  id: number;
  workspaceId: number;
  type: ChatType;
  name: string | null;
  ownerId: number;
  lastMessageId: number | null;
  createdAt: number;
  archived: number;
};

export function toChat(row: ChatRow, members: number[]): Chat {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    type: row.type,
    name: row.name,
    ownerId: row.ownerId,
    members,
    createdAt: iso(row.createdAt),
    lastMessageId: row.lastMessageId,
    archived: row.archived === 1,
  };
}

/** A message row as both engines return it from raw SQL. */
export type MessageRow = {
  id: number;
  chat_id: number;
  sender_id: number;
  content: string;
  files: string;
  client_id: string | null;
  created_at: number;
  thread_id: number | null;
  reply_count: number;
  last_reply_at: number | null;
  edited_at: number | null;
  deleted: number;
  reactions: string;
  pin_event_id: number | null;
  mentions: string;
  mentions_all: number;
  attachments: string;
  /** Slack's ts in microseconds; a new row leaves it to the insert (db/queries.ts, newTs). */
  ts?: number | null;
};

// Most messages carry no files, reactions or mentions: no parse for those.
const list = <T>(text: string): T[] => (text === "[]" ? [] : (JSON.parse(text) as T[]));

export function rowToMessage(row: MessageRow): Message {
  return {
    id: row.id,
    chatId: row.chat_id,
    senderId: row.sender_id,
    content: row.content,
    files: list(row.files),
    clientId: row.client_id,
    createdAt: iso(row.created_at),
    threadId: row.thread_id,
    replyCount: row.reply_count,
    lastReplyAt: row.last_reply_at === null ? null : iso(row.last_reply_at),
    editedAt: row.edited_at === null ? null : iso(row.edited_at),
    deleted: row.deleted === 1,
    reactions: list(row.reactions),
    pinned: row.pin_event_id !== null,
    mentions: list(row.mentions),
    attachments: list(row.attachments),
  };
}

const isoOrNull = (ms: number | null) => (ms === null ? "null" : `"${iso(ms)}"`);

/**
 * The wire JSON of a message, built from its row: the lists are stored as JSON already and go in
 * as they are, where parsing and serializing them again cost a page of rich messages (reactions,
 * attachments) over a third of its reads. The same text, key for key, as
 * JSON.stringify(rowToMessage(row)).
 */
export function messageJson(row: MessageRow): string {
  return `{"id":${row.id},"chatId":${row.chat_id},"senderId":${row.sender_id},"content":${JSON.stringify(row.content)},"files":${row.files},"clientId":${row.client_id === null ? "null" : JSON.stringify(row.client_id)},"createdAt":"${iso(row.created_at)}","threadId":${row.thread_id},"replyCount":${row.reply_count},"lastReplyAt":${isoOrNull(row.last_reply_at)},"editedAt":${isoOrNull(row.edited_at)},"deleted":${row.deleted === 1},"reactions":${row.reactions},"pinned":${row.pin_event_id !== null},"mentions":${row.mentions},"attachments":${row.attachments}}`;
}

/** Groups (chatId, userId) rows into member lists, each in id order. */
export function membersByChat(rows: { chatId: number; userId: number }[]): Map<number, number[]> {
  const byChat = new Map<number, number[]>();
  for (const { chatId, userId } of rows) {
    const list = byChat.get(chatId) ?? [];
    list.push(userId);
    byChat.set(chatId, list);
  }
  return byChat;
}

export type EventRow = {
  id: number;
  type: EventType;
  chatId: number | null;
  userId: number | null;
  workspaceId: number | null;
  data: string;
};

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    type: row.type,
    chatId: row.chatId,
    userId: row.userId,
    workspaceId: row.workspaceId,
    json: eventJson(row.id, row.type, row.chatId, row.data),
  } as StoredEvent;
}

/** Who a change removes and adds, against the current members: the same rule on both stores. */
export function membershipDelta(current: number[], change: ChatChange) {
  const remove = (change.remove ?? []).filter((id) => current.includes(id));
  const add = [...new Set(change.add ?? [])].filter((id) => !current.includes(id));
  const remaining = current.filter((id) => !remove.includes(id));
  return { remove, add, remaining };
}

/** The columns a change sets on the chat row; undefined when it sets none (same name, owner). */
export function chatRowUpdate(
  before: { name: string | null; ownerId: number },
  change: ChatChange,
) {
  const renamed = change.name !== undefined && change.name !== before.name;
  const reowned = change.ownerId !== undefined && change.ownerId !== before.ownerId;
  if (!renamed && !reowned) return undefined;
  return {
    ...(renamed && {
      name: change.name ?? null,
      nameKey: change.name == null ? null : foldCase(change.name),
    }),
    ...(reowned && { ownerId: change.ownerId as number }),
  };
}
