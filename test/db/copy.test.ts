// `chat migrate-to-postgres`'s copy, row for row: every key a table can hold comes along, text
// keys that sort before '0' included (the e2e test covers the command and a server on the copy).
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { copySqliteToPostgres } from "../../db/copy.ts";
import { openPostgresStore } from "../../db/postgres/store.ts";
import { openSqliteStore } from "../../db/sqlite/store.ts";
import { createDatabase } from "../support/postgres.ts";
import { seedStore } from "../support/store.ts";

const database = await createDatabase();
afterAll(() => database.drop());

test("every session is copied, whatever character its id starts with", async () => {
  const dir = mkdtempSync(join(tmpdir(), "chat-copy-"));
  const source = openSqliteStore(`sqlite://${join(dir, "chat.db")}`, { synchronous: "NORMAL" });
  const target = await openPostgresStore(database.url, { poolSize: 2 });
  try {
    const { user } = await seedStore(source);
    // base64url: '-' and '_' around the digits and letters, as random session ids start.
    const ids = [
      "-starts-with-dash",
      "0starts-with-zero",
      "9nine",
      "Aupper",
      "_underscore",
      "zlow",
    ];
    const expiresAt = Date.now() + 3_600_000;
    for (const id of ids) await source.createSession({ id, userId: user.id, expiresAt });

    const copied = await copySqliteToPostgres(source, target);

    expect(copied.sessions).toBe(ids.length);
    const rows = await target.sql<{ id: string }[]>`select id from sessions`;
    expect(rows.map((row) => row.id).sort()).toEqual([...ids].sort());
    for (const id of ids) expect((await target.findAccount(user.id, id))?.sessionOpen).toBe(true);
  } finally {
    await source.close();
    await target.close();
  }
});
