// The Store on embedded SQLite (bun:sqlite). Every write is one synchronous transaction, so
// nothing else runs between its reads and its writes. The verbs both stores share are in
// db/sql-store.ts; here is how SQLite runs them, takes ids, and group-commits sends.
import { Database, type Statement } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { eventJson, type StoredEvent } from "../events.ts";
import {
  countedMentions,
  type KeptReplies,
  messageCreated,
  type Plan,
  type ReadOutcome,
  type Reads,
  readStays,
  type State,
} from "../plan.ts";
import {
  chatTakesMessages,
  nextTs,
  type Param,
  type Query,
  queries,
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
  type Log,
  type NewMessage,
  type PushBatch,
  type Sent,
  type UniqueIndex,
  UniqueViolation,
  type Written,
} from "../store.ts";
import { Checkpointer } from "./checkpointer.ts";
import { migrateSqlite } from "./migrate.ts";

type Outcome = { ok: unknown } | { error: unknown };

/** A member reading a chat up to a message (issue #24). */
type Read = { chatId: number; userId: number; messageId: number };

/**
 * The chat.read event each member's reads have written in the batch so far, by chat and member:
 * a later read of theirs in the same batch rewrites it rather than adding one. A plan clears it,
 * since a plan may end or start a membership between two reads.
 */
type ReadRuns = Map<string, StoredEvent>;

/**
 * A write waiting for the next group commit: a send or a read on their own prepared statements,
 * or a plan (db/plan.ts). All are answered once the transaction that stores them has committed.
 */
type Job = (
  | { kind: "send"; input: NewMessage }
  | { kind: "read"; read: Read }
  | { kind: "plan"; reads: Reads; plan: (state: State) => Plan<unknown> }
) & { resolve: (result: never) => void; reject: (error: unknown) => void };

export type SqliteOptions = { synchronous: "NORMAL" | "FULL"; log?: Log };

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
  const applied = migrateSqlite(sqlite, options.log ?? logToStderr);
  const store = new SqliteStore(sqlite);
  store.appliedMigrations = applied;
  // WAL checkpoints (a copy and an fsync) run on a thread of their own, not inside a commit.
  if (path !== ":memory:") {
    store.checkpointer = new Checkpointer(sqlite, path, options.log ?? logToStderr);
  }
  return store;
}

/** For callers that give no log (tools, tests): one JSON line on stderr. */
const logToStderr: Log = (line) => console.error(JSON.stringify(line));

/** SQLite names the columns of a failed unique index, not the index: which index they are. */
const uniqueIndexByColumns: Record<string, UniqueIndex> = {
  "users.email_key": "users_email_unique",
  "workspaces.name_key": "workspaces_name_unique",
  "chats.workspace_id, chats.name_key": "chats_channel_name_unique",
  "chats.workspace_id, chats.pair_key": "chats_pair_unique",
};

/** A unique-index violation as the storage error that names its index; anything else as is. */
function storeError(error: unknown): unknown {
  const columns = /UNIQUE constraint failed: (.+)$/m.exec(String(error))?.[1]?.trim();
  const index = uniqueIndexByColumns[columns ?? ""];
  return index ? new UniqueViolation(index) : error;
}

