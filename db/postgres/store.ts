// The Store on PostgreSQL (drizzle over postgres.js), for several instances sharing one database.
// Every transaction that writes events first locks the one row of `event_counter` and takes its
// event ids from it: event writers queue on that lock, so ids commit in id order, and a rollback
// gives its ids back, so there are no gaps. Taking that lock first, always, also means two event
// writers never hold each other's rows (no deadlock). See docs/scaling.md.
import { and, asc, desc, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
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
import { migratePostgres } from "./migrate.ts";
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

type Db = PostgresJsDatabase<Record<string, never>>;
type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
type ChatRow = typeof chats.$inferSelect;

export type PostgresOptions = {
  /** Connections in the pool. */
  poolSize: number;
};

/** Sends stored in one transaction at most; more wait for the next. */
const maxBatch = 512;

/** Opens the pool and applies the embedded migrations. */
export async function openPostgresStore(
  url: string,
  options: PostgresOptions = { poolSize: 10 },
): Promise<PostgresStore> {
  const client = postgres(url, {
    max: options.poolSize,
    onnotice: () => {},
    // Ids and times are bigint; every one of them fits a double (below 2^53).
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (value: number) => String(value),
        parse: (value: string) => Number(value),
      },
    },
    connection: { application_name: "chat" },
  });
  try {
    const applied = await migratePostgres(client);
    const store = new PostgresStore(client);
    store.appliedMigrations = applied;
    return store;
  } catch (error) {
    await client.end({ timeout: 1 });
    throw error;
  }
}

/** The PostgreSQL error under drizzle's wrapper, if it is one. */
function pgError(error: unknown): { code?: string; constraint_name?: string } {
  const cause = (error as { cause?: unknown }).cause;
  return (cause && typeof cause === "object" ? cause : error) as {
    code?: string;
    constraint_name?: string;
  };
}

/** Turns a unique-index violation into the `conflict` the caller should see; rethrows the rest. */
function explainConflict(error: unknown): never {
  const { code, constraint_name: constraint } = pgError(error);
  const message = code === "23505" ? conflictMessages[constraint ?? ""] : undefined;
  if (message) throw conflict(message);
  throw error;
}

export class PostgresStore implements Store {
  readonly dialect = "postgres";
  appliedMigrations: string[] = [];
  readonly db: Db;

  constructor(readonly sql: postgres.Sql) {
    this.db = drizzle({ client: sql });
  }

  async keepSetting(key: string, value: string): Promise<string> {
    await this.db.insert(settings).values({ key, value }).onConflictDoNothing();
    const [row] = await this.db.select().from(settings).where(eq(settings.key, key));
    return row?.value ?? value;
  }

  async findAccount(id: number): Promise<{ user: User; tokenVersion: number } | undefined> {
    const [row] = await this.sql<
      {
        id: number;
        fullname: string;
        email: string;
        workspace_id: number;
        created_at: number;
        token_version: number;
      }[]
    >`select id, fullname, email, workspace_id, created_at, token_version from users where id = ${id}`;
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
    const [row] = await this.db
      .update(users)
      .set({ passwordHash, tokenVersion: sql`${users.tokenVersion} + 1` })
      .where(eq(users.id, userId))
      .returning({ tokenVersion: users.tokenVersion });
    if (!row) throw notFound("no such user");
    return row.tokenVersion;
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    const [row] = await this.db
      .select()
      .from(users)
      .where(eq(users.emailKey, foldCase(email)));
    return (
      row && { ...toUser(row), passwordHash: row.passwordHash, tokenVersion: row.tokenVersion }
    );
  }

  async findWorkspace(id: number): Promise<Workspace | undefined> {
    const [row] = await this.db.select().from(workspaces).where(eq(workspaces.id, id));
    return row && toWorkspace(row);
  }

  async findWorkspaceByName(name: string): Promise<Workspace | undefined> {
    const [row] = await this.db
      .select()
      .from(workspaces)
      .where(eq(workspaces.nameKey, foldCase(name)));
    return row && toWorkspace(row);
  }

