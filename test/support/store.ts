// A store seeded for tests that drive it directly, below the HTTP API: one user in one
// workspace, and a private channel with that user as its only member.
import { afterAll } from "bun:test";
import { openPostgresStore } from "../../db/postgres/store.ts";
import { openSqliteStore } from "../../db/sqlite/store.ts";
import type { Store } from "../../db/store.ts";
import { createDatabase } from "./postgres.ts";

export async function seedStore(store: Store) {
  const { user } = await store.createUser({
    fullname: "A",
    email: "a@x.test",
    passwordHash: "h",
    workspace: { name: "W" },
  });
  const { value: chat } = await store.createChat({
    workspaceId: user.workspaceId,
    type: "private_channel",
    name: "c",
    ownerId: user.id,
    memberIds: [user.id],
  });
  return { user, chat };
}

/**
 * An in-memory SQLite store and a fresh PostgreSQL database's store, by name, closed (and the
 * database dropped) after the file's tests: for tests that hold both stores to one rule.
 */
export async function bothStores(): Promise<[string, Store][]> {
  const database = await createDatabase();
  const stores: [string, Store][] = [
    ["SQLite", openSqliteStore("sqlite://:memory:", { synchronous: "NORMAL" })],
    ["PostgreSQL", await openPostgresStore(database.url, { poolSize: 4 })],
  ];
  afterAll(async () => {
    for (const [, store] of stores) await store.close();
    await database.drop();
  });
  return stores;
}
