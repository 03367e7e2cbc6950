// Named fixtures for the web app's state rules, shaped as the server sends them: people, chats
// and the workspace, each with every field of the wire model and overridable where a test cares.
import type { Chat, Message, User, Workspace } from "../../web/state/store.ts";

const createdAt = "2026-01-01T00:00:00.000Z";

export const user = (id: number, fullname: string, extra: Partial<User> = {}): User => ({
  id,
  fullname,
  email: `user${id}@x.test`,
  workspaceId: 1,
  createdAt,
  role: "member",
  deactivated: false,
  bot: false,
  title: "",
  avatarUrl: null,
  status: null,
  timezone: null,
  ...extra,
});

/** A chat of workspace 1; a single chat owned by user 1 unless `extra` says otherwise. */
export const chat = (id: number, members: number[], extra: Partial<Chat> = {}): Chat => ({
  id,
  workspaceId: 1,
  type: "single",
  name: null,
  ownerId: 1,
  members,
  createdAt,
  lastMessageId: null,
  archived: false,
  ...extra,
});

export const workspace = (ownerId = 1, extra: Partial<Workspace> = {}): Workspace => ({
  id: 1,
  name: "Acme",
  ownerId,
  createdAt,
  settings: { invites: "members", channelCreation: "members", retentionDays: null },
  ...extra,
});

/** A plain top-level message, as sent: no replies, edits, reactions or files. */
export const message = (
  id: number,
  chatId: number,
  senderId: number,
  extra: Partial<Message> = {},
): Message => ({
  id,
  chatId,
  senderId,
  content: `m${id}`,
  files: [],
  clientId: null,
  createdAt,
  threadId: null,
  replyCount: 0,
  lastReplyAt: null,
  editedAt: null,
  deleted: false,
  reactions: [],
  pinned: false,
  mentions: [],
  attachments: [],
  ...extra,
});
