// The whole data model on one screen, for both dialects: db/postgres/schema.ts mirrors it table
// for table and says only what PostgreSQL does differently. Times are Unix milliseconds.
// `…Key` columns hold a name folded by JavaScript's toLowerCase (SQLite's lower() folds ASCII
// only), so "Général" and "GÉNÉRAL" are the same channel name, as the spec compares them.
import { sql } from "drizzle-orm";
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import { eventTypes } from "../events.ts";

const createdAt = (column = "created_at") =>
  integer(column, { mode: "number" })
    .notNull()
    .default(sql`(cast(unixepoch('subsec') * 1000 as integer))`);

export const workspaces = sqliteTable(
  "workspaces",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    nameKey: text("name_key").notNull(),
    // The owner is set in the same transaction that creates the first user.
    ownerId: integer("owner_id"),
    // JSON of the settings changed from their defaults (src/features/people/model.ts):
    // `PATCH /api/workspace` merges key by key, and a default can change without a migration.
    settings: text("settings").notNull().default("{}"),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex("workspaces_name_unique").on(table.nameKey)],
);

export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    workspaceId: integer("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    fullname: text("fullname").notNull(),
    email: text("email").notNull(),
    emailKey: text("email_key").notNull(),
    passwordHash: text("password_hash").notNull(),
    // Carried in every token (`ver`); changing the password bumps it, so older tokens stop working.
    tokenVersion: integer("token_version").notNull().default(0),
    // "owner" (the workspace's owner_id), "admin" or "member".
    role: text("role", { enum: ["owner", "admin", "member"] })
      .notNull()
      .default("member"),
    deactivated: integer("deactivated").notNull().default(0),
    bot: integer("bot").notNull().default(0),
    title: text("title").notNull().default(""),
    avatarUrl: text("avatar_url"),
    // JSON `{text, emoji, until}` or null; served as null once `until` has passed.
    status: text("status"),
    timezone: text("timezone"),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex("users_email_unique").on(table.emailKey),
    index("users_workspace").on(table.workspaceId),
  ],
);

export const invites = sqliteTable("invites", {
  code: text("code").primaryKey(),
  workspaceId: integer("workspace_id")
    .notNull()
    .references(() => workspaces.id),
  createdBy: integer("created_by")
    .notNull()
    .references(() => users.id),
  expiresAt: integer("expires_at", { mode: "number" }).notNull(),
  // Null: any number of uses until it expires. A revoked invite's row is deleted.
  maxUses: integer("max_uses"),
  uses: integer("uses").notNull().default(0),
  createdAt: createdAt(),
});

