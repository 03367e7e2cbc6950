// The Store on embedded SQLite (bun:sqlite through drizzle). Each write verb is one synchronous
// transaction, so nothing else runs between its reads and its writes.
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { and, asc, desc, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import { type BunSQLiteDatabase, drizzle } from "drizzle-orm/bun-sqlite";
import { conflict, notFound } from "../../src/errors.ts";
import type { User, Workspace } from "../../src/features/accounts/model.ts";
import type { Chat } from "../../src/features/chats/model.ts";
import type { Message } from "../../src/features/messages/model.ts";
import { type EventType, eventJson, type StoredEvent } from "../../src/features/realtime/events.ts";
import {
  chatRowUpdate,
  conflictMessages,
  type EventRow,
  foldCase,
  iso,
  type MessageRow,
  membersByChat,
  membershipDelta,
  pairKey,
  rowToMessage,
  toChat,
  toStoredEvent,
  toUser,
  toWorkspace,
} from "../rows.ts";
import type {
  ChatAccess,
  ChatChange,
  FileRef,
  NewChat,
  NewMessage,
  NewUpload,
  NewUser,
  Sent,
  Store,
  Ticket,
  UserRecord,
  Written,
} from "../store.ts";
import { Checkpointer } from "./checkpointer.ts";
import { migrateSqlite } from "./migrate.ts";
import {
  chatMembers,
  chats,
  events,
  files,
  invites,
  settings,
  tickets,
  uploads,
  users,
  workspaces,
} from "./schema.ts";

type Db = BunSQLiteDatabase<Record<string, never>>;
type Outcome = { ok: Sent | undefined } | { error: unknown };
type ChatRow = typeof chats.$inferSelect;

export type SqliteOptions = { synchronous: "NORMAL" | "FULL" };

/** `sqlite://./data/chat.db`, `sqlite:///var/lib/chat/chat.db` or `sqlite://:memory:`. */
export function sqlitePath(url: string): string {
  const path = url.replace(/^sqlite:\/\//, "");
  if (!path) throw new Error(`database.url "${url}" names no file`);
  return path;
}

export function openSqliteStore(url: string, options: SqliteOptions): SqliteStore {
  const path = sqlitePath(url);
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path, { create: true, strict: true });
  sqlite.run("pragma journal_mode = wal");
  // bun:sqlite leaves FULL even in WAL mode; NORMAL in WAL survives any process crash.
  sqlite.run(`pragma synchronous = ${options.synchronous}`);
  sqlite.run("pragma foreign_keys = on");
  sqlite.run("pragma busy_timeout = 5000");
  sqlite.run("pragma cache_size = -32000");
  const applied = migrateSqlite(sqlite);
  const store = new SqliteStore(sqlite);
  store.appliedMigrations = applied;
  // WAL checkpoints (a copy and an fsync) run on a thread of their own, not inside a commit.
  if (path !== ":memory:") store.checkpointer = new Checkpointer(sqlite, path);
  return store;
}

/** SQLite names the columns of a failed unique index, not the index: which index they are. */
const uniqueIndexByColumns: Record<string, string> = {
  "users.email_key": "users_email_unique",
  "workspaces.name_key": "workspaces_name_unique",
  "chats.workspace_id, chats.name_key": "chats_channel_name_unique",
  "chats.workspace_id, chats.pair_key": "chats_pair_unique",
};

/** Turns a unique-index violation into the `conflict` the caller should see; rethrows the rest. */
function explainConflict(error: unknown): never {
  const text = String((error as { cause?: unknown }).cause ?? error);
  const columns = /UNIQUE constraint failed: (.+)$/m.exec(text)?.[1]?.trim();
  const message = conflictMessages[uniqueIndexByColumns[columns ?? ""] ?? ""];
  if (message) throw conflict(message);
  throw error;
}

export class SqliteStore implements Store {
  readonly dialect = "sqlite";
  /** The migrations this open applied, for `chat migrate`. */
  appliedMigrations: string[] = [];
  readonly db: Db;
  /** The worker checkpointing this file's WAL (none for an in-memory database). */
  checkpointer: Checkpointer | undefined;

  /** Raw statements for hot paths, prepared once. */
  private readonly statements;

  constructor(readonly sqlite: Database) {
    this.db = drizzle({ client: sqlite });
    // Transaction functions are built once: bun:sqlite defines properties on each new one.
    this.storeBatch = sqlite.transaction((inputs: NewMessage[]) =>
      this.touchChats(inputs.map((input): Outcome => ({ ok: this.storeMessage(input) }))),
    );
    const storeOne = sqlite.transaction((input: NewMessage) => this.storeMessage(input));
    this.storeEach = sqlite.transaction((inputs: NewMessage[]) =>
      this.touchChats(
        inputs.map((input): Outcome => {
          try {
            return { ok: storeOne(input) };
          } catch (error) {
            return { error };
          }
        }),
      ),
    );
    this.statements = {
      history: sqlite.query<MessageRow, [number, number, number]>(
        "select * from messages where chat_id = ? and id < ? order by id desc limit ?",
      ),
      account: sqlite.query<
        {
          id: number;
          fullname: string;
          email: string;
          workspace_id: number;
          created_at: number;
          token_version: number;
        },
        [number]
      >(
        "select id, fullname, email, workspace_id, created_at, token_version from users where id = ?",
      ),
      chatIdsOf: sqlite.query<{ chat_id: number }, [number]>(
        "select chat_id from chat_members where user_id = ? and until_event_id is null",
      ),
      // A repeat is answered only to a sender who is still a member, as on PostgreSQL.
      memberMessageByClientId: sqlite.query<MessageRow, [number, number, string | null]>(
        `select * from messages
          where chat_id = ?1 and sender_id = ?2 and client_id = ?3
            and exists (select 1 from chat_members
                         where chat_id = ?1 and user_id = ?2 and until_event_id is null)`,
      ),
      // One statement for the usual send: membership is checked in the transaction that
      // stores the message, so a member removed meanwhile cannot post. A non-member or a
      // repeated clientId inserts nothing and returns no row; only then is there a lookup.
      insertMessage: sqlite.query<
        MessageRow,
        [number, number, string, string, string | null, number]
      >(
        `insert into messages (chat_id, sender_id, content, files, client_id, created_at)
         select ?1, ?2, ?3, ?4, ?5, ?6
          where exists (select 1 from chat_members
                         where chat_id = ?1 and user_id = ?2 and until_event_id is null)
         on conflict (chat_id, sender_id, client_id) do nothing returning *`,
      ),
      insertEvent: sqlite.query<{ id: number }, [string, number, number | null, string, number]>(
        "insert into events (type, chat_id, user_id, data, created_at) values (?, ?, ?, ?, ?) returning id",
      ),
      insertMessageFile: sqlite.query<never, [number, number, number, string]>(
        "insert into message_files (message_id, position, workspace_id, hash) values (?, ?, ?, ?)",
      ),
      touchChat: sqlite.query<never, [number, number, number]>(
        "update chats set last_message_id = ?, activity_event_id = ? where id = ?",
      ),
      chatAccess: sqlite.query<
        Omit<ChatAccess, "isMember"> & { isMember: number },
        { chat: number; user: number }
      >(
        `select c.id, c.workspace_id as workspaceId, c.type, c.owner_id as ownerId,
                exists (select 1 from chat_members m
                         where m.chat_id = c.id and m.user_id = $user
                           and m.until_event_id is null) as isMember
           from chats c
          where c.id = $chat`,
      ),
    };
  }

  async keepSetting(key: string, value: string): Promise<string> {
    this.db.insert(settings).values({ key, value }).onConflictDoNothing().run();
    const row = this.db.select().from(settings).where(eq(settings.key, key)).get();
    return row?.value ?? value;
  }

  /** Asked on every authenticated request, so a prepared statement. */
  async findAccount(id: number): Promise<{ user: User; tokenVersion: number } | undefined> {
    const row = this.statements.account.get(id);
    if (!row) return undefined;
    return {
      user: {
        id: row.id,
        fullname: row.fullname,
        email: row.email,
        workspaceId: row.workspace_id,
        createdAt: iso(row.created_at),
      },
      tokenVersion: row.token_version,
    };
  }

  async changePassword(userId: number, passwordHash: string): Promise<number> {
    const row = this.db
      .update(users)
      .set({ passwordHash, tokenVersion: sql`${users.tokenVersion} + 1` })
      .where(eq(users.id, userId))
      .returning({ tokenVersion: users.tokenVersion })
      .get();
    if (!row) throw notFound("no such user");
    return row.tokenVersion;
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    const row = this.db
      .select()
      .from(users)
      .where(eq(users.emailKey, foldCase(email)))
      .get();
    return (
      row && { ...toUser(row), passwordHash: row.passwordHash, tokenVersion: row.tokenVersion }
    );
  }

  async findWorkspace(id: number): Promise<Workspace | undefined> {
    const row = this.db.select().from(workspaces).where(eq(workspaces.id, id)).get();
    return row && toWorkspace(row);
  }

  async findWorkspaceByName(name: string): Promise<Workspace | undefined> {
    const row = this.db
      .select()
      .from(workspaces)
      .where(eq(workspaces.nameKey, foldCase(name)))
      .get();
    return row && toWorkspace(row);
  }

  async createUser(input: NewUser): Promise<{ user: User; workspace: Workspace }> {
    try {
      return this.db.transaction((tx) => {
        const now = Date.now();
        let workspace =
          "id" in input.workspace
            ? tx.select().from(workspaces).where(eq(workspaces.id, input.workspace.id)).get()
            : tx
                .insert(workspaces)
                .values({
                  name: input.workspace.name,
                  nameKey: foldCase(input.workspace.name),
                  createdAt: now,
                })
                .returning()
                .get();
        if (!workspace) throw notFound("no such workspace");
        const user = tx
          .insert(users)
          .values({
            workspaceId: workspace.id,
            fullname: input.fullname,
            email: input.email,
            emailKey: foldCase(input.email),
            passwordHash: input.passwordHash,
            createdAt: now,
          })
          .returning()
          .get();
        if (workspace.ownerId === null) {
          workspace = tx
            .update(workspaces)
            .set({ ownerId: user.id })
            .where(eq(workspaces.id, workspace.id))
            .returning()
            .get();
        }
        return { user: toUser(user), workspace: toWorkspace(workspace) };
      });
    } catch (error) {
      explainConflict(error);
    }
  }

  async listUsers(workspaceId: number): Promise<User[]> {
    return this.db
      .select()
      .from(users)
      .where(eq(users.workspaceId, workspaceId))
      .orderBy(asc(users.id))
      .all()
      .map(toUser);
  }

  async countUsersIn(workspaceId: number, userIds: number[]): Promise<number> {
    if (userIds.length === 0) return 0;
    const row = this.db
      .select({ count: sql<number>`count(*)` })
      .from(users)
      .where(and(eq(users.workspaceId, workspaceId), inArray(users.id, userIds)))
      .get();
    return row?.count ?? 0;
  }

  async createInvite(invite: {
    code: string;
    workspaceId: number;
    createdBy: number;
    expiresAt: number;
  }): Promise<void> {
    this.db
      .insert(invites)
      .values({ ...invite, createdAt: Date.now() })
      .run();
  }

  async findInvite(code: string) {
    return this.db
      .select({ workspaceId: invites.workspaceId, expiresAt: invites.expiresAt })
      .from(invites)
      .where(eq(invites.code, code))
      .get();
  }

  async findChat(id: number): Promise<Chat | undefined> {
    const row = this.db.select().from(chats).where(eq(chats.id, id)).get();
    return row && this.toChats([row])[0];
  }

  async findChatAccess(chatId: number, userId: number): Promise<ChatAccess | undefined> {
    const row = this.statements.chatAccess.get({ chat: chatId, user: userId });
    return row ? { ...row, isMember: row.isMember === 1 } : undefined;
  }

  async findSingleChat(workspaceId: number, userIds: [number, number]): Promise<Chat | undefined> {
    const row = this.db
      .select()
      .from(chats)
      .where(and(eq(chats.workspaceId, workspaceId), eq(chats.pairKey, pairKey(userIds))))
      .get();
    return row && this.toChats([row])[0];
  }

  /** Asked at every connect, so a prepared statement. */
  async listChatIdsOf(userId: number): Promise<number[]> {
    return this.statements.chatIdsOf.values(userId).map((row) => row[0] as number);
  }

  async listMembersByJoinOrder(chatId: number): Promise<number[]> {
    return currentMembers(this.db, chatId);
  }

  async listChatsOf(userId: number): Promise<Chat[]> {
    const rows = this.db
      .select({ chat: chats })
      .from(chatMembers)
      .innerJoin(chats, eq(chats.id, chatMembers.chatId))
      .where(and(eq(chatMembers.userId, userId), isNull(chatMembers.untilEventId)))
      .orderBy(desc(chats.activityEventId), desc(chats.id))
      .all();
    return this.toChats(rows.map((row) => row.chat));
  }

  async listPublicChannels(workspaceId: number): Promise<Chat[]> {
    const rows = this.db
      .select()
      .from(chats)
      .where(and(eq(chats.workspaceId, workspaceId), eq(chats.type, "public_channel")))
      .orderBy(asc(chats.nameKey))
      .all();
    return this.toChats(rows);
  }

  async createChat(input: NewChat): Promise<Written<Chat>> {
    try {
      return this.db.transaction((tx) => {
        const now = Date.now();
        const row = tx
          .insert(chats)
          .values({
            workspaceId: input.workspaceId,
            type: input.type,
            name: input.name,
            nameKey: input.name === null ? null : foldCase(input.name),
            ownerId: input.ownerId,
            pairKey: input.type === "single" ? pairKey(input.memberIds as [number, number]) : null,
            createdAt: now,
          })
          .returning()
          .get();
        const chat = toChat(
          row,
          [...input.memberIds].sort((a, b) => a - b),
        );
        const data = JSON.stringify(chat);
        const written = input.memberIds.map((userId) => {
          const event = appendEvent(tx, "chat.created", chat.id, userId, data);
          tx.insert(chatMembers)
            .values({ chatId: chat.id, userId, sinceEventId: event.id, joinedAt: now })
            .run();
          return event;
        });
        tx.update(chats)
          .set({ activityEventId: written[0]?.id ?? 0 })
          .where(eq(chats.id, chat.id))
          .run();
        return { value: chat, events: written };
      });
    } catch (error) {
      explainConflict(error);
    }
  }

  async changeChat(chatId: number, change: ChatChange): Promise<Written<Chat>> {
    try {
      return this.db.transaction((tx) => {
        const written: StoredEvent[] = [];
        const current = currentMembers(tx, chatId);
        const { remove, add, remaining } = membershipDelta(current, change);

        for (const userId of remove) {
          const event = appendEvent(
            tx,
            "chat.removed",
            chatId,
            userId,
            JSON.stringify({ id: chatId }),
          );
          endMembership(tx, chatId, userId, event.id);
          written.push(event);
        }

        const before = tx.select().from(chats).where(eq(chats.id, chatId)).get();
        if (!before) throw notFound("no such chat");
        const update = chatRowUpdate(before, change);
        const row = update
          ? tx.update(chats).set(update).where(eq(chats.id, chatId)).returning().get()
          : before;

        const chat = toChat(
          row,
          [...remaining, ...add].sort((a, b) => a - b),
        );
        const data = JSON.stringify(chat);
        const changed = update !== undefined || remove.length > 0 || add.length > 0;
        if (changed && remaining.length > 0) {
          written.push(appendEvent(tx, "chat.updated", chatId, null, data));
        }
        const now = Date.now();
        for (const userId of add) {
          const event = appendEvent(tx, "chat.created", chatId, userId, data);
          tx.insert(chatMembers)
            .values({ chatId, userId, sinceEventId: event.id, joinedAt: now })
            .run();
          written.push(event);
        }
        return { value: chat, events: written };
      });
    } catch (error) {
      explainConflict(error);
    }
  }

  async deleteChat(chatId: number): Promise<Written<void>> {
    return this.db.transaction((tx) => {
      const data = JSON.stringify({ id: chatId });
      const written = currentMembers(tx, chatId).map((userId) => {
        const event = appendEvent(tx, "chat.removed", chatId, userId, data);
        endMembership(tx, chatId, userId, event.id);
        return event;
      });
      tx.delete(chats).where(eq(chats.id, chatId)).run();
      return { value: undefined, events: written };
    });
  }

  /**
   * Group commit: every send that arrives in one turn of the event loop is stored in one
   * transaction, and each sender is answered only after that transaction has committed.
   */
  insertMessage(input: NewMessage): Promise<Sent | undefined> {
    return new Promise((resolve, reject) => {
      this.sendQueue.push({ input, resolve, reject });
      if (this.sendQueue.length === 1) setImmediate(() => this.flushSends());
    });
  }

  private sendQueue: {
    input: NewMessage;
    resolve: (result: Sent | undefined) => void;
    reject: (error: unknown) => void;
  }[] = [];

  /** The whole batch in one transaction: the usual case, where no send fails. */
  private readonly storeBatch: (inputs: NewMessage[]) => Outcome[];
  /** After a failure: each send in its own savepoint, so one bad send fails alone. */
  private readonly storeEach: (inputs: NewMessage[]) => Outcome[];

  private flushSends(): void {
    const batch = this.sendQueue;
    this.sendQueue = [];
    const inputs = batch.map((send) => send.input);
    let outcomes: Outcome[];
    try {
      outcomes = this.storeBatch(inputs);
    } catch {
      try {
        // A send failed inside SQLite (a refused write) and the batch rolled back.
        outcomes = this.storeEach(inputs);
      } catch (error) {
        // The commit itself failed (a full disk): nothing of the batch is stored or acknowledged.
        for (const { reject } of batch) reject(error);
        return;
      }
    }
    // Answered in id order, so the callers publish their events in id order.
    for (let i = 0; i < batch.length; i++) {
      const { resolve, reject } = batch[i] as (typeof batch)[number];
      const outcome = outcomes[i] as Outcome;
      if ("ok" in outcome) resolve(outcome.ok);
      else reject(outcome.error);
    }
  }

  /**
   * Moves each chat's last message and activity on to the latest stored in the batch: once per
   * chat, where a burst into one chat would rewrite its row once per message.
   */
  private touchChats(outcomes: Outcome[]): Outcome[] {
    const latest = new Map<number, { messageId: number; eventId: number }>();
    for (const outcome of outcomes) {
      const sent = "ok" in outcome ? outcome.ok : undefined;
      const event = sent?.events[0];
      if (sent && event) latest.set(event.chatId, { messageId: sent.value.id, eventId: event.id });
    }
    for (const [chatId, { messageId, eventId }] of latest) {
      this.statements.touchChat.run(messageId, eventId, chatId);
    }
    return outcomes;
  }

  /** One message and its event, inside the caller's transaction; idempotent on clientId. */
  private storeMessage(input: NewMessage): Sent | undefined {
    const { statements } = this;
    const row = statements.insertMessage.get(
      input.chatId,
      input.senderId,
      input.content,
      JSON.stringify(input.files),
      input.clientId,
      Date.now(),
    );
    if (!row) {
      // Nothing inserted: the sender is not a member (no row here either), or the clientId is
      // a repeat (a null clientId never is).
      const existing = statements.memberMessageByClientId.get(
        input.chatId,
        input.senderId,
        input.clientId,
      );
      return existing ? { value: rowToMessage(existing), events: [], created: false } : undefined;
    }
    const message = rowToMessage(row);
    for (const [position, file] of (input.fileRefs ?? []).entries()) {
      statements.insertMessageFile.run(message.id, position, file.workspaceId, file.hash);
    }
    const data = JSON.stringify(message);
    const { id } = statements.insertEvent.get(
      "message.created",
      input.chatId,
      null,
      data,
      Date.now(),
    ) as {
      id: number;
    };
    return {
      value: message,
      events: [
        {
          id,
          type: "message.created",
          chatId: input.chatId,
          userId: null,
          json: eventJson(id, "message.created", input.chatId, data),
        },
      ],
      created: true,
    };
  }

  async listMessages(chatId: number, page: { before?: number; limit: number }): Promise<Message[]> {
    return this.statements.history
      .all(chatId, page.before ?? Number.MAX_SAFE_INTEGER, page.limit)
      .map(rowToMessage);
  }

  async recordUpload(upload: NewUpload): Promise<{ ext: string; type: string }> {
    return this.db.transaction((tx) => {
      const { workspaceId, hash, ext, type, size, name, uploadedBy } = upload;
      tx.insert(files)
        .values({ workspaceId, hash, ext, type, size, createdAt: Date.now() })
        .onConflictDoNothing()
        .run();
      const file = tx
        .select()
        .from(files)
        .where(and(eq(files.workspaceId, workspaceId), eq(files.hash, hash)))
        .get();
      if (!file) throw new Error("the file row vanished inside its own transaction");
      tx.insert(uploads).values({ fileId: file.id, name, uploadedBy, createdAt: Date.now() }).run();
      return { ext: file.ext, type: file.type };
    });
  }

  async findFile(workspaceId: number, hash: string) {
    const row = this.sqlite
      .query<{ ext: string; type: string; size: number; name: string }, [number, string]>(
        `select f.ext, f.type, f.size,
                (select u.name from uploads u where u.file_id = f.id order by u.id limit 1) as name
           from files f
          where f.workspace_id = ? and f.hash = ?`,
      )
      .get(workspaceId, hash);
    return row ?? undefined;
  }

  async findFileKeys(workspaceId: number, hashes: string[]) {
    if (hashes.length === 0) return [];
    return this.db
      .select({ hash: files.hash, ext: files.ext })
      .from(files)
      .where(and(eq(files.workspaceId, workspaceId), inArray(files.hash, hashes)))
      .all();
  }

  async canReadFile(userId: number, file: FileRef): Promise<boolean> {
    const row = this.sqlite
      .query<{ found: number }, { user: number; workspace: number; hash: string }>(
        `select exists (
           select 1 from files f join uploads u on u.file_id = f.id
            where f.workspace_id = $workspace and f.hash = $hash and u.uploaded_by = $user
           union all
           select 1 from message_files mf
             join messages msg on msg.id = mf.message_id
             join chats c on c.id = msg.chat_id
            where mf.workspace_id = $workspace and mf.hash = $hash
              and (c.type = 'public_channel'
                   or exists (select 1 from chat_members m
                               where m.chat_id = c.id and m.user_id = $user
                                 and m.until_event_id is null))
         ) as found`,
      )
      .get({ user: userId, workspace: file.workspaceId, hash: file.hash });
    return row?.found === 1;
  }

  async createTicket(ticket: Ticket): Promise<void> {
    this.db.insert(tickets).values(ticket).run();
  }

  async consumeTicket(id: string): Promise<Ticket | undefined> {
    return this.db.delete(tickets).where(eq(tickets.id, id)).returning().get();
  }

  async pruneTickets(now: number): Promise<number> {
    return this.db
      .delete(tickets)
      .where(lt(tickets.expiresAt, now))
      .returning({ id: tickets.id })
      .all().length;
  }

  async eventsSince(userId: number, afterId: number, limit: number): Promise<StoredEvent[]> {
    // A user's own events, and the chat events of every period the user was a member.
    const rows = this.sqlite
      .query<EventRow, { after: number; user: number; limit: number }>(
        `select e.id, e.type, e.chat_id as chatId, e.user_id as userId, e.data
           from events e
          where e.user_id = $user and e.id > $after
         union all
         select e.id, e.type, e.chat_id, e.user_id, e.data
           from chat_members m
           join events e on e.chat_id = m.chat_id
          where m.user_id = $user and e.user_id is null and e.id > $after
            and e.id > m.since_event_id and (m.until_event_id is null or e.id < m.until_event_id)
         order by 1
         limit $limit`,
      )
      .all({ after: afterId, user: userId, limit });
    return rows.map(toStoredEvent);
  }

  async eventsAfter(afterId: number, limit: number): Promise<StoredEvent[]> {
    return this.sqlite
      .query<EventRow, [number, number]>(
        `select id, type, chat_id as chatId, user_id as userId, data
           from events where id > ? order by id limit ?`,
      )
      .all(afterId, limit)
      .map(toStoredEvent);
  }

  async latestEventId(): Promise<number> {
    // The sequence, not max(id): ids are never reused, even after old events are pruned.
    const row = this.sqlite
      .query<{ seq: number }, []>("select seq from sqlite_sequence where name = 'events'")
      .get();
    return row?.seq ?? 0;
  }

  async oldestEventId(): Promise<number | undefined> {
    const row = this.sqlite
      .query<{ id: number | null }, []>("select min(id) as id from events")
      .get();
    return row?.id ?? undefined;
  }

  async pruneEvents(olderThan: number): Promise<number> {
    return this.db.transaction((tx) => {
      const pruned = tx
        .delete(events)
        .where(lt(events.createdAt, olderThan))
        .returning({ id: events.id })
        .all().length;
      const oldest = tx
        .select({ id: sql<number | null>`min(${events.id})` })
        .from(events)
        .get();
      // Ended memberships matter only to replays of events still kept.
      tx.delete(chatMembers)
        .where(lt(chatMembers.untilEventId, oldest?.id ?? Number.MAX_SAFE_INTEGER))
        .run();
      return pruned;
    });
  }

  async ping(): Promise<void> {
    this.sqlite.query("select 1").get();
  }

  async backup(path: string): Promise<void> {
    // VACUUM INTO reads one snapshot: writers go on, and the copy is a valid database.
    this.sqlite.run("vacuum into ?", [path]);
  }

  async sizeBytes(): Promise<number> {
    const row = this.sqlite
      .query<{ size: number }, []>(
        "select page_count * page_size as size from pragma_page_count(), pragma_page_size()",
      )
      .get();
    return row?.size ?? 0;
  }

  async close(): Promise<void> {
    await this.checkpointer?.stop();
    // The last connection to close checkpoints the whole log and removes it.
    this.sqlite.close();
  }

  /** Chat rows with their current members, in two queries whatever the number of chats. */
  private toChats(rows: ChatRow[]): Chat[] {
    if (rows.length === 0) return [];
    const memberRows = this.db
      .select({ chatId: chatMembers.chatId, userId: chatMembers.userId })
      .from(chatMembers)
      .where(
        and(
          inArray(
            chatMembers.chatId,
            rows.map((row) => row.id),
          ),
          isNull(chatMembers.untilEventId),
        ),
      )
      .orderBy(asc(chatMembers.userId))
      .all();
    const members = membersByChat(memberRows);
    return rows.map((row) => toChat(row, members.get(row.id) ?? []));
  }
}

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

function currentMembers(tx: Tx | Db, chatId: number): number[] {
  return tx
    .select({ userId: chatMembers.userId })
    .from(chatMembers)
    .where(and(eq(chatMembers.chatId, chatId), isNull(chatMembers.untilEventId)))
    .orderBy(asc(chatMembers.id))
    .all()
    .map((row) => row.userId);
}

function endMembership(tx: Tx, chatId: number, userId: number, removedEventId: number): void {
  tx.update(chatMembers)
    .set({ untilEventId: removedEventId })
    .where(
      and(
        eq(chatMembers.chatId, chatId),
        eq(chatMembers.userId, userId),
        isNull(chatMembers.untilEventId),
      ),
    )
    .run();
}

function appendEvent(
  tx: Tx,
  type: EventType,
  chatId: number,
  userId: number | null,
  data: string,
): StoredEvent {
  const { id } = tx
    .insert(events)
    .values({ type, chatId, userId, data, createdAt: Date.now() })
    .returning({ id: events.id })
    .get();
  return { id, type, chatId, userId, json: eventJson(id, type, chatId, data) };
}
