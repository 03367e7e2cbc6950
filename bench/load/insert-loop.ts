// The durable-send reference: an in-process loop storing messages through the same store and
// schema, a batch at a time, with no network, no auth and no JSON on the way in.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../db/sqlite/store.ts";
import { seedStore } from "../../test/support/store.ts";
import { readArgs } from "../lib.ts";

const { total, batch } = readArgs<{ total: number; batch: number }>();
const store = openSqliteStore(
  `sqlite://${join(mkdtempSync(join(tmpdir(), "chat-insert-")), "chat.db")}`,
  { synchronous: "NORMAL" },
);
const { user, chat } = await seedStore(store);
const cpuAtStart = process.cpuUsage();
const started = performance.now();
console.log("START");
for (let done = 0; done < total; done += batch) {
  const sent = await Promise.all(
    Array.from({ length: batch }, (_, i) =>
      store.insertMessage({
        chatId: chat.id,
        senderId: user.id,
        content: "durable",
        files: [],
        clientId: `i-${done + i}`,
      }),
    ),
  );
  if (sent.some((message) => !message?.created)) throw new Error("a send was not stored");
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
console.log(
  JSON.stringify({ seconds, perSecond: total / seconds, loadCpu: (cpu.user + cpu.system) / 1e6 }),
);
process.exit(0);