/** The statements only SQLite runs: the send's, and taking ids. */
function prepareOwnStatements(sqlite: Database) {
  return {
    // An AUTOINCREMENT table's next id: one writer, so it is still free when the plan writes.
    nextId: sqlite.query<{ id: number }, [string]>(
      "select coalesce((select seq from sqlite_sequence where name = ?1), 0) + 1 as id",
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
      [number, number, string, string, string | null, number, string, number, string, number]
    >(
      `insert into messages (chat_id, sender_id, content, files, client_id, created_at,
         mentions, mentions_all, attachments, ts)
       select ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10
        where exists (select 1 from chat_members
                       where chat_id = ?1 and user_id = ?2 and until_event_id is null)
          and ${chatTakesMessages("?1")}
       on conflict (chat_id, sender_id, client_id) do nothing returning *`,
    ),
    // The chat's latest ts, for the next send's (db/queries.ts, nextTs).
    latestTs: sqlite.query<{ ts: number | null }, [number]>(
      "select max(ts) as ts from messages where chat_id = ?1",
    ),
    // A new message is new to the index too: a plain insert, where a replace would first look
    // for the row to delete.
    indexMessage: sqlite.query<never, [number, string]>(
      "insert into message_search (rowid, text) values (?, ?)",
    ),
    insertEvent: sqlite.query<{ id: number }, [string, number, number | null, string, number]>(
      "insert into events (type, chat_id, user_id, data, created_at) values (?, ?, ?, ?, ?) returning id",
    ),
    // An imported message as it was (db/store.ts, importMessages); a rerun's repeat is ignored.
    importMessage: sqlite.query(
      `insert or ignore into messages (id, chat_id, sender_id, content, files, created_at,
         thread_id, edited_at, reactions, pin_event_id, mentions, mentions_all, attachments, ts)
       values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)`,
    ),
    messageSequence: sqlite.query<{ seq: number }, []>(
      "select seq from sqlite_sequence where name = 'messages'",
    ),
    setMessageSequence: sqlite.query<never, [number]>(
      "update sqlite_sequence set seq = ?1 where name = 'messages'",
    ),
    startMessageSequence: sqlite.query<never, [number]>(
      "insert into sqlite_sequence (name, seq) values ('messages', ?1)",
    ),
    touchChat: sqlite.query<never, [number, number, number]>(
      "update chats set last_message_id = ?, activity_event_id = ? where id = ?",
    ),
    // A read in one statement (issue #24): the member's marker moves forward to a message of
    // the chat. It changes no row when the reader is not a member, the message is of another
    // chat or the marker is there already; only then is there a lookup (readCheck).
    readTo: sqlite.query<never, [number, number, number]>(
      `update chat_members set last_read_message_id = ?3
        where chat_id = ?1 and user_id = ?2 and until_event_id is null
          and last_read_message_id < ?3
          and exists (select 1 from messages where id = ?3 and chat_id = ?1)`,
    ),
    readCheck: sqlite.query<
      { marker: number | null; chatId: number | null },
      [number, number, number]
    >(
      `select (select last_read_message_id from chat_members
                where chat_id = ?1 and user_id = ?2 and until_event_id is null) as marker,
              (select chat_id from messages where id = ?3) as chatId`,
    ),
    // Without RETURNING, which costs a read's event half as much again: the id is the rowid.
    appendUserEvent: sqlite.query<never, [string, number, number, string, number]>(
      "insert into events (type, chat_id, user_id, data, created_at) values (?, ?, ?, ?, ?)",
    ),
    rewriteEvent: sqlite.query<never, [number, string]>(
      "update events set data = ?2 where id = ?1",
    ),
  };
}

/**
 * While an import writes (importMessages): a page cache of 128 MB, since a batch's ids spread
 * over the whole export and touch most of the messages' pages, which a 32 MB cache kept reading
 * back; and the writer's checkpoint only past ~400 MB of log, since every batch's commit passed
 * 16 MB and copied its pages into the database inside the commit (the worker copies them beside).
 * And FTS5's buffer of pending terms at 64 MB instead of 1 MB, so a batch's terms become one
 * segment, not dozens that its merges then rewrite (15% of a million-message import). All go
 * back to what they were once no batch has come for `importIdleMs`. The buffer's size is kept in
 * the index's config table, so a crash mid-import leaves it at 64 MB: harmless, since the buffer
 * is flushed at every commit and a send's transaction never holds more than a few kilobytes.
 */
const importCacheKib = 131_072;
const importSearchBufferBytes = 64 << 20;
const searchBufferBytes = 1 << 20;
const importCheckpointPages = 100_000;
const importIdleMs = 5000;

export class SqliteStore extends SqlStore {
  readonly dialect = "sqlite";
  /** The worker checkpointing this file's WAL (none for an in-memory database). */
  checkpointer: Checkpointer | undefined;
  /** During an import: what the cache and the checkpoint threshold were, and when they return. */
  private importing:
    | { cacheSize: number; checkpointPages: number; timer: ReturnType<typeof setTimeout> }
    | undefined;

  /** Every shared statement, prepared once. */
  private readonly prepared: Record<Query, Statement>;
  /** The statements only SQLite runs: the send's, and taking ids. */
  private readonly statements: ReturnType<typeof prepareOwnStatements>;

  constructor(readonly sqlite: Database) {
    super();
    this.prepared = Object.fromEntries(
      Object.entries(queries).map(([name, text]) => [name, sqlite.query(text)]),
    ) as Record<Query, Statement>;
    // One savepoint per plan: a plan refused by SQLite (a unique index) fails alone.
    const planOne = sqlite.transaction((reads: Reads, plan: (state: State) => Plan<unknown>) =>
      this.runPlan(reads, plan),
    );
    const tryPlan = (reads: Reads, plan: (state: State) => Plan<unknown>): Outcome => {
      try {
        const { value, events } = planOne(reads, plan);
        return { ok: { value, events } };
      } catch (error) {
        return { error: storeError(error) };
      }
    };
    this.storeBatch = sqlite.transaction((jobs: Job[]) => {
      const runs: ReadRuns = new Map();
      return this.touchChats(
        jobs,
        jobs.map((job): Outcome => {
          if (job.kind === "send") return { ok: this.storeMessage(job.input) };
          if (job.kind === "read") return { ok: this.storeRead(job.read, runs) };
          runs.clear();
          return tryPlan(job.reads, job.plan);
        }),
      );
    });
    const storeOne = sqlite.transaction((input: NewMessage) => this.storeMessage(input));
    const readOne = sqlite.transaction((read: Read, runs: ReadRuns) => this.storeRead(read, runs));
    this.storeEach = sqlite.transaction((jobs: Job[]) => {
      const runs: ReadRuns = new Map();
      return this.touchChats(
        jobs,
        jobs.map((job): Outcome => {
          if (job.kind === "plan") {
            runs.clear();
            return tryPlan(job.reads, job.plan);
          }
          try {
            return { ok: job.kind === "send" ? storeOne(job.input) : readOne(job.read, runs) };
          } catch (error) {
            return { error };
          }
        }),
      );
    });
    this.statements = prepareOwnStatements(sqlite);
  }

  /** Reads what `reads` asks, plans, and writes the plan's rows, inside the caller's transaction. */
  private runPlan(reads: Reads, plan: (state: State) => Plan<unknown>): Plan<unknown> {
    const state: State = { now: Date.now(), nextEventId: this.nextId("events"), ids: {} };
    for (const table of reads.ids ?? []) state.ids[table] = this.nextId(table);
    if (reads.chat !== undefined) {
      const row = this.prepared.chatById.get(reads.chat) as ChatRow | null;
      const members = this.prepared.membersByJoinOrder.all(reads.chat) as { userId: number }[];
      if (row) state.chat = { row, members: members.map((member) => member.userId) };
    }
    if (reads.workspace !== undefined) {
      const row = this.prepared.workspaceById.get(reads.workspace) as WorkspaceRow | null;
      state.workspace = row ?? undefined;
    }
    if (reads.general !== undefined) {
      const row = this.prepared.generalChannel.get(reads.general) as ChatRow | null;
      const members = row
        ? (this.prepared.membersByJoinOrder.all(row.id) as { userId: number }[])
        : [];
      if (row) state.chat = { row, members: members.map((member) => member.userId) };
    }
    if (reads.user !== undefined) {
      state.user = (this.prepared.userById.get(reads.user) as UserRow | null) ?? undefined;
    }
    if (reads.message !== undefined) {
      const row = this.prepared.messageById.get(reads.message) as MessageRow | null;
      state.message = row ?? undefined;
      if (row && row.thread_id !== null) {
        const root = this.prepared.messageById.get(row.thread_id) as MessageRow | null;
        const last = this.prepared.lastReplyAt.get(row.thread_id, row.id) as {
          at: number | null;
        } | null;
        if (root) state.root = { row: root, lastReplyAt: last?.at ?? null };
      }
    }
    if (reads.clientId) {
      const { chatId, senderId, clientId } = reads.clientId;
      const row = this.prepared.messageByClientId.get(chatId, senderId, clientId);
      state.existing = (row as MessageRow | null) ?? undefined;
    }
    if (reads.pins !== undefined) {
      state.pinCount = (this.prepared.pinCount.get(reads.pins) as { count: number }).count;
    }
    if (reads.expired) {
      const { workspaceId, before, afterId, limit } = reads.expired;
      const rows = this.prepared.expiredMessages.all(
        workspaceId,
        before,
        afterId,
        limit,
      ) as MessageRow[];
      const roots = rows.filter((row) => row.thread_id === null).map((row) => row.id);
      const kept = this.prepared.keptReplies.all(JSON.stringify(roots), before) as KeptReplies[];
      state.expired = { rows, kept };
    }
    if (reads.marker) {
      const { chatId, userId } = reads.marker;
      const row = this.prepared.marker.get(chatId, userId) as { lastRead: number } | null;
      state.marker = row?.lastRead;
    }
    const planned = plan(state);
    for (const row of planned.rows) {
      const [query, params] = statementOf(row);
      this.prepared[query].run(...params);
    }
    return planned;
  }

  // Not async: a bun:sqlite call is synchronous, and these run on every request (a throw still
  // reaches the caller as a rejection: every verb awaits them inside an async function).
  protected rows<T>(query: Query, params: Param[]): Promise<T[]> {
    return Promise.resolve(this.prepared[query].all(...params) as T[]);
  }

  protected row<T>(query: Query, params: Param[]): Promise<T | undefined> {
    return Promise.resolve((this.prepared[query].get(...params) as T | null) ?? undefined);
  }

  protected async run(query: Query, params: Param[]): Promise<number> {
    return this.prepared[query].run(...params).changes;
  }

  /**
   * A plan joins the next group commit with the sends around it, in its own savepoint: one
   * commit for all of them, where a transaction per change cost most of a reply's time.
   */
  protected write<T>(reads: Reads, plan: (state: State) => Plan<T>): Promise<Written<T>> {
    return new Promise((resolve, reject) => {
      this.enqueue({
        kind: "plan",
        reads,
        plan,
        resolve: resolve as (result: never) => void,
        reject,
      });
    });
  }

  /**
   * A read joins the next group commit as a send does, on its own statements: one update when
   * the marker moves, and its chat.read. Where a plan took a savepoint and five statements, and
   * a read per send nearly doubled the statements of a commit (docs/performance.md).
   */
  override markRead(
    chatId: number,
    userId: number,
    messageId: number,
  ): Promise<Written<ReadOutcome>> {
    return new Promise((resolve, reject) => {
      this.enqueue({
        kind: "read",
        read: { chatId, userId, messageId },
        resolve: resolve as (result: never) => void,
        reject,
      });
    });
  }

  /**
   * One read, inside the caller's transaction. Reads of one member in one chat in the same batch
   * (with no plan between them) make one chat.read, the first one's, saying where the last left
   * the marker: the event is rewritten before anyone sees it, so a client live or resuming gets
   * the final marker once. Each read still answers where it left the marker.
   */
  private storeRead(read: Read, runs: ReadRuns): Written<ReadOutcome> {
    const { chatId, userId, messageId } = read;
    const { statements } = this;
    if (statements.readTo.run(chatId, userId, messageId).changes === 0) {
      const found = statements.readCheck.get(chatId, userId, messageId);
      const stays = readStays(
        found?.marker ?? undefined,
        found?.chatId ?? undefined,
        chatId,
        messageId,
      );
      // Unreachable: the update moves every marker that readStays would move.
      if (!stays) throw new Error("a read's marker neither moved nor stayed");
      return { value: stays, events: [] };
    }
    const data = JSON.stringify({ chatId, lastReadMessageId: messageId });
    const key = `${chatId}:${userId}`;
    const earlier = runs.get(key);
    if (earlier) {
      statements.rewriteEvent.run(earlier.id, data);
      earlier.json = eventJson(earlier.id, "chat.read", chatId, data);
      return { value: { lastReadMessageId: messageId }, events: [] };
    }
    const appended = statements.appendUserEvent.run("chat.read", chatId, userId, data, Date.now());
    const id = Number(appended.lastInsertRowid);
    const event: StoredEvent = {
      id,
      type: "chat.read",
      chatId,
      userId,
      workspaceId: null,
      json: eventJson(id, "chat.read", chatId, data),
    };
    runs.set(key, event);
    return { value: { lastReadMessageId: messageId }, events: [event] };
  }

  private nextId(table: string): number {
    return (this.statements.nextId.get(table) as { id: number }).id;
  }

  /**
   * Group commit: every send that arrives in one turn of the event loop is stored in one
   * transaction, and each sender is answered only after that transaction has committed.
   */
  insertMessage(input: NewMessage): Promise<Sent | undefined> {
    return new Promise((resolve, reject) => {
      this.enqueue({ kind: "send", input, resolve: resolve as (result: never) => void, reject });
    });
  }

  private enqueue(job: Job): void {
    this.sendQueue.push(job);
    if (this.sendQueue.length === 1) setImmediate(() => this.flushSends());
  }

  private sendQueue: Job[] = [];

  /** The whole batch in one transaction: the usual case, where no send fails. */
  private readonly storeBatch: { immediate: (jobs: Job[]) => Outcome[] };
  /** After a failure: each send in its own savepoint, so one bad send fails alone. */
  private readonly storeEach: { immediate: (jobs: Job[]) => Outcome[] };

  private flushSends(): void {
    const batch = this.sendQueue;
    this.sendQueue = [];
    let outcomes: Outcome[];
    try {
      // Immediate: the write lock is taken before the next ids are read, so they stay free.
      outcomes = this.storeBatch.immediate(batch);
    } catch {
      try {
        // A send failed inside SQLite (a refused write) and the batch rolled back.
        outcomes = this.storeEach.immediate(batch);
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
      if ("ok" in outcome) resolve(outcome.ok as never);
      else reject(outcome.error);
    }
  }

  /**
   * Moves each chat's last message and activity on to the latest stored in the batch: once per
   * chat, where a burst into one chat would rewrite its row once per message.
   */
  private touchChats(jobs: Job[], outcomes: Outcome[]): Outcome[] {
    const latest = new Map<number, { messageId: number; eventId: number }>();
    for (const [i, outcome] of outcomes.entries()) {
      if (jobs[i]?.kind !== "send") continue;
      const sent = "ok" in outcome ? (outcome.ok as Sent | undefined) : undefined;
      const event = sent?.events[0];
      if (sent && event)
        latest.set(sent.value.chatId, { messageId: sent.value.id, eventId: event.id });
    }
    for (const [chatId, { messageId, eventId }] of latest) {
      this.statements.touchChat.run(messageId, eventId, chatId);
    }
    // A sender has read the chat up to their own message (issue #24): no event, clients know.
    const read = new Map<string, [number, number, number]>();
    for (const [i, outcome] of outcomes.entries()) {
      if (jobs[i]?.kind !== "send" || !("ok" in outcome)) continue;
      const sent = outcome.ok as Sent | undefined;
      if (!sent?.created) continue;
      const { chatId, senderId, id } = sent.value;
      read.set(`${chatId}:${senderId}`, [chatId, senderId, id]);
    }
    for (const params of read.values()) this.prepared.moveMarker.run(...params);
    return outcomes;
  }

  /** One message and its event, inside the caller's transaction; idempotent on clientId. */
  private storeMessage(input: NewMessage): Sent | undefined {
    const { statements } = this;
    const now = Date.now();
    const row = statements.insertMessage.get(
      input.chatId,
      input.senderId,
      input.content,
      JSON.stringify(input.files),
      input.clientId,
      now,
      input.mentions?.length ? JSON.stringify(input.mentions) : "[]",
      input.mentionsAll ? 1 : 0,
      input.attachments?.length ? JSON.stringify(input.attachments) : "[]",
      nextTs(statements.latestTs.get(input.chatId)?.ts ?? null, now),
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
    const text = indexText(input.chatId, input.content);
    if (text) statements.indexMessage.run(message.id, text);
    for (const [position, file] of (input.fileRefs ?? []).entries()) {
      this.prepared.insertMessageFile.run(message.id, position, file.workspaceId, file.hash);
    }
    for (const userId of countedMentions(input.mentions, input.senderId)) {
      this.prepared.insertMention.run(message.id, userId, input.chatId);
    }
    const data = JSON.stringify(message);
    const event = statements.insertEvent.get(
      "message.created",
      input.chatId,
      null,
      data,
      Date.now(),
    ) as { id: number };
    return { value: message, events: [messageCreated(event.id, message, data)], created: true };
  }

  async queueBatchPushes(
    batch: Pick<PushBatch, "from" | "to">,
    pushes: DecidedPush[],
    dueAt: number,
  ): Promise<boolean> {
    // Synchronous, so no other write on this connection runs inside it.
    return this.sqlite
      .transaction(() => {
        const moved = this.prepared.movePushCursor.run(String(batch.from), String(batch.to));
        if (moved.changes === 0) return false;
        for (const { userIds, payload } of pushes) {
          this.prepared.queuePushes.run(JSON.stringify(userIds), payload, dueAt);
        }
        return true;
      })
      .immediate();
  }

  async reserveMessageIds(count: number): Promise<number> {
    const { statements } = this;
    const reserve = this.sqlite.transaction(() => {
      const row = statements.messageSequence.get();
      const last = row?.seq ?? 0;
      if (row) statements.setMessageSequence.run(last + count);
      else statements.startMessageSequence.run(last + count);
      return last + 1;
    });
    return reserve.immediate();
  }

  /** One transaction per batch, prepared statements only: the import's whole cost is here. */
  async importMessages(messages: ImportedMessage[]): Promise<number> {
    this.whileImporting();
    const { statements, prepared } = this;
    const store = this.sqlite.transaction((batch: ImportedMessage[]) => {
      let stored = 0;
      for (const m of batch) {
        const inserted = statements.importMessage.run(
          m.id,
          m.chatId,
          m.senderId,
          m.content,
          m.files.length ? JSON.stringify(m.files) : "[]",
          m.createdAt,
          m.threadId,
          m.editedAt,
          m.reactions.length ? JSON.stringify(m.reactions) : "[]",
          m.pinEventId,
          m.mentions.length ? JSON.stringify(m.mentions) : "[]",
          m.mentionsAll ? 1 : 0,
          m.attachments.length ? JSON.stringify(m.attachments) : "[]",
          m.ts,
        );
        if (inserted.changes === 0) continue;
        stored++;
        const text = indexText(m.chatId, m.content);
        if (text) statements.indexMessage.run(m.id, text);
        for (const userId of countedMentions(m.mentions, m.senderId)) {
          prepared.insertMention.run(m.id, userId, m.chatId);
        }
        for (const [position, file] of m.fileRefs.entries())
          prepared.insertMessageFile.run(m.id, position, file.workspaceId, file.hash);
      }
      return stored;
    });
    // FTS5 flushes its pending terms whenever a rowid is below the last one written: in id
    // order, a batch costs one flush instead of nearly one per message.
    return store.immediate([...messages].sort((a, b) => a.id - b.id));
  }

  /** Raises the cache and the checkpoint threshold for an import, until it pauses (see above). */
  private whileImporting(): void {
    if (this.importing) clearTimeout(this.importing.timer);
    const pragma = (name: string) =>
      Number(Object.values(this.sqlite.query(`pragma ${name}`).get() as object)[0]);
    const before = this.importing ?? {
      cacheSize: pragma("cache_size"),
      checkpointPages: pragma("wal_autocheckpoint"),
    };
    if (!this.importing) {
      this.sqlite.run(`pragma cache_size = -${importCacheKib}`);
      this.sqlite.run(`pragma wal_autocheckpoint = ${importCheckpointPages}`);
      this.searchBuffer(importSearchBufferBytes);
    }
    const timer = setTimeout(() => this.doneImporting(), importIdleMs);
    timer.unref();
    this.importing = { ...before, timer };
  }

  private doneImporting(): void {
    const before = this.importing;
    if (!before) return;
    clearTimeout(before.timer);
    this.importing = undefined;
    this.sqlite.run(`pragma cache_size = ${before.cacheSize}`);
    this.sqlite.run(`pragma wal_autocheckpoint = ${before.checkpointPages}`);
    this.searchBuffer(searchBufferBytes);
  }

  /** FTS5's `hashsize`: how many bytes of pending terms a transaction holds before a flush. */
  private searchBuffer(bytes: number): void {
    this.sqlite.run(
      `insert into message_search (message_search, rank) values ('hashsize', ${bytes})`,
    );
  }

  async latestEventId(): Promise<number> {
    // The sequence, not max(id): ids are never reused, even after old events are pruned.
    const row = this.sqlite
      .query<{ seq: number }, []>("select seq from sqlite_sequence where name = 'events'")
      .get();
    return row?.seq ?? 0;
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
    this.doneImporting();
    await this.checkpointer?.stop();
    // The last connection to close checkpoints the whole log and removes it.
    this.sqlite.close();
  }
}
