// The Store on PostgreSQL (postgres.js), for several instances sharing one database. The verbs
// both stores share are in db/sql-store.ts; here is how PostgreSQL runs them and group-commits
// sends.
// Every transaction that writes events first locks the one row of `event_counter` and takes its
// event ids from it: event writers queue on that lock, so ids commit in id order, and a rollback
// gives its ids back, so there are no gaps. Taking that lock first, always, also means two event
// writers never hold each other's rows (no deadlock). See docs/scaling.md.
import postgres from "postgres";
import {
  countedMentions,
  type KeptReplies,
  messageCreated,
  newMessage,
  type Plan,
  type Reads,
  type State,
} from "../plan.ts";
import {
  chatTakesMessages,
  type Param,
  type Query,
  queries,
  searchScope,
  statementOf,
} from "../queries.ts";
import {
  type ChatRow,
  type MessageRow,
  rowToMessage,
  type UserRow,
  type WorkspaceRow,
} from "../rows.ts";
import { indexText } from "../search.ts";
import { SqlStore } from "../sql-store.ts";
import {
  type DecidedPush,
  type ImportedMessage,
  type NewMessage,
  type PushBatch,
  type PushJob,
  RowNotFound,
  type Sent,
  UniqueViolation,
  uniqueIndexes,
  type Written,
} from "../store.ts";
import { migratePostgres } from "./migrate.ts";

