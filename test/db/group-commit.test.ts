// Group commit, at the store: sends that arrive together share one transaction, each is answered
// after the commit, in id order, and one failing send does not take the others with it.
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../db/sqlite/store.ts";
import { seedStore } from "../support/store.ts";

const path = join(mkdtempSync(join(tmpdir(), "chat-group-commit-")), "chat.db");
const store = openSqliteStore(`sqlite://${path}`, { synchronous: "NORMAL" });
// A second connection sees data_version move once per transaction another connection commits.
const observer = new Database(path, { readonly: true });
const commitsSoFar = () =>
  (observer.query("pragma data_version").get() as { data_version: number }).data_version;
const { user, chat } = await seedStore(store);
const send = async (chatId: number, clientId: string | null = null, content = "x") => {
  const sent = await store.insertMessage({
    chatId,
    senderId: user.id,
    content,
    files: [],
    clientId,
  });
  if (!sent) throw new Error("refused: not a member");
  return sent;
};

test("sends made in the same turn are stored in one transaction, answered in id order, and move the chat on to the last", async () => {
  const before = commitsSoFar();
  const order: number[] = [];
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      send(chat.id, `c-${i}`).then((result) => {
        order.push(result.value.id);
        return result;
      }),
    ),
  );
  expect(commitsSoFar() - before).toBe(1);
  expect(order).toEqual([...order].sort((a, b) => a - b));
  expect(new Set(results.map((r) => r.value.id)).size).toBe(50);
  // The chat's row is moved on once per batch, to the last of it.
  expect((await store.findChat(chat.id))?.lastMessageId).toBe(Math.max(...order));
});

test("one failing send in a batch fails alone, and the others are stored once", async () => {
  // A failure inside SQLite itself: the store checks everything it can before inserting.
  store.sqlite.run(`create temp trigger refuse_boom before insert on messages
                     when new.content = 'boom' begin select raise(abort, 'boom'); end`);
  const before = commitsSoFar();
  const [good, bad, alsoGood] = await Promise.allSettled([
    send(chat.id, "good-1"),
    send(chat.id, null, "boom"),
    send(chat.id, "good-2"),
  ]);
  store.sqlite.run("drop trigger refuse_boom");
  expect(good.status).toBe("fulfilled");
  expect(bad.status).toBe("rejected");
  expect(alsoGood.status).toBe("fulfilled");
  // The batch rolled back and was stored again send by send: still one commit.
  expect(commitsSoFar() - before).toBe(1);
  const stored = store.sqlite
    .query("select client_id from messages where client_id like 'good-%' order by id")
    .all();
  expect(stored).toEqual([{ client_id: "good-1" }, { client_id: "good-2" }]);
});

test("a send from someone no longer a member is refused, even as a retry, and the rest of its batch stored", async () => {
  const { user: leaver } = await store.createUser({
    fullname: "L",
    email: "leaver@x.test",
    passwordHash: "h",
    workspace: { id: user.workspaceId },
  });
  await store.changeChat(chat.id, { add: [leaver.id] });
  const asLeaver = { chatId: chat.id, senderId: leaver.id, content: "x", files: [] };
  expect((await store.insertMessage({ ...asLeaver, clientId: "before" }))?.created).toBe(true);
  await store.changeChat(chat.id, { remove: [leaver.id] });

  const before = commitsSoFar();
  const [retried, fresh, noChat, stored] = await Promise.all([
    store.insertMessage({ ...asLeaver, clientId: "before" }),
    store.insertMessage({ ...asLeaver, clientId: "after" }),
    store.insertMessage({ ...asLeaver, chatId: 987_654, senderId: user.id, clientId: null }),
    send(chat.id, "member"),
  ]);
  expect([retried, fresh, noChat]).toEqual([undefined, undefined, undefined]);
  expect(stored.created).toBe(true);
  expect(commitsSoFar() - before).toBe(1);
  const leavers = store.sqlite
    .query("select client_id from messages where sender_id = ?")
    .all(leaver.id);
  expect(leavers).toEqual([{ client_id: "before" }]);
});

test("the same clientId twice in one batch is stored once", async () => {
  const [first, second] = await Promise.all([send(chat.id, "dup"), send(chat.id, "dup")]);
  expect(first.created).toBe(true);
  expect(second.created).toBe(false);
  expect(second.value).toEqual(first.value);
});
