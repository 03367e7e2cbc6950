// The durable-send reference: an in-process loop storing messages through the same store and
// schema, a batch at a time, with no network, no auth and no JSON on the way in.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../db/sqlite/store.ts";
import { seedStore } from "../../test/support/store.ts";
import { readArgs } from "../lib.ts";
import { timeSends } from "./send-loop.ts";

const { total, batch } = readArgs<{ total: number; batch: number }>();
const store = openSqliteStore(
  `sqlite://${join(mkdtempSync(join(tmpdir(), "chat-insert-")), "chat.db")}`,
  { synchronous: "NORMAL" },
);
const { user, chat } = await seedStore(store);
await timeSends(store, { total, batch }, (n) => ({
  chatId: chat.id,
  senderId: user.id,
  content: "durable",
  files: [],
  clientId: `i-${n}`,
}));
