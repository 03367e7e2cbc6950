// WAL checkpoints: a worker copies the log into the database beside the writer, which is left
// only the last step of a checkpoint, at a larger log.
import { expect, test } from "bun:test";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writerCheckpointPages } from "../../db/sqlite/checkpointer.ts";
import { openSqliteStore } from "../../db/sqlite/store.ts";
import { seedStore } from "../support/store.ts";

const path = join(mkdtempSync(join(tmpdir(), "chat-checkpointer-")), "chat.db");
const store = openSqliteStore(`sqlite://${path}`, { synchronous: "NORMAL" });
const { user, chat } = await seedStore(store);
const autocheckpoint = () =>
  (store.sqlite.query("pragma wal_autocheckpoint").get() as { wal_autocheckpoint: number })
    .wal_autocheckpoint;

/** `commits` transactions of 20 messages, paced like a steady load. */
async function write(commits: number) {
  for (let commit = 0; commit < commits; commit++) {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.insertMessage({
          chatId: chat.id,
          senderId: user.id,
          content: `message ${commit}-${i} ${"x".repeat(200)}`,
          files: [],
          clientId: null,
        }),
      ),
    );
    await Bun.sleep(2);
  }
}

test("the worker copies the log into the database while the writer goes on", async () => {
  for (let i = 0; i < 100 && autocheckpoint() !== writerCheckpointPages; i++) await Bun.sleep(20);
  expect(autocheckpoint()).toBe(writerCheckpointPages);
  const before = statSync(path).size;
  // About 700 pages of log (0.7 MB of rows): below both the writer's threshold and SQLite's
  // default one, so only the worker can have copied them.
  await write(50);
  const deadline = Date.now() + 3000;
  while (statSync(path).size < before + 500_000 && Date.now() < deadline) await Bun.sleep(50);
  expect(statSync(path).size).toBeGreaterThan(before + 500_000);
});

test("with the writer's threshold at 16 MB, the log still starts over rather than growing", async () => {
  // Several times the writer's threshold (a log that never started over would hold ~50 MB).
  await write(1000);
  expect(statSync(`${path}-wal`).size).toBeLessThan(writerCheckpointPages * 4096 * 1.5);
});

test("closing the store stops the worker and leaves no log behind", async () => {
  await store.close();
  expect(() => statSync(`${path}-wal`)).toThrow();
});
