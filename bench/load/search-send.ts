// Send throughput with and without the search index: the store's group-committed send path in a
// tight in-process loop, realistic texts, on a fresh database. Without: the index table is
// swapped for a view whose insert does nothing, so the same statements run and write nothing.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../db/sqlite/store.ts";
import { seedStore } from "../../test/support/store.ts";
import { readArgs } from "../lib.ts";
import { corpus } from "./corpus.ts";
import { timeSends } from "./send-loop.ts";

const { total, batch, indexed } = readArgs<{ total: number; batch: number; indexed: boolean }>();
const store = openSqliteStore(
  `sqlite://${join(mkdtempSync(join(tmpdir(), "chat-search-send-")), "chat.db")}`,
  { synchronous: "NORMAL" },
);
if (!indexed) {
  store.sqlite.run("drop table message_search");
  store.sqlite.run("create view message_search as select 0 as rowid, '' as text");
  store.sqlite.run(
    "create trigger message_search_nothing instead of insert on message_search begin select 1; end",
  );
}
const { user, chat } = await seedStore(store);
const text = corpus(7);
const texts = Array.from({ length: total }, text);
await timeSends(store, { total, batch }, (n) => ({
  chatId: chat.id,
  senderId: user.id,
  content: texts[n] as string,
  files: [],
  clientId: null,
}));
