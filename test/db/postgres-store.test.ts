// The PostgreSQL store's own promises, beyond the feature suites it shares with SQLite: event ids
// commit in id order and without gaps even when writers race on separate connections and
// separate instances, group commit shares transactions, and racing retries store one message.
import { afterAll, expect, test } from "bun:test";
import postgres from "postgres";
import {
  migratePostgres,
  postgresJournalTags,
  postgresMigrations,
} from "../../db/postgres/migrate.ts";
import { openPostgresStore } from "../../db/postgres/store.ts";
import { createDatabase } from "../support/postgres.ts";
import { seedStore } from "../support/store.ts";

const database = await createDatabase();
// Two stores on one database: two instances of the server, each with its own pool.
const first = await openPostgresStore(database.url, { poolSize: 4 });
const second = await openPostgresStore(database.url, { poolSize: 4 });
afterAll(async () => {
  await first.close();
  await second.close();
  await database.drop();
});

const { user, chat } = await seedStore(first);
const { user: other } = await first.createUser({
  fullname: "B",
  email: "b@x.test",
  passwordHash: "h",
  workspace: { id: user.workspaceId },
});

test("every migration drizzle-kit generated is embedded, and a second run applies nothing", async () => {
  expect(Object.keys(postgresMigrations).sort()).toEqual([...postgresJournalTags].sort());
  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  expect(await migratePostgres(sql)).toEqual([]);
  await sql.end();
});

test("a reader polling while two instances write never passes over an event that commits later", async () => {
  let cursor = await first.latestEventId();
  const start = cursor;
  let writing = true;
  const seen: number[] = [];
  // The reader asks for everything after its cursor, as a resuming client and a gap fill do.
  const reader = (async () => {
    while (writing || cursor < (await first.latestEventId())) {
      for (const event of await second.eventsAfter(cursor, 1000)) {
        expect(event.id).toBe(cursor + 1);
        seen.push(event.id);
        cursor = event.id;
      }
    }
  })();
  const writers = [first, second].map(async (store, n) => {
    for (let round = 0; round < 15; round++) {
      // Sends (group-committed), a chat change and a new chat, all at once on each instance.
      await Promise.all([
        ...Array.from({ length: 10 }, (_, i) =>
          store.insertMessage({
            chatId: chat.id,
            senderId: user.id,
            content: `${n}-${round}-${i}`,
            files: [],
            clientId: null,
          }),
        ),
        store.changeChat(chat.id, { name: `main-${n}-${round}` }),
        store.createChat({
          workspaceId: user.workspaceId,
          type: "group",
          name: null,
          ownerId: user.id,
          memberIds: [user.id, other.id],
        }),
      ]);
    }
  });
  await Promise.all(writers);
  writing = false;
  await reader;
  const latest = await first.latestEventId();
  // 2 instances × 15 rounds × (10 messages + 1 update + 2 chat.created).
  expect(latest - start).toBe(2 * 15 * 13);
  expect(seen).toEqual(Array.from({ length: latest - start }, (_, i) => start + 1 + i));
});

test("a send that fails or is refused gives its event id back: ids stay gapless", async () => {
  const before = await first.latestEventId();
  const send = (chatId: number, content: string) =>
    first.insertMessage({ chatId, senderId: user.id, content, files: [], clientId: null });
  const results = await Promise.allSettled([
    send(chat.id, "ok"),
    // Refused: no such chat, so not a member of it.
    send(987_654, "no chat"),
    // Failed inside PostgreSQL, whose text cannot hold U+0000 (the API refuses it earlier).
    send(chat.id, "nul \u0000"),
  ]);
  expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
  expect((results[1] as PromiseFulfilledResult<unknown>).value).toBeUndefined();
  await first.changeChat(chat.id, { name: "after-failure" });
  const ids = (await first.eventsAfter(before, 100)).map((event) => event.id);
  expect(ids).toEqual([before + 1, before + 2]);
});

