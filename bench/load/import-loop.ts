// The Slack import's ceiling: the same bulk verb (importMessages) fed rows built in memory, a
// batch of 20,000 per transaction, with no zip, no JSON and no text conversion on the way in.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../db/sqlite/store.ts";
import type { ImportedMessage } from "../../db/store.ts";
import { seedStore } from "../../test/support/store.ts";
import { cpuSeconds, readArgs } from "../lib.ts";

const { total, chats } = readArgs<{ total: number; chats: number }>();
const store = openSqliteStore(
  `sqlite://${join(mkdtempSync(join(tmpdir(), "chat-import-loop-")), "chat.db")}`,
  { synchronous: "NORMAL" },
);
const { user } = await seedStore(store);
const chatIds: number[] = [];
for (let i = 0; i < chats; i++) {
  const { value } = await store.createChat({
    workspaceId: user.workspaceId,
    type: "public_channel",
    name: `loop-${i}`,
    ownerId: user.id,
    memberIds: [user.id],
  });
  chatIds.push(value.id);
}
const base = await store.reserveMessageIds(total);
const words = "the build deploy release review merge branch test flaky green".split(" ");
console.log("START");
const cpuAtStart = cpuSeconds(process.pid);
const start = performance.now();
let batch: ImportedMessage[] = [];
for (let n = 0; n < total; n++) {
  const micros = 1_700_000_000_000_000 + n * 1000;
  batch.push({
    id: base + n,
    chatId: chatIds[n % chats] as number,
    senderId: user.id,
    content: `${words[n % words.length]} ${words[(n * 7) % words.length]} message ${n} <@${user.id}> **done**`,
    createdAt: Math.floor(micros / 1000),
    ts: micros,
    threadId: null,
    editedAt: null,
    reactions: [],
    pinEventId: null,
    mentions: [user.id],
    mentionsAll: false,
    files: [],
    fileRefs: [],
    attachments: [],
  });
  if (batch.length === 20_000) {
    await store.importMessages(batch);
    batch = [];
  }
}
await store.importMessages(batch);
const seconds = (performance.now() - start) / 1000;
console.log(
  JSON.stringify({
    perSecond: total / seconds,
    seconds,
    loadCpu: cpuSeconds(process.pid) - cpuAtStart,
    rssBytes: process.memoryUsage().rss,
  }),
);
await store.close();
