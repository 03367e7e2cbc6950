// Group commit, at the store: sends that arrive together share one transaction, each is answered
// after the commit, in id order, and one failing send does not take the others with it.
import { expect, test } from "bun:test";
import { openSqliteStore } from "../../db/sqlite/store.ts";
import { seedStore } from "../support/store.ts";

const store = openSqliteStore("sqlite://:memory:", { synchronous: "NORMAL" });
const { user, chat } = await seedStore(store);
const send = (chatId: number, clientId: string | null = null) =>
  store.insertMessage({ chatId, senderId: user.id, content: "x", files: [], clientId });

test("sends made in the same turn are stored in one transaction and answered in id order", async () => {
  let commits = 0;
  const original = store.sqlite.transaction.bind(store.sqlite);
  // Counting top-level transactions: the batch's own, not the savepoints inside it.
  (store.sqlite as { transaction: typeof original }).transaction = ((fn: () => unknown) => {
    const wrapped = original(fn as never);
    return (...args: unknown[]) => {
      if (!store.sqlite.inTransaction) commits++;
      return (wrapped as (...a: unknown[]) => unknown)(...args);
    };
  }) as typeof original;
  const order: number[] = [];
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      send(chat.id, `c-${i}`).then((result) => {
        order.push(result.value.id);
        return result;
      }),
    ),
  );
  (store.sqlite as { transaction: typeof original }).transaction = original;
  expect(commits).toBe(1);
  expect(order).toEqual([...order].sort((a, b) => a - b));
  expect(new Set(results.map((r) => r.value.id)).size).toBe(50);
});

test("one failing send in a batch fails alone", async () => {
  const [good, bad, alsoGood] = await Promise.allSettled([
    send(chat.id),
    send(987_654),
    send(chat.id),
  ]);
  expect(good.status).toBe("fulfilled");
  expect(bad.status).toBe("rejected");
  expect(alsoGood.status).toBe("fulfilled");
});

test("the same clientId twice in one batch is stored once", async () => {
  const [first, second] = await Promise.all([send(chat.id, "dup"), send(chat.id, "dup")]);
  expect(first.created).toBe(true);
  expect(second.created).toBe(false);
  expect(second.value).toEqual(first.value);
});
