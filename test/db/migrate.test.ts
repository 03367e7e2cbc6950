import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateSqlite, sqliteJournalTags, sqliteMigrations } from "../../db/sqlite/migrate.ts";
import { openSqliteStore } from "../../db/sqlite/store.ts";

test("every migration drizzle-kit generated is embedded, and nothing else", () => {
  expect(Object.keys(sqliteMigrations).sort()).toEqual([...sqliteJournalTags].sort());
});

test("migrations apply once: a second run changes nothing", () => {
  const sqlite = new Database(":memory:");
  expect(migrateSqlite(sqlite)).toEqual(sqliteJournalTags);
  expect(migrateSqlite(sqlite)).toEqual([]);
});

test("a file database is created with its folder, in WAL mode, with foreign keys on", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "chat-db-")), "nested", "chat.db");
  const store = openSqliteStore(`sqlite://${path}`, { synchronous: "NORMAL" });
  const pragma = (name: string) =>
    Object.values(store.sqlite.query(`pragma ${name}`).get() as object)[0];
  expect(pragma("journal_mode")).toBe("wal");
  expect(pragma("foreign_keys")).toBe(1);
  expect(pragma("synchronous")).toBe(1);
  expect(pragma("busy_timeout")).toBe(5000);
  await store.close();
});

test("the private-files migration indexes the files of messages stored before it", () => {
  const sqlite = new Database(":memory:");
  // The database as release 0.1.0 left it: every migration before this one.
  sqlite.run("create table schema_migrations (tag text primary key, applied_at integer not null)");
  for (const tag of sqliteJournalTags.slice(0, sqliteJournalTags.indexOf("0005_private_files"))) {
    for (const statement of (sqliteMigrations[tag] as string).split("--> statement-breakpoint")) {
      sqlite.run(statement);
    }
    sqlite.run("insert into schema_migrations values (?, 0)", [tag]);
  }
  const hash = (c: string) => c.repeat(64);
  const url = (workspace: number, h: string) =>
    `/api/files/${workspace}/${h.slice(0, 2)}/${h.slice(2, 4)}/${h}.png`;
  sqlite.run("insert into workspaces (id, name, name_key) values (12, 'Acme', 'acme')");
  sqlite.run(
    "insert into users (id, workspace_id, fullname, email, email_key, password_hash) values (3, 12, 'A', 'a@x', 'a@x', 'h')",
  );
  sqlite.run("insert into chats (id, workspace_id, type, owner_id) values (5, 12, 'group', 3)");
  sqlite.run(
    "insert into messages (id, chat_id, sender_id, content, files) values (7, 5, 3, '', ?)",
    [JSON.stringify([url(12, hash("a")), url(12, hash("b"))])],
  );
  sqlite.run("insert into messages (id, chat_id, sender_id, content) values (8, 5, 3, 'text')");
  expect(migrateSqlite(sqlite)).toContain("0005_private_files");
  expect(
    sqlite.query("select message_id, position, workspace_id, hash from message_files").all(),
  ).toEqual([
    { message_id: 7, position: 0, workspace_id: 12, hash: hash("a") },
    { message_id: 7, position: 1, workspace_id: 12, hash: hash("b") },
  ]);
});

test("the search migration indexes the messages stored before it, logging its progress", () => {
  const sqlite = new Database(":memory:");
  sqlite.run("create table schema_migrations (tag text primary key, applied_at integer not null)");
  for (const tag of sqliteJournalTags.slice(0, sqliteJournalTags.indexOf("0008_search"))) {
    for (const statement of (sqliteMigrations[tag] as string).split("--> statement-breakpoint")) {
      sqlite.run(statement);
    }
    sqlite.run("insert into schema_migrations values (?, 0)", [tag]);
  }
  sqlite.run("insert into workspaces (id, name, name_key) values (1, 'Acme', 'acme')");
  sqlite.run(
    "insert into users (id, workspace_id, fullname, email, email_key, password_hash) values (1, 1, 'A', 'a@x', 'a@x', 'h')",
  );
  sqlite.run("insert into chats (id, workspace_id, type, owner_id) values (1, 1, 'group', 1)");
  const insert = sqlite.query(
    "insert into messages (chat_id, sender_id, content, deleted) values (1, 1, ?, ?)",
  );
  sqlite.transaction(() => {
    for (let i = 0; i < 120_000; i++) insert.run(i % 2 ? `Crème number${i}` : `聊天 ${i}`, 0);
    insert.run("gone for good", 1);
  })();
  const lines: Record<string, unknown>[] = [];
  // Every migration after it applies too; the search one is what this test is about.
  expect(migrateSqlite(sqlite, (line) => lines.push(line))).toContain("0008_search");
  const match = (q: string) =>
    sqlite.query("select count(*) as n from message_search where message_search match ?").get(q);
  expect(match('"creme"')).toEqual({ n: 60_000 });
  expect(match('"聊天"')).toEqual({ n: 60_000 });
  expect(match('"number77"')).toEqual({ n: 1 });
  expect(match('"gone"')).toEqual({ n: 0 });
  expect(lines).toEqual([
    expect.objectContaining({ msg: "search index", done: 100_000, total: 120_000 }),
  ]);
});

test("the self-mentions migration drops a sender's mention of themselves and keeps the others'", () => {
  const sqlite = new Database(":memory:");
  const tag = "0013_self_mentions_uncounted";
  sqlite.run("create table schema_migrations (tag text primary key, applied_at integer not null)");
  for (const before of sqliteJournalTags.slice(0, sqliteJournalTags.indexOf(tag))) {
    for (const statement of (sqliteMigrations[before] as string).split(
      "--> statement-breakpoint",
    )) {
      sqlite.run(statement);
    }
    sqlite.run("insert into schema_migrations values (?, 0)", [before]);
  }
  sqlite.run("insert into workspaces (id, name, name_key) values (12, 'Acme', 'acme')");
  for (const id of [3, 4]) {
    sqlite.run(
      "insert into users (id, workspace_id, fullname, email, email_key, password_hash) values (?, 12, 'A', ?, ?, 'h')",
      [id, `${id}@x`, `${id}@x`],
    );
  }
  sqlite.run("insert into chats (id, workspace_id, type, owner_id) values (5, 12, 'group', 3)");
  sqlite.run("insert into messages (id, chat_id, sender_id, content) values (7, 5, 3, 'x')");
  sqlite.run("insert into messages (id, chat_id, sender_id, content) values (8, 5, 4, 'x')");
  for (const [message, user] of [
    [7, 3],
    [7, 4],
    [8, 3],
    [8, 4],
  ]) {
    sqlite.run("insert into message_mentions (message_id, user_id, chat_id) values (?, ?, 5)", [
      message as number,
      user as number,
    ]);
  }
  expect(migrateSqlite(sqlite)).toContain(tag);
  expect(
    sqlite.query("select message_id, user_id from message_mentions order by 1, 2").all(),
  ).toEqual([
    { message_id: 7, user_id: 4 },
    { message_id: 8, user_id: 3 },
  ]);
});
