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