/** The shared SQL in PostgreSQL's words: $N parameters, JSON lists read as text, strpos. */
const postgresQueries = Object.fromEntries(
  Object.entries(queries).map(([name, text]) => [
    name,
    text
      // A parameter read as JSON must arrive as text: postgres.js would serialize it once more.
      .replace(/json_each\((\?\d+)\)/g, "json_array_elements_text(cast($1 as text)::json)")
      .replace(/\binstr\(/g, "strpos(")
      .replace(/\?(\d+)/g, "$$$1"),
  ]),
) as Record<Query, string>;
// The search index is a table of tsvectors here (db/postgres/migrations/0006_search.sql).
postgresQueries.indexMessage = `insert into message_search (message_id, tsv)
  values ($1, search_vector($2)) on conflict (message_id) do update set tsv = excluded.tsv`;
postgresQueries.clearSearch = "delete from message_search where message_id = $1";
postgresQueries.searchMessages = `select m.* from message_search s join messages m on m.id = s.message_id
   where s.tsv @@ cast($7 as tsquery) and s.message_id < $8 and ${searchScope("m").replace(/\?(\d+)/g, "$$$1")}
   order by s.message_id desc limit $9`;

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

/** The PostgreSQL error, if it is one. */
function pgError(error: unknown): { code?: string; constraint_name?: string } {
  return (error && typeof error === "object" ? error : {}) as {
    code?: string;
    constraint_name?: string;
  };
}

/** A unique-index violation as the storage error that names its index; anything else as is. */
function storeError(error: unknown): unknown {
  const { code, constraint_name: constraint } = pgError(error);
  const index = uniqueIndexes.find((name) => name === constraint);
  return code === "23505" && index ? new UniqueViolation(index) : error;
}

/** The send statement's rule that an archived channel, or a single chat with a deactivated user, takes no message. */
const sendsTakenByChat = chatTakesMessages("input.chat_id");

export class PostgresStore extends SqlStore {
  readonly dialect = "postgres";

  constructor(readonly sql: postgres.Sql) {
    super();
  }

  protected async rows<T>(query: Query, params: Param[]): Promise<T[]> {
    return (await this.sql.unsafe(postgresQueries[query], params, { prepare: true })) as T[];
  }

  protected async row<T>(query: Query, params: Param[]): Promise<T | undefined> {
    return (await this.rows<T>(query, params))[0];
  }

  protected async run(query: Query, params: Param[]): Promise<number> {
    return (await this.sql.unsafe(postgresQueries[query], params, { prepare: true })).count;
  }

  /**
   * Several instances claim pushes at once: rows another is claiming are skipped rather than
   * waited for, so each push goes out once (the SQLite store has one writer).
   */
  override async claimPushes(now: number, leaseUntil: number, limit: number): Promise<PushJob[]> {
    const claimed = await this.sql<{ id: number }[]>`
      update push_queue set lease_until = ${leaseUntil}, attempts = attempts + 1
       where id in (select id from push_queue where due_at <= ${now} and lease_until <= ${now}
                     order by due_at limit ${limit} for update skip locked)
       returning id`;
    return this.pushJobs(claimed.map((row) => Number(row.id)));
  }

  /**
   * Reads, plans and writes in one transaction of two round trips: the event log's lock and the
   * reads go out together, the lock first (docs/adr/0005), then every row of the plan together.
   */
  protected async write<T>(reads: Reads, plan: (state: State) => Plan<T>): Promise<Written<T>> {
    try {
      return await this.sql.begin(async (tx) => {
        const run = <R>(query: Query, params: Param[]) =>
          tx.unsafe(postgresQueries[query], params, { prepare: true }) as Promise<R[]>;
        const tables = reads.ids ?? [];
        const clientId = reads.clientId;
        const [[counter], chat, members, workspace, user, message, existing, pins, marker, ...ids] =
          await Promise.all([
            tx<{ last: number }[]>`select last from event_counter where id = 1 for update`,
            reads.chat !== undefined
              ? run<ChatRow>("chatById", [reads.chat])
              : reads.general !== undefined
                ? run<ChatRow>("generalChannel", [reads.general])
                : [],
            reads.chat !== undefined
              ? run<{ userId: number }>("membersByJoinOrder", [reads.chat])
              : reads.general !== undefined
                ? run<{ userId: number }>("generalMembers", [reads.general])
                : [],
            // Locked, so that two people joining a workspace without an owner do not both own it.
            reads.workspace === undefined
              ? []
              : tx.unsafe<WorkspaceRow[]>(`${postgresQueries.workspaceById} for update`, [
                  reads.workspace,
                ]),
            reads.user === undefined
              ? []
              : tx.unsafe<UserRow[]>(`${postgresQueries.userById} for update`, [reads.user]),
            reads.message === undefined ? [] : run<MessageRow>("messageById", [reads.message]),
            clientId === undefined
              ? []
              : run<MessageRow>("messageByClientId", [
                  clientId.chatId,
                  clientId.senderId,
                  clientId.clientId,
                ]),
            reads.pins === undefined ? [] : run<{ count: number }>("pinCount", [reads.pins]),
            reads.marker === undefined
              ? []
              : run<{ lastRead: number }>("marker", [reads.marker.chatId, reads.marker.userId]),
            ...tables.map(
              (table) =>
                tx<
                  { id: number }[]
                >`select nextval(pg_get_serial_sequence(${table}, 'id'))::int as id`,
            ),
          ]);
        const state: State = {
          now: Date.now(),
          nextEventId: (counter?.last ?? 0) + 1,
          ids: Object.fromEntries(tables.map((table, i) => [table, ids[i]?.[0]?.id])),
          chat: chat[0] && { row: chat[0], members: members.map((row) => row.userId) },
          workspace: workspace[0],
          user: user[0],
          message: message[0],
          existing: existing[0],
          pinCount: pins[0] === undefined ? undefined : Number(pins[0].count),
          marker: marker[0] === undefined ? undefined : Number(marker[0].lastRead),
        };
        // A reply's root, read after the reply itself (the event log's lock is held already).
        const threadId = message[0]?.thread_id;
        if (message[0] && threadId != null) {
          const [[root], [last]] = await Promise.all([
            run<MessageRow>("messageById", [threadId]),
            run<{ at: number | null }>("lastReplyAt", [threadId, message[0].id]),
          ]);
          if (root) state.root = { row: root, lastReplyAt: last?.at ?? null };
        }
        if (reads.expired) {
          const { workspaceId, before, afterId, limit } = reads.expired;
          const rows = await run<MessageRow>("expiredMessages", [
            workspaceId,
            before,
            afterId,
            limit,
          ]);
          const roots = rows.filter((row) => row.thread_id === null).map((row) => row.id);
          const kept = await run<KeptReplies>("keptReplies", [JSON.stringify(roots), before]);
          state.expired = { rows, kept };
        }
        const planned = plan(state);
        const last = planned.events.at(-1)?.id;
        await Promise.all([
          ...planned.rows.map((row) => run(...statementOf(row))),
          last === undefined ? [] : tx`update event_counter set last = ${last} where id = 1`,
        ]);
        return { value: planned.value, events: planned.events };
      });
    } catch (error) {
      throw storeError(error);
    }
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
      const message = newMessage(input, (ids[i] as { id: number }).id, now);
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
              ${column((p) => p.input.clientId)}::text[], ${column((p) => p.data)}::text[],
              ${column((p) => JSON.stringify(p.input.mentions ?? []))}::text[],
              ${column((p) => (p.input.mentionsAll ? 1 : 0))}::int4[],
              ${column((p) => JSON.stringify(p.input.attachments ?? []))}::text[],
              ${column((p) => indexText(p.input.chatId, p.input.content))}::text[]
            ) with ordinality as i(id, chat_id, sender_id, content, files, client_id, data,
                                   mentions, mentions_all, attachments, search, ord)
          ),
          inserted as (
            insert into messages (id, chat_id, sender_id, content, files, client_id, created_at,
                                  mentions, mentions_all, attachments, ts)
            select id, chat_id, sender_id, content, files, client_id, ${now}::int8,
                   mentions, mentions_all, attachments,
                   -- Slack's ts (db/queries.ts, newTs), for each of the batch's messages in a chat.
                   greatest(${now}::int8 * 1000 - 1,
                            coalesce((select max(o.ts) from messages o
                                       where o.chat_id = input.chat_id), 0))
                     + row_number() over (partition by chat_id order by ord)
              from input
             where exists (select 1 from chat_members m
                            where m.chat_id = input.chat_id and m.user_id = input.sender_id
                              and m.until_event_id is null)
               and ${this.sql.unsafe(sendsTakenByChat)}
             order by ord
            on conflict (chat_id, sender_id, client_id) do nothing
            returning id
          ),
          searchable as (
            insert into message_search (message_id, tsv)
            select id, search_vector(search) from input
             where search <> '' and id in (select id from inserted)
          ),
          numbered as (
            select i.id, i.chat_id, i.sender_id, i.data, row_number() over (order by i.ord) as n
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
          ),
          -- A sender has read the chat up to their own message (issue #24): no event.
          marked as (
            update chat_members m set last_read_message_id = latest.message_id
              from (select chat_id, sender_id, max(id) as message_id
                      from numbered group by chat_id, sender_id) as latest
             where m.chat_id = latest.chat_id and m.user_id = latest.sender_id
               and m.until_event_id is null and m.last_read_message_id < latest.message_id
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
      const mentioned = prepared.flatMap(({ input, message }) =>
        storedIds.has(message.id)
          ? countedMentions(input.mentions, input.senderId).map((userId) => ({
              id: message.id,
              userId,
              chatId: input.chatId,
            }))
          : [],
      );
      if (mentioned.length > 0) {
        await tx`
          insert into message_mentions (message_id, user_id, chat_id)
          select * from unnest(
            ${mentioned.map((m) => m.id)}::int8[], ${mentioned.map((m) => m.userId)}::int4[],
            ${mentioned.map((m) => m.chatId)}::int4[]
          )`;
      }
      return rows;
    });

    const eventIds = new Map(stored.map((row) => [row.message_id, row.event_id]));
    const outcomes: (Sent | undefined)[] = prepared.map(({ message, data }) => {
      const id = eventIds.get(message.id);
      if (id === undefined) return undefined;
      return { value: message, events: [messageCreated(id, message, data)], created: true };
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

  async queueBatchPushes(
    batch: Pick<PushBatch, "from" | "to">,
    pushes: DecidedPush[],
    dueAt: number,
  ): Promise<boolean> {
    return this.sql.begin(async (tx) => {
      // A second instance deciding the same batch waits here on the cursor's row, then finds it
      // moved and queues nothing.
      const moved = await tx.unsafe(
        postgresQueries.movePushCursor,
        [String(batch.from), String(batch.to)],
        { prepare: true },
      );
      if (moved.count === 0) return false;
      await Promise.all(
        pushes.map(({ userIds, payload }) =>
          tx.unsafe(postgresQueries.queuePushes, [JSON.stringify(userIds), payload, dueAt], {
            prepare: true,
          }),
        ),
      );
      return true;
    });
  }

  /**
   * Ids in a row from the identity: one step of `count` takes them all at once, so a send racing
   * the reservation steps past them too; the first nextval makes sure the sequence has started.
   */
  async reserveMessageIds(count: number): Promise<number> {
    return this.sql.begin(async (tx) => {
      await tx`select nextval(pg_get_serial_sequence('messages', 'id'))`;
      await tx.unsafe(
        `alter table messages alter column id set increment by ${Math.max(1, Math.floor(count))}`,
      );
      const [row] = await tx<{ last: string }[]>`
        select nextval(pg_get_serial_sequence('messages', 'id')) as last`;
      await tx.unsafe("alter table messages alter column id set increment by 1");
      return Number(row?.last) - count + 1;
    });
  }

  /** One transaction per batch, each table written by one statement over arrays. */
  async importMessages(messages: ImportedMessage[]): Promise<number> {
    if (messages.length === 0) return 0;
    const column = <T>(pick: (m: ImportedMessage) => T) => messages.map(pick);
    return this.sql.begin(async (tx) => {
      const inserted = await tx.unsafe<{ id: string }[]>(
        `insert into messages (id, chat_id, sender_id, content, files, created_at, thread_id,
           edited_at, reactions, pin_event_id, mentions, mentions_all, attachments, ts)
         select * from unnest($1::int8[], $2::int4[], $3::int4[], $4::text[], $5::text[],
           $6::int8[], $7::int8[], $8::int8[], $9::text[], $10::int8[], $11::text[], $12::int4[],
           $13::text[], $14::int8[])
         on conflict do nothing returning id`,
        [
          column((m) => m.id),
          column((m) => m.chatId),
          column((m) => m.senderId),
          column((m) => m.content),
          column((m) => (m.files.length ? JSON.stringify(m.files) : "[]")),
          column((m) => m.createdAt),
          column((m) => m.threadId),
          column((m) => m.editedAt),
          column((m) => (m.reactions.length ? JSON.stringify(m.reactions) : "[]")),
          column((m) => m.pinEventId),
          column((m) => (m.mentions.length ? JSON.stringify(m.mentions) : "[]")),
          column((m) => (m.mentionsAll ? 1 : 0)),
          column((m) => (m.attachments.length ? JSON.stringify(m.attachments) : "[]")),
          column((m) => m.ts),
        ] as never[],
      );
      const stored = new Set(inserted.map((row) => Number(row.id)));
      const written = messages.filter((m) => stored.has(m.id));
      const indexed = written
        .map((m) => ({ id: m.id, text: indexText(m.chatId, m.content) }))
        .filter((m) => m.text);
      if (indexed.length > 0)
        await tx.unsafe(
          `insert into message_search (message_id, tsv)
           select id, search_vector(text) from unnest($1::int8[], $2::text[]) as t(id, text)
           on conflict (message_id) do nothing`,
          [indexed.map((m) => m.id), indexed.map((m) => m.text)] as never[],
        );
      const mentions = written.flatMap((m) =>
        countedMentions(m.mentions, m.senderId).map((userId) => [m.id, userId, m.chatId]),
      );
      if (mentions.length > 0)
        await tx.unsafe(
          `insert into message_mentions (message_id, user_id, chat_id)
           select * from unnest($1::int8[], $2::int4[], $3::int4[]) on conflict do nothing`,
          [0, 1, 2].map((i) => mentions.map((row) => row[i])) as never[],
        );
      const files = written.flatMap((m) =>
        m.fileRefs.map((file, position) => [m.id, position, file.workspaceId, file.hash] as const),
      );
      if (files.length > 0)
        await tx.unsafe(
          `insert into message_files (message_id, position, workspace_id, hash)
           select * from unnest($1::int8[], $2::int4[], $3::int4[], $4::text[])`,
          [0, 1, 2, 3].map((i) => files.map((row) => row[i])) as never[],
        );
      return written.length;
    });
  }

  async latestEventId(): Promise<number> {
    // The counter, not max(id): ids are never reused, even after old events are pruned.
    const [row] = await this.sql<{ last: number }[]>`select last from event_counter where id = 1`;
    return row?.last ?? 0;
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
}

/**
 * A send whose chat went away while it was stored. Chat changes take the event log's lock first,
 * so the membership check should refuse such a send before its insert: a guard, not a path.
 */
function explainMessageError(error: unknown): unknown {
  const { code, constraint_name: constraint } = pgError(error);
  if (code === "23503" && constraint === "messages_chat_id_chats_id_fk") {
    return new RowNotFound("chat");
  }
  return error;
}