  async createUser(input: NewUser): Promise<{ user: User; workspace: Workspace }> {
    try {
      return await this.db.transaction(async (tx) => {
        const now = Date.now();
        let [workspace] =
          "id" in input.workspace
            ? await tx
                .select()
                .from(workspaces)
                .where(eq(workspaces.id, input.workspace.id))
                .for("update")
            : await tx
                .insert(workspaces)
                .values({
                  name: input.workspace.name,
                  nameKey: foldCase(input.workspace.name),
                  createdAt: now,
                })
                .returning();
        if (!workspace) throw notFound("no such workspace");
        const [user] = await tx
          .insert(users)
          .values({
            workspaceId: workspace.id,
            fullname: input.fullname,
            email: input.email,
            emailKey: foldCase(input.email),
            passwordHash: input.passwordHash,
            createdAt: now,
          })
          .returning();
        if (!user) throw new Error("the insert returned no user");
        if (workspace.ownerId === null) {
          [workspace] = await tx
            .update(workspaces)
            .set({ ownerId: user.id })
            .where(eq(workspaces.id, workspace.id))
            .returning();
        }
        if (!workspace) throw new Error("the workspace vanished inside its own transaction");
        return { user: toUser(user), workspace: toWorkspace(workspace) };
      });
    } catch (error) {
      explainConflict(error);
    }
  }

  async listUsers(workspaceId: number): Promise<User[]> {
    const rows = await this.db
      .select()
      .from(users)
      .where(eq(users.workspaceId, workspaceId))
      .orderBy(asc(users.id));
    return rows.map(toUser);
  }

  async countUsersIn(workspaceId: number, userIds: number[]): Promise<number> {
    if (userIds.length === 0) return 0;
    const [row] = await this.db
      .select({ count: sql<number>`count(*)::int` })
      .from(users)
      .where(and(eq(users.workspaceId, workspaceId), inArray(users.id, userIds)));
    return row?.count ?? 0;
  }

  async createInvite(invite: {
    code: string;
    workspaceId: number;
    createdBy: number;
    expiresAt: number;
  }): Promise<void> {
    await this.db.insert(invites).values({ ...invite, createdAt: Date.now() });
  }

  async findInvite(code: string) {
    const [row] = await this.db
      .select({ workspaceId: invites.workspaceId, expiresAt: invites.expiresAt })
      .from(invites)
      .where(eq(invites.code, code));
    return row;
  }

  async findChat(id: number): Promise<Chat | undefined> {
    const rows = await this.db.select().from(chats).where(eq(chats.id, id));
    return (await this.toChats(rows))[0];
  }

  async findChatAccess(chatId: number, userId: number): Promise<ChatAccess | undefined> {
    const [row] = await this.sql<ChatAccess[]>`
      select c.id, c.workspace_id as "workspaceId", c.type, c.owner_id as "ownerId",
             exists (select 1 from chat_members m
                      where m.chat_id = c.id and m.user_id = ${userId}
                        and m.until_event_id is null) as "isMember"
        from chats c
       where c.id = ${chatId}`;
    return row;
  }

  async findSingleChat(workspaceId: number, userIds: [number, number]): Promise<Chat | undefined> {
    const rows = await this.db
      .select()
      .from(chats)
      .where(and(eq(chats.workspaceId, workspaceId), eq(chats.pairKey, pairKey(userIds))));
    return (await this.toChats(rows))[0];
  }

  async listChatIdsOf(userId: number): Promise<number[]> {
    const rows = await this.db
      .select({ chatId: chatMembers.chatId })
      .from(chatMembers)
      .where(and(eq(chatMembers.userId, userId), isNull(chatMembers.untilEventId)));
    return rows.map((row) => row.chatId);
  }

  async listMembersByJoinOrder(chatId: number): Promise<number[]> {
    return currentMembers(this.db, chatId);
  }

  async listChatsOf(userId: number): Promise<Chat[]> {
    const rows = await this.db
      .select({ chat: chats })
      .from(chatMembers)
      .innerJoin(chats, eq(chats.id, chatMembers.chatId))
      .where(and(eq(chatMembers.userId, userId), isNull(chatMembers.untilEventId)))
      .orderBy(desc(chats.activityEventId), desc(chats.id));
    return this.toChats(rows.map((row) => row.chat));
  }

  async listPublicChannels(workspaceId: number): Promise<Chat[]> {
    const rows = await this.db
      .select()
      .from(chats)
      .where(and(eq(chats.workspaceId, workspaceId), eq(chats.type, "public_channel")))
      .orderBy(asc(chats.nameKey));
    return this.toChats(rows);
  }