export const chats = sqliteTable(
  "chats",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
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
    // "smallerId:largerId" for a single chat, so a pair can have only one; null otherwise.
    pairKey: text("pair_key"),
    lastMessageId: integer("last_message_id"),
    // The event of the latest activity, creation or last message: orders a user's chat list.
    // An event id rather than a time, so two activities in the same millisecond still order.
    activityEventId: integer("activity_event_id").notNull().default(0),
    // An archived channel is read-only (src/features/chats/access.ts, requireWritable).
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

// One row per period of membership. A member who leaves keeps the row with `untilEventId` set,
// so a resuming client is replayed exactly the chat events of the periods it was a member.
export const chatMembers = sqliteTable(
  "chat_members",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    // No foreign key: periods outlive a deleted chat, so that a client resuming across the
    // deletion is replayed what it received live, then chat.removed.
    chatId: integer("chat_id").notNull(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    // The chat.created event that began this membership, and the chat.removed that ended it.
    sinceEventId: integer("since_event_id").notNull(),
    untilEventId: integer("until_event_id"),
    joinedAt: createdAt("joined_at"),
    // Issue #24: the member's read marker (only moves forward; a new period starts at the chat's
    // last top-level message) and notification level (null: the chat type's default).
    lastReadMessageId: integer("last_read_message_id").notNull().default(0),
    notify: text("notify", { enum: ["all", "mentions", "none"] }),
  },
  (table) => [
    uniqueIndex("chat_members_current")
      .on(table.chatId, table.userId)
      .where(sql`${table.untilEventId} is null`),
    index("chat_members_user").on(table.userId, table.untilEventId),
  ],
);

export const messages = sqliteTable(
  "messages",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    chatId: integer("chat_id")
      .notNull()
      .references(() => chats.id, { onDelete: "cascade" }),
    senderId: integer("sender_id")
      .notNull()
      .references(() => users.id),
    content: text("content").notNull(),
    // JSON text on both dialects: the store writes and reads it whole.
    files: text("files", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    clientId: text("client_id"),
    createdAt: createdAt(),
    // v2 (docs/adr/0009). The root a reply belongs to; null on a top-level message.
    threadId: integer("thread_id"),
    // On a root: its replies not deleted, and the newest one's time.
    replyCount: integer("reply_count").notNull().default(0),
    lastReplyAt: integer("last_reply_at", { mode: "number" }),
    editedAt: integer("edited_at", { mode: "number" }),
    deleted: integer("deleted").notNull().default(0),
    // The whole [{emoji, userIds}] list as JSON, rewritten by each reaction in its transaction:
    // a history page reads a message whole from its row, with no query per message.
    reactions: text("reactions").notNull().default("[]"),
    // The event that pinned it: orders the pin list, most recently pinned first; null unpinned.
    pinEventId: integer("pin_event_id"),
    // Mentioned user ids as JSON, and whether <!channel> or <!here> mentions everyone; the
    // rows of message_mentions repeat the ids for counting (issue #24).
    mentions: text("mentions").notNull().default("[]"),
    mentionsAll: integer("mentions_all").notNull().default(0),
    // FileInfo[] as JSON, one per entry of files, with the name each was sent under.
    attachments: text("attachments").notNull().default("[]"),
    // Slack's `ts` in microseconds (src/features/integrations/slack-ids.ts): unique in its chat,
    // growing with the id, its seconds the message's time; an import keeps the export's own.
    ts: integer("ts"),
  },
  (table) => [
    index("messages_chat_id").on(table.chatId, table.id),
    uniqueIndex("messages_chat_ts").on(table.chatId, table.ts),
    // A retried send can never be stored twice, however the retries race.
    uniqueIndex("messages_client_id_unique").on(table.chatId, table.senderId, table.clientId),
    index("messages_thread").on(table.threadId, table.id).where(sql`${table.threadId} is not null`),
    index("messages_pins")
      .on(table.chatId, table.pinEventId)
      .where(sql`${table.pinEventId} is not null`),
    // <!channel>/<!here> messages, rare: what a mention count reads besides message_mentions.
    index("messages_mentions_all").on(table.chatId, table.id).where(sql`${table.mentionsAll} = 1`),
    // What an unread count reads (issue #24): top-level messages not deleted, with their sender,
    // so that counting above a marker reads the index alone.
    index("messages_unread")
      .on(table.chatId, table.id, table.senderId)
      .where(sql`${table.threadId} is null and ${table.deleted} = 0`),
  ],
);

// The texts an edit replaced, oldest first; erased with the message's content when it is deleted.
export const messageEdits = sqliteTable(
  "message_edits",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    messageId: integer("message_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    content: text("content").notNull(),
    replacedAt: integer("replaced_at", { mode: "number" }).notNull(),
  },
  (table) => [index("message_edits_message").on(table.messageId, table.id)],
);

// Who each message mentions, one row per user: what a per-user mention count reads (issue #24).
// An edit rewrites a message's rows, a delete erases them.
export const messageMentions = sqliteTable(
  "message_mentions",
  {
    messageId: integer("message_id")
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

// Files whose rows a transaction removed and whose bytes are still to go: the disk is not in the
// transaction, so bytes are removed after commit, and by the hourly job after a crash.
export const fileRemovals = sqliteTable(
  "file_removals",
  {
    workspaceId: integer("workspace_id").notNull(),
    hash: text("hash").notNull(),
  },
  (table) => [primaryKey({ columns: [table.workspaceId, table.hash] })],
);

// The event log, written in the transaction of the change it records. A chat event (userId
// null) is for the chat's members at that moment; a user event is for that user alone; a
// workspace event (workspaceId set, chatId null) is for every user of the workspace. Ids are
// never reused, even once pruned (AUTOINCREMENT): a write's plan takes the next from
// sqlite_sequence (db/plan.ts), a send lets the insert take it.
export const events = sqliteTable(
  "events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    // The event kinds are listed once, with their wire format, in db/events.ts.
    type: text("type", { enum: eventTypes }).notNull(),
    chatId: integer("chat_id"),
    userId: integer("user_id"),
    workspaceId: integer("workspace_id"),
    data: text("data").notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    // Chat events only: a user event (chat.read on every read, chat.created, chat.removed) would
    // be one more b-tree insert per read, and is found through events_user.
    index("events_chat").on(table.chatId, table.id).where(sql`${table.userId} is null`),
    // User events only: a chat event (most of them, one per message) would be one more b-tree
    // insert per send, and is found through events_chat.
    index("events_user").on(table.userId, table.id).where(sql`${table.userId} is not null`),
    // Workspace events only, for the replay's third branch; rare next to chat events.
    index("events_workspace")
      .on(table.workspaceId, table.id)
      .where(sql`${table.workspaceId} is not null`),
  ],
);

// Server-wide settings the server generates and keeps, such as the token secret.
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

// Uploaded bytes, stored once per workspace under their SHA-256: the first upload decides the
// extension (and so the URL) and the type.
export const files = sqliteTable(
  "files",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    workspaceId: integer("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    hash: text("hash").notNull(),
    ext: text("ext").notNull(),
    type: text("type").notNull(),
    size: integer("size").notNull(),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex("files_workspace_hash").on(table.workspaceId, table.hash)],
);

// Every upload, with its own name and uploader, so cleanup never has to scan the disk.
export const uploads = sqliteTable(
  "uploads",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
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

// The files each message carries, by workspace and hash (the URL holds both): how a download
// finds whether its caller can read a message that carries the file.
export const messageFiles = sqliteTable(
  "message_files",
  {
    messageId: integer("message_id")
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

// Single-use tickets that open one WebSocket or event stream, so no URL carries a session token.
// Kept under the SHA-256 of the ticket; consuming one deletes its row, on every instance at once.
export const tickets = sqliteTable("tickets", {
  id: text("id").primaryKey(),
  userId: integer("user_id")
    .notNull()
    .references(() => users.id),
  // The session token's version: a password change ends its tickets with it.
  tokenVersion: integer("token_version").notNull(),
  // The session that made it: signing that session out ends the ticket too.
  sessionId: text("session_id"),
  expiresAt: integer("expires_at", { mode: "number" }).notNull(),
});

// One row per signed-in session (a token's `sid`): signing out deletes it, so one token can end
// while the user's others go on. Checked with the account on every request, in the same query.
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    expiresAt: integer("expires_at", { mode: "number" }).notNull(),
    createdAt: createdAt(),
  },
  (table) => [index("sessions_user").on(table.userId)],
);

// Password reset codes, kept under their SHA-256 (the table alone resets nobody); single-use.
export const resetCodes = sqliteTable("reset_codes", {
  id: text("id").primaryKey(),
  userId: integer("user_id")
    .notNull()
    .references(() => users.id),
  expiresAt: integer("expires_at", { mode: "number" }).notNull(),
  createdAt: createdAt(),
});

// What the owner and admins did, with who and when; the API only ever appends and reads it.
export const audit = sqliteTable(
  "audit",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    workspaceId: integer("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    actorId: integer("actor_id"),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id"),
    // JSON object
    details: text("details").notNull().default("{}"),
    createdAt: createdAt(),
  },
  (table) => [index("audit_workspace").on(table.workspaceId, table.id)],
);

// Web Push (issue #24). A browser's PushSubscription, per user (at most 10: the oldest goes);
// an endpoint belongs to one user at a time.
export const pushSubscriptions = sqliteTable(
  "push_subscriptions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
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

// Pushes to send: a table, so that a restart loses none that was due. A sender claims a row by
// leasing it (`leaseUntil`); one that died mid-send leaves it to be claimed again.
export const pushQueue = sqliteTable(
  "push_queue",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    subscriptionId: integer("subscription_id")
      .notNull()
      .references(() => pushSubscriptions.id, { onDelete: "cascade" }),
    // The JSON the browser receives, encrypted per RFC 8291 when sent.
    payload: text("payload").notNull(),
    dueAt: integer("due_at", { mode: "number" }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    leaseUntil: integer("lease_until", { mode: "number" }).notNull().default(0),
  },
  (table) => [index("push_queue_due").on(table.dueAt)],
);

// The Slack bridge (issue #27). A bot's tokens, kept under their SHA-256: `bot` (xoxb-) opens the
// API as the bot user, `app` (xapp-) opens Socket Mode. Revoking a bot deletes its rows.
export const botTokens = sqliteTable(
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

// Incoming webhooks: each posts into its chat as its own bot user; its URL's secret is kept
// under its SHA-256, so the URL is shown once, when it is made.
export const webhooks = sqliteTable(
  "webhooks",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
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

// Slack Socket Mode: how far each app (a bot user) has acknowledged the event log, so events
// that arose while it had no connection, or were not acknowledged, are delivered again.
export const appCursors = sqliteTable("app_cursors", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id),
  ackedEventId: integer("acked_event_id").notNull().default(0),
  updatedAt: createdAt("updated_at"),
});

// Slack imports: one row per run, with its progress and report as JSON, read by the admin route.
export const slackImports = sqliteTable("slack_imports", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  workspaceId: integer("workspace_id"),
  createdBy: integer("created_by"),
  // "running" | "done" | "failed"
  status: text("status").notNull(),
  progress: text("progress").notNull().default("{}"),
  report: text("report"),
  createdAt: createdAt(),
  updatedAt: createdAt("updated_at"),
});

// What each Slack id of an export became here, per workspace: a re-import or a resumed one finds
// its users, bots and chats again instead of making them twice.
export const slackIds = sqliteTable(
  "slack_ids",
  {
    workspaceId: integer("workspace_id").notNull(),
    // "user" | "bot" | "chat" | "file"
    kind: text("kind").notNull(),
    slackId: text("slack_id").notNull(),
    targetId: integer("target_id").notNull(),
  },
  (table) => [primaryKey({ columns: [table.workspaceId, table.kind, table.slackId] })],
);
