// The data model of db/sqlite/schema.ts on PostgreSQL, table for table and in the same order, with
// the same columns and indexes, so both stores hold the same rows. The comments on the model are
// there; here only what PostgreSQL does differently: times are Unix milliseconds in bigint,
// message and event ids are bigint (the rest integer), and event ids come from a counter.
import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { eventTypes } from "../events.ts";

const millis = (column: string) => bigint(column, { mode: "number" });
const createdAt = (column = "created_at") =>
  millis(column).notNull().default(sql`(extract(epoch from clock_timestamp()) * 1000)::bigint`);
const serialId = () => integer("id").primaryKey().generatedByDefaultAsIdentity();

export const workspaces = pgTable(
  "workspaces",
  {
    id: serialId(),
    name: text("name").notNull(),
    nameKey: text("name_key").notNull(),
    ownerId: integer("owner_id"),
    settings: text("settings").notNull().default("{}"),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex("workspaces_name_unique").on(table.nameKey)],
);

export const users = pgTable(
  "users",
  {
    id: serialId(),
    workspaceId: integer("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    fullname: text("fullname").notNull(),
    email: text("email").notNull(),
    emailKey: text("email_key").notNull(),
    passwordHash: text("password_hash").notNull(),
    tokenVersion: integer("token_version").notNull().default(0),
    role: text("role", { enum: ["owner", "admin", "member"] })
      .notNull()
      .default("member"),
    deactivated: integer("deactivated").notNull().default(0),
    bot: integer("bot").notNull().default(0),
    title: text("title").notNull().default(""),
    avatarUrl: text("avatar_url"),
    status: text("status"),
    timezone: text("timezone"),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex("users_email_unique").on(table.emailKey),
    index("users_workspace").on(table.workspaceId),
  ],
);

export const invites = pgTable("invites", {
  code: text("code").primaryKey(),
  workspaceId: integer("workspace_id")
    .notNull()
    .references(() => workspaces.id),
  createdBy: integer("created_by")
    .notNull()
    .references(() => users.id),
  expiresAt: millis("expires_at").notNull(),
  maxUses: integer("max_uses"),
  uses: integer("uses").notNull().default(0),
  createdAt: createdAt(),
});

export const chats = pgTable(
  "chats",
  {
    id: serialId(),
    workspaceId: integer("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    type: text("type", {
      enum: ["single", "group", "private_channel", "public_channel"],
    }).notNull(),
    name: text("name"),
    nameKey: text("name_key"),
    ownerId: integer("owner_id")
      .notNull()
      .references(() => users.id),
    pairKey: text("pair_key"),
    lastMessageId: bigint("last_message_id", { mode: "number" }),
    activityEventId: bigint("activity_event_id", { mode: "number" }).notNull().default(0),
    archived: integer("archived").notNull().default(0),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex("chats_channel_name_unique")
      .on(table.workspaceId, table.nameKey)
      .where(sql`${table.type} in ('private_channel', 'public_channel')`),
    uniqueIndex("chats_pair_unique").on(table.workspaceId, table.pairKey),
    index("chats_workspace_type").on(table.workspaceId, table.type),
  ],
);