  async createChat(input: NewChat): Promise<Written<Chat>> {
    try {
      return await this.db.transaction(async (tx) => {
        await lockEventLog(tx);
        const now = Date.now();
        const [row] = await tx
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
          .returning();
        if (!row) throw new Error("the insert returned no chat");
        const chat = toChat(
          row,
          [...input.memberIds].sort((a, b) => a - b),
        );
        const data = JSON.stringify(chat);
        const written: StoredEvent[] = [];
        for (const userId of input.memberIds) {
          const event = await appendEvent(tx, "chat.created", chat.id, userId, data);
          await tx
            .insert(chatMembers)
            .values({ chatId: chat.id, userId, sinceEventId: event.id, joinedAt: now });
          written.push(event);
        }
        await tx
          .update(chats)
          .set({ activityEventId: written[0]?.id ?? 0 })
          .where(eq(chats.id, chat.id));
        return { value: chat, events: written };
      });
    } catch (error) {
      explainConflict(error);
    }
  }

  async changeChat(chatId: number, change: ChatChange): Promise<Written<Chat>> {
    try {
      return await this.db.transaction(async (tx) => {
        await lockEventLog(tx);
        const written: StoredEvent[] = [];
        const current = await currentMembers(tx, chatId);
        const { remove, add, remaining } = membershipDelta(current, change);

        for (const userId of remove) {
          const event = await appendEvent(
            tx,
            "chat.removed",
            chatId,
            userId,
            JSON.stringify({ id: chatId }),
          );
          await endMembership(tx, chatId, userId, event.id);
          written.push(event);
        }

        const [before] = await tx.select().from(chats).where(eq(chats.id, chatId));
        if (!before) throw notFound("no such chat");
        const update = chatRowUpdate(before, change);
        const row = update
          ? (await tx.update(chats).set(update).where(eq(chats.id, chatId)).returning())[0]
          : before;
        if (!row) throw notFound("no such chat");

        const chat = toChat(
          row,
          [...remaining, ...add].sort((a, b) => a - b),
        );
        const data = JSON.stringify(chat);
        const changed = update !== undefined || remove.length > 0 || add.length > 0;
        if (changed && remaining.length > 0) {
          written.push(await appendEvent(tx, "chat.updated", chatId, null, data));
        }
        const now = Date.now();
        for (const userId of add) {
          const event = await appendEvent(tx, "chat.created", chatId, userId, data);
          await tx
            .insert(chatMembers)
            .values({ chatId, userId, sinceEventId: event.id, joinedAt: now });
          written.push(event);
        }
        return { value: chat, events: written };
      });
    } catch (error) {
      explainConflict(error);
    }
  }

  async deleteChat(chatId: number): Promise<Written<void>> {
    return this.db.transaction(async (tx) => {
      await lockEventLog(tx);
      const data = JSON.stringify({ id: chatId });
      const written: StoredEvent[] = [];
      for (const userId of await currentMembers(tx, chatId)) {
        const event = await appendEvent(tx, "chat.removed", chatId, userId, data);
        await endMembership(tx, chatId, userId, event.id);
        written.push(event);
      }
      await tx.delete(chats).where(eq(chats.id, chatId));
      return { value: undefined, events: written };
    });
  }

  /**
   * Group commit: sends queue while a batch is being stored, and the next batch takes them all
   * in one transaction. Each sender is answered only after its batch has committed.
   */
  insertMessage(input: NewMessage): Promise<Sent | undefined> {
    return new Promise((resolve, reject) => {
      this.sendQueue.push({ input, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flushSends());
      }
    });
  }

  private sendQueue: {
    input: NewMessage;
    resolve: (result: Sent | undefined) => void;
    reject: (error: unknown) => void;
  }[] = [];
  private flushing = false;

  private async flushSends(): Promise<void> {
    while (this.sendQueue.length > 0) {
      const batch = this.sendQueue.splice(0, maxBatch);
      try {
        const outcomes = await this.storeMessages(batch.map((send) => send.input));
        for (const [i, send] of batch.entries()) send.resolve(outcomes[i]);
      } catch {
        // One bad send (text PostgreSQL cannot hold, say) fails the whole statement: store the
        // batch again one by one, so only that send fails.
        for (const send of batch) {
          try {
            const [outcome] = await this.storeMessages([send.input]);
            send.resolve(outcome);
          } catch (error) {
            send.reject(explainMessageError(error));
          }
        }
      }
    }
    this.flushing = false;
  }