test("sends racing with the same clientId on two instances store one message", async () => {
  for (let round = 0; round < 10; round++) {
    const clientId = `race-${round}`;
    const input = { chatId: chat.id, senderId: user.id, content: "once", files: [], clientId };
    const results = await Promise.all([
      first.insertMessage(input),
      second.insertMessage(input),
      first.insertMessage(input),
    ]);
    expect(new Set(results.map((r) => r?.value.id)).size).toBe(1);
    expect(results.filter((r) => r?.created)).toHaveLength(1);
    expect(results.flatMap((r) => r?.events ?? [])).toHaveLength(1);
  }
});

test("sends made together share one transaction", async () => {
  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  const commits = async () =>
    Number(
      (await sql`select xact_commit from pg_stat_database where datname = current_database()`)[0]
        ?.xact_commit,
    );
  // The statistics collector lags; counting against a batch of one keeps the comparison fair.
  await sql`select pg_stat_clear_snapshot()`;
  const before = await commits();
  const sent = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      first.insertMessage({
        chatId: chat.id,
        senderId: user.id,
        content: `batch ${i}`,
        files: [],
        clientId: null,
      }),
    ),
  );
  await Bun.sleep(600);
  await sql`select pg_stat_clear_snapshot()`;
  const used = (await commits()) - before;
  await sql.end();
  const eventIds = sent.map((s) => s?.events[0]?.id as number);
  expect(eventIds).toEqual([...eventIds].sort((a, b) => a - b));
  // One commit per batch, plus the reads around it: far fewer than one per send.
  expect(used).toBeLessThan(20);
});

test("the private-files migration indexes the files of messages stored before it", async () => {
  const old = await createDatabase();
  const sql = postgres(old.url, { max: 1, onnotice: () => {} });
  try {
    // The database as release 0.1.0 left it: every migration before this one.
    await sql`create table schema_migrations (tag text primary key, applied_at bigint not null)`;
    const before = postgresJournalTags.slice(0, postgresJournalTags.indexOf("0003_private_files"));
    for (const tag of before) {
      for (const statement of (postgresMigrations[tag] as string).split(
        "--> statement-breakpoint",
      )) {
        await sql.unsafe(statement);
      }
      await sql`insert into schema_migrations values (${tag}, 0)`;
    }
    const hash = (c: string) => c.repeat(64);
    const url = (h: string) => `/api/files/12/${h.slice(0, 2)}/${h.slice(2, 4)}/${h}.png`;
    await sql`insert into workspaces (id, name, name_key) values (12, 'Acme', 'acme')`;
    await sql`insert into users (id, workspace_id, fullname, email, email_key, password_hash)
              values (3, 12, 'A', 'a@x', 'a@x', 'h')`;
    await sql`insert into chats (id, workspace_id, type, owner_id) values (5, 12, 'group', 3)`;
    await sql`insert into messages (id, chat_id, sender_id, content, files)
              values (7, 5, 3, '', ${JSON.stringify([url(hash("a")), url(hash("b"))])})`;
    await sql`insert into messages (id, chat_id, sender_id, content) values (8, 5, 3, 'text')`;
    expect(await migratePostgres(sql)).toContain("0003_private_files");
    const rows = await sql`select message_id::int as message_id, position, workspace_id, hash
                             from message_files order by message_id, position`;
    expect(rows.map((row) => ({ ...row }))).toEqual([
      { message_id: 7, position: 0, workspace_id: 12, hash: hash("a") },
      { message_id: 7, position: 1, workspace_id: 12, hash: hash("b") },
    ]);
  } finally {
    await sql.end();
    await old.drop();
  }
});

test("a ticket is taken once when two instances race for it", async () => {
  const tickets = Array.from({ length: 20 }, (_, i) => `race-${i}-${crypto.randomUUID()}`);
  for (const id of tickets) {
    await first.createTicket({
      id,
      userId: user.id,
      tokenVersion: 0,
      sessionId: null,
      expiresAt: Date.now() + 60_000,
    });
  }
  const taken = await Promise.all(
    tickets.flatMap((id) => [first.consumeTicket(id), second.consumeTicket(id)]),
  );
  expect(taken.filter((ticket) => ticket !== undefined)).toHaveLength(tickets.length);
});