export const chatMembers = pgTable(
  "chat_members",
  {
    id: serialId(),
    chatId: integer("chat_id").notNull(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    sinceEventId: bigint("since_event_id", { mode: "number" }).notNull(),
    untilEventId: bigint("until_event_id", { mode: "number" }),
    joinedAt: createdAt("joined_at"),
    lastReadMessageId: bigint("last_read_message_id", { mode: "number" }).notNull().default(0),
    notify: text("notify", { enum: ["all", "mentions", "none"] }),
  },
  (table) => [
    uniqueIndex("chat_members_current")
      .on(table.chatId, table.userId)
      .where(sql`${table.untilEventId} is null`),
    index("chat_members_user").on(table.userId, table.untilEventId),
  ],
);

export const messages = pgTable(
  "messages",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    chatId: integer("chat_id")
      .notNull()
      .references(() => chats.id, { onDelete: "cascade" }),
    senderId: integer("sender_id")
      .notNull()
      .references(() => users.id),
    content: text("content").notNull(),
    files: text("files").notNull().default("[]"),
    clientId: text("client_id"),
    createdAt: createdAt(),
    threadId: bigint("thread_id", { mode: "number" }),
    replyCount: integer("reply_count").notNull().default(0),
    lastReplyAt: bigint("last_reply_at", { mode: "number" }),
    editedAt: bigint("edited_at", { mode: "number" }),
    deleted: integer("deleted").notNull().default(0),
    reactions: text("reactions").notNull().default("[]"),
    pinEventId: bigint("pin_event_id", { mode: "number" }),
    mentions: text("mentions").notNull().default("[]"),
    mentionsAll: integer("mentions_all").notNull().default(0),
    attachments: text("attachments").notNull().default("[]"),
    ts: bigint("ts", { mode: "number" }),
  },
  (table) => [
    index("messages_chat_id").on(table.chatId, table.id),
    uniqueIndex("messages_chat_ts").on(table.chatId, table.ts),
    uniqueIndex("messages_client_id_unique").on(table.chatId, table.senderId, table.clientId),
    index("messages_thread").on(table.threadId, table.id).where(sql`${table.threadId} is not null`),
    index("messages_pins")
      .on(table.chatId, table.pinEventId)
      .where(sql`${table.pinEventId} is not null`),
    index("messages_mentions_all").on(table.chatId, table.id).where(sql`${table.mentionsAll} = 1`),
    // What an unread count reads (issue #24): top-level messages not deleted, with their sender,
    // so that counting above a marker reads the index alone.
    index("messages_unread")
      .on(table.chatId, table.id, table.senderId)
      .where(sql`${table.threadId} is null and ${table.deleted} = 0`),
  ],
);

export const messageEdits = pgTable(
  "message_edits",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    messageId: bigint("message_id", { mode: "number" })
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    content: text("content").notNull(),
    replacedAt: bigint("replaced_at", { mode: "number" }).notNull(),
  },
  (table) => [index("message_edits_message").on(table.messageId, table.id)],
);

export const messageMentions = pgTable(
  "message_mentions",
  {
    messageId: bigint("message_id", { mode: "number" })
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    userId: integer("user_id").notNull(),
    chatId: integer("chat_id").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.messageId, table.userId] }),
    index("message_mentions_user").on(table.userId, table.chatId, table.messageId),
  ],
);

export const fileRemovals = pgTable(
  "file_removals",
  {
    workspaceId: integer("workspace_id").notNull(),
    hash: text("hash").notNull(),
  },
  (table) => [primaryKey({ columns: [table.workspaceId, table.hash] })],
);

// Event ids are not taken from a sequence: a sequence hands out values that commit out of
// order, so a reader could pass over one still uncommitted. They come from `event_counter`
// (see docs/scaling.md), whose one row every event-writing transaction locks first.
export const events = pgTable(
  "events",
  {
    id: bigint("id", { mode: "number" }).primaryKey(),
    // The event kinds are listed once, with their wire format, in db/events.ts.
    type: text("type", { enum: eventTypes }).notNull(),
    chatId: integer("chat_id"),
    userId: integer("user_id"),
    workspaceId: integer("workspace_id"),
    data: text("data").notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    // Chat events only; user events are found through events_user (as on SQLite).
    index("events_chat").on(table.chatId, table.id).where(sql`${table.userId} is null`),
    index("events_user").on(table.userId, table.id).where(sql`${table.userId} is not null`),
    index("events_workspace")
      .on(table.workspaceId, table.id)
      .where(sql`${table.workspaceId} is not null`),
  ],
);

// One row: the last event id handed out. Locked by each event-writing transaction until it
// commits, so ids commit in order and, since a rollback undoes the increment, without gaps.
export const eventCounter = pgTable(
  "event_counter",
  {
    id: integer("id").primaryKey(),
    last: bigint("last", { mode: "number" }).notNull(),
  },
  (table) => [check("event_counter_one_row", sql`${table.id} = 1`)],
);

export const settings = pgTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