  /**
   * Stores messages and their events in one transaction of three round trips: message ids are
   * taken first, so the event text is built here; then one statement inserts what is new
   * (a retried clientId is skipped), numbers its events from the counter and touches the chats.
   */
  private async storeMessages(inputs: NewMessage[]): Promise<(Sent | undefined)[]> {
    const ids = await this.sql<{ id: number }[]>`
      select nextval(pg_get_serial_sequence('messages', 'id')) as id
        from generate_series(1, ${inputs.length})`;
    const now = Date.now();
    const prepared = inputs.map((input, i) => {
      const message: Message = {
        id: (ids[i] as { id: number }).id,
        chatId: input.chatId,
        senderId: input.senderId,
        content: input.content,
        files: input.files,
        clientId: input.clientId,
        createdAt: iso(now),
      };
      return { input, message, data: JSON.stringify(message) };
    });
    const column = <T>(pick: (item: (typeof prepared)[number]) => T) => prepared.map(pick);

    const attached = prepared.flatMap(({ input, message }) =>
      (input.fileRefs ?? []).map((file, position) => ({ id: message.id, position, file })),
    );
    const stored = await this.sql.begin(async (tx) => {
      const [, rows] = await Promise.all([
        tx`select last from event_counter where id = 1 for update`,
        tx<{ message_id: number; event_id: number }[]>`
          with input as (
            select * from unnest(
              ${column((p) => p.message.id)}::int8[], ${column((p) => p.input.chatId)}::int4[],
              ${column((p) => p.input.senderId)}::int4[], ${column((p) => p.input.content)}::text[],
              ${column((p) => JSON.stringify(p.input.files))}::text[],
              ${column((p) => p.input.clientId)}::text[], ${column((p) => p.data)}::text[]
            ) with ordinality as i(id, chat_id, sender_id, content, files, client_id, data, ord)
          ),
          inserted as (
            insert into messages (id, chat_id, sender_id, content, files, client_id, created_at)
            select id, chat_id, sender_id, content, files, client_id, ${now}::int8
              from input
             where exists (select 1 from chat_members m
                            where m.chat_id = input.chat_id and m.user_id = input.sender_id
                              and m.until_event_id is null)
             order by ord
            on conflict (chat_id, sender_id, client_id) do nothing
            returning id
          ),
          numbered as (
            select i.id, i.chat_id, i.data, row_number() over (order by i.ord) as n
              from input i where i.id in (select id from inserted)
          ),
          counter as (
            update event_counter set last = last + (select count(*) from numbered)
             where id = 1
            returning last - (select count(*) from numbered) as base
          ),
          logged as (
            insert into events (id, type, chat_id, user_id, data, created_at)
            select counter.base + n, 'message.created', chat_id, null, data, ${now}::int8
              from numbered, counter
          ),
          touched as (
            update chats set last_message_id = latest.message_id, activity_event_id = latest.event_id
              from (select chat_id, max(id) as message_id, max(counter.base + n) as event_id
                      from numbered, counter group by chat_id) as latest
             where chats.id = latest.chat_id
          )
          select numbered.id as message_id, counter.base + numbered.n as event_id
            from numbered, counter`,
      ]);
      // Only what was stored: a send refused or repeated must not index its files.
      const storedIds = new Set(rows.map((row) => Number(row.message_id)));
      const files = attached.filter((entry) => storedIds.has(entry.id));
      if (files.length > 0) {
        await tx`
          insert into message_files (message_id, position, workspace_id, hash)
          select * from unnest(
            ${files.map((f) => f.id)}::int8[], ${files.map((f) => f.position)}::int4[],
            ${files.map((f) => f.file.workspaceId)}::int4[], ${files.map((f) => f.file.hash)}::text[]
          )`;
      }
      return rows;
    });

    const eventIds = new Map(stored.map((row) => [row.message_id, row.event_id]));
    const outcomes: (Sent | undefined)[] = prepared.map(({ input, message, data }) => {
      const id = eventIds.get(message.id);
      if (id === undefined) return undefined;
      const event: StoredEvent = {
        id,
        type: "message.created",
        chatId: input.chatId,
        userId: null,
        json: eventJson(id, "message.created", input.chatId, data),
      };
      return { value: message, events: [event], created: true };
    });
    // A send skipped as a retry is answered with the message stored under its clientId; one
    // from a sender who is not a member is refused (undefined).
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome) continue;
      const { input } = prepared[i] as (typeof prepared)[number];
      const [row] = await this.sql<MessageRow[]>`
        select msg.* from messages msg
          join chat_members m on m.chat_id = msg.chat_id and m.user_id = msg.sender_id
                             and m.until_event_id is null
         where msg.chat_id = ${input.chatId} and msg.sender_id = ${input.senderId}
           and msg.client_id = ${input.clientId}`;
      if (row) outcomes[i] = { value: rowToMessage(row), events: [], created: false };
    }
    return outcomes;
  }

  async listMessages(chatId: number, page: { before?: number; limit: number }): Promise<Message[]> {
    const rows = await this.sql<MessageRow[]>`
      select * from messages
       where chat_id = ${chatId} and id < ${page.before ?? Number.MAX_SAFE_INTEGER}
       order by id desc limit ${page.limit}`;
    return rows.map(rowToMessage);
  }

  async recordUpload(upload: NewUpload): Promise<{ ext: string; type: string }> {
    return this.db.transaction(async (tx) => {
      const { workspaceId, hash, ext, type, size, name, uploadedBy } = upload;
      await tx
        .insert(files)
        .values({ workspaceId, hash, ext, type, size, createdAt: Date.now() })
        .onConflictDoNothing();
      const [file] = await tx
        .select()
        .from(files)
        .where(and(eq(files.workspaceId, workspaceId), eq(files.hash, hash)));
      if (!file) throw new Error("the file row vanished inside its own transaction");
      await tx.insert(uploads).values({ fileId: file.id, name, uploadedBy, createdAt: Date.now() });
      return { ext: file.ext, type: file.type };
    });
  }

  async findFile(workspaceId: number, hash: string) {
    const [row] = await this.sql<{ ext: string; type: string; size: number; name: string }[]>`
      select f.ext, f.type, f.size,
             (select u.name from uploads u where u.file_id = f.id order by u.id limit 1) as name
        from files f
       where f.workspace_id = ${workspaceId} and f.hash = ${hash}`;
    return row;
  }

  async findFileKeys(workspaceId: number, hashes: string[]) {
    if (hashes.length === 0) return [];
    return this.db
      .select({ hash: files.hash, ext: files.ext })
      .from(files)
      .where(and(eq(files.workspaceId, workspaceId), inArray(files.hash, hashes)));
  }

  async canReadFile(userId: number, file: FileRef): Promise<boolean> {
    const [row] = await this.sql<{ found: boolean }[]>`
      select exists (
        select 1 from files f join uploads u on u.file_id = f.id
         where f.workspace_id = ${file.workspaceId} and f.hash = ${file.hash}
           and u.uploaded_by = ${userId}
        union all
        select 1 from message_files mf
          join messages msg on msg.id = mf.message_id
          join chats c on c.id = msg.chat_id
         where mf.workspace_id = ${file.workspaceId} and mf.hash = ${file.hash}
           and (c.type = 'public_channel'
                or exists (select 1 from chat_members m
                            where m.chat_id = c.id and m.user_id = ${userId}
                              and m.until_event_id is null))
      ) as found`;
    return row?.found === true;
  }

  async createTicket(ticket: Ticket): Promise<void> {
    await this.db.insert(tickets).values(ticket);
  }

  async consumeTicket(id: string): Promise<Ticket | undefined> {
    const [ticket] = await this.db.delete(tickets).where(eq(tickets.id, id)).returning();
    return ticket;
  }

  async pruneTickets(now: number): Promise<number> {
    const pruned = await this.db
      .delete(tickets)
      .where(lt(tickets.expiresAt, now))
      .returning({ id: tickets.id });
    return pruned.length;
  }

  async eventsSince(userId: number, afterId: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.sql<EventRow[]>`
      select e.id, e.type, e.chat_id as "chatId", e.user_id as "userId", e.data
        from events e
       where e.user_id = ${userId} and e.id > ${afterId}
      union all
      select e.id, e.type, e.chat_id, e.user_id, e.data
        from chat_members m
        join events e on e.chat_id = m.chat_id
       where m.user_id = ${userId} and e.user_id is null and e.id > ${afterId}
         and e.id > m.since_event_id and (m.until_event_id is null or e.id < m.until_event_id)
      order by 1
      limit ${limit}`;
    return rows.map(toStoredEvent);
  }

  async eventsAfter(afterId: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.sql<EventRow[]>`
      select id, type, chat_id as "chatId", user_id as "userId", data
        from events where id > ${afterId} order by id limit ${limit}`;
    return rows.map(toStoredEvent);
  }

  async latestEventId(): Promise<number> {
    // The counter, not max(id): ids are never reused, even after old events are pruned.
    const [row] = await this.sql<{ last: number }[]>`select last from event_counter where id = 1`;
    return row?.last ?? 0;
  }

  async oldestEventId(): Promise<number | undefined> {
    const [row] = await this.sql<{ id: number | null }[]>`select min(id) as id from events`;
    return row?.id ?? undefined;
  }

  async pruneEvents(olderThan: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const pruned = (
        await tx.delete(events).where(lt(events.createdAt, olderThan)).returning({ id: events.id })
      ).length;
      const [oldest] = await tx.select({ id: sql<number | null>`min(${events.id})` }).from(events);
      await tx
        .delete(chatMembers)
        .where(lt(chatMembers.untilEventId, Number(oldest?.id ?? Number.MAX_SAFE_INTEGER)));
      return pruned;
    });
  }

  async ping(): Promise<void> {
    await this.sql`select 1`;
  }

  async backup(_path: string): Promise<void> {
    throw new Error(
      "a PostgreSQL database is backed up with its own tools: pg_dump, or a base backup with WAL archiving",
    );
  }

  async sizeBytes(): Promise<number> {
    const [row] = await this.sql<
      { size: number }[]
    >`select pg_database_size(current_database()) as size`;
    return row?.size ?? 0;
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }

  private async toChats(rows: ChatRow[]): Promise<Chat[]> {
    if (rows.length === 0) return [];
    const memberRows = await this.db
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
      .orderBy(asc(chatMembers.userId));
    const members = membersByChat(memberRows);
    return rows.map((row) => toChat(row, members.get(row.id) ?? []));
  }
}