export const files = pgTable(
  "files",
  {
    id: serialId(),
    workspaceId: integer("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    hash: text("hash").notNull(),
    ext: text("ext").notNull(),
    type: text("type").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex("files_workspace_hash").on(table.workspaceId, table.hash)],
);

export const uploads = pgTable(
  "uploads",
  {
    id: serialId(),
    fileId: integer("file_id")
      .notNull()
      .references(() => files.id),
    name: text("name").notNull(),
    uploadedBy: integer("uploaded_by")
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
  },
  (table) => [index("uploads_file").on(table.fileId)],
);

export const messageFiles = pgTable(
  "message_files",
  {
    messageId: bigint("message_id", { mode: "number" })
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    workspaceId: integer("workspace_id").notNull(),
    hash: text("hash").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.messageId, table.position] }),
    index("message_files_file").on(table.workspaceId, table.hash),
  ],
);

export const tickets = pgTable("tickets", {
  id: text("id").primaryKey(),
  userId: integer("user_id")
    .notNull()
    .references(() => users.id),
  tokenVersion: integer("token_version").notNull(),
  sessionId: text("session_id"),
  expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
});

export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    expiresAt: millis("expires_at").notNull(),
    createdAt: createdAt(),
  },
  (table) => [index("sessions_user").on(table.userId)],
);

export const resetCodes = pgTable("reset_codes", {
  id: text("id").primaryKey(),
  userId: integer("user_id")
    .notNull()
    .references(() => users.id),
  expiresAt: millis("expires_at").notNull(),
  createdAt: createdAt(),
});

export const audit = pgTable(
  "audit",
  {
    id: serialId(),
    workspaceId: integer("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    actorId: integer("actor_id"),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id"),
    details: text("details").notNull().default("{}"),
    createdAt: createdAt(),
  },
  (table) => [index("audit_workspace").on(table.workspaceId, table.id)],
);

export const pushSubscriptions = pgTable(
  "push_subscriptions",
  {
    id: serialId(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    endpoint: text("endpoint").notNull(),
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex("push_subscriptions_endpoint").on(table.endpoint),
    index("push_subscriptions_user").on(table.userId, table.createdAt),
  ],
);

export const pushQueue = pgTable(
  "push_queue",
  {
    id: serialId(),
    subscriptionId: integer("subscription_id")
      .notNull()
      .references(() => pushSubscriptions.id, { onDelete: "cascade" }),
    payload: text("payload").notNull(),
    dueAt: bigint("due_at", { mode: "number" }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    leaseUntil: bigint("lease_until", { mode: "number" }).notNull().default(0),
  },
  (table) => [index("push_queue_due").on(table.dueAt)],
);

// The Slack bridge (issue #27): see db/sqlite/schema.ts.
export const botTokens = pgTable(
  "bot_tokens",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    kind: text("kind", { enum: ["bot", "app"] }).notNull(),
    createdAt: createdAt(),
  },
  (table) => [index("bot_tokens_user").on(table.userId)],
);

export const webhooks = pgTable(
  "webhooks",
  {
    id: serialId(),
    workspaceId: integer("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    chatId: integer("chat_id").notNull(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    createdBy: integer("created_by")
      .notNull()
      .references(() => users.id),
    name: text("name").notNull(),
    secretHash: text("secret_hash").notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex("webhooks_secret").on(table.secretHash),
    index("webhooks_chat").on(table.chatId),
  ],
);

export const appCursors = pgTable("app_cursors", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id),
  ackedEventId: bigint("acked_event_id", { mode: "number" }).notNull().default(0),
  updatedAt: createdAt("updated_at"),
});

export const slackImports = pgTable("slack_imports", {
  id: serialId(),
  workspaceId: integer("workspace_id"),
  createdBy: integer("created_by"),
  status: text("status").notNull(),
  progress: text("progress").notNull().default("{}"),
  report: text("report"),
  createdAt: createdAt(),
  updatedAt: createdAt("updated_at"),
});

export const slackIds = pgTable(
  "slack_ids",
  {
    workspaceId: integer("workspace_id").notNull(),
    kind: text("kind").notNull(),
    slackId: text("slack_id").notNull(),
    targetId: bigint("target_id", { mode: "number" }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.workspaceId, table.kind, table.slackId] })],
);