/**
 * A send whose chat went away while it was stored. Chat changes take the event log's lock first,
 * so the membership check should refuse such a send before its insert: a guard, not a path.
 */
function explainMessageError(error: unknown): unknown {
  const { code, constraint_name: constraint } = pgError(error);
  if (code === "23503" && constraint === "messages_chat_id_chats_id_fk") {
    return notFound("no such chat");
  }
  return error;
}

/** Taken first by every transaction that writes events; held until it commits. */
async function lockEventLog(tx: Tx): Promise<void> {
  await tx.execute(sql`select last from event_counter where id = 1 for update`);
}

async function currentMembers(tx: Tx | Db, chatId: number): Promise<number[]> {
  const rows = await tx
    .select({ userId: chatMembers.userId })
    .from(chatMembers)
    .where(and(eq(chatMembers.chatId, chatId), isNull(chatMembers.untilEventId)))
    .orderBy(asc(chatMembers.id));
  return rows.map((row) => row.userId);
}

async function endMembership(
  tx: Tx,
  chatId: number,
  userId: number,
  removedEventId: number,
): Promise<void> {
  await tx
    .update(chatMembers)
    .set({ untilEventId: removedEventId })
    .where(
      and(
        eq(chatMembers.chatId, chatId),
        eq(chatMembers.userId, userId),
        isNull(chatMembers.untilEventId),
      ),
    );
}

/** One event, numbered by the counter this transaction has locked. */
async function appendEvent(
  tx: Tx,
  type: EventType,
  chatId: number,
  userId: number | null,
  data: string,
): Promise<StoredEvent> {
  const result = await tx.execute<{ id: number }>(sql`
    with counter as (update event_counter set last = last + 1 where id = 1 returning last)
    insert into events (id, type, chat_id, user_id, data, created_at)
    select last, ${type}, ${chatId}, ${userId}, ${data}, ${Date.now()} from counter
    returning id`);
  const id = Number((result as unknown as { id: number }[])[0]?.id);
  return { id, type, chatId, userId, json: eventJson(id, type, chatId, data) };
}
