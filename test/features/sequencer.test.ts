// The hub's sequencer, over a real store's event log: events offered in any order, any number of
// times, come out once each in id order; one that never arrives is read from the database.
import { afterAll, expect, test } from "bun:test";
import type { StoredEvent } from "../../db/events.ts";
import { openSqliteStore } from "../../db/sqlite/store.ts";
import { Sequencer } from "../../src/features/realtime/sequencer.ts";
import type { LogLine } from "../../src/ops/logging.ts";
import { seedStore } from "../support/store.ts";

const store = openSqliteStore("sqlite://:memory:", { synchronous: "NORMAL" });
afterAll(() => store.close());
const { user, chat } = await seedStore(store);

/** Stores `count` messages and returns their events, in id order. */
async function commit(count: number): Promise<StoredEvent[]> {
  const sent = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      store.insertMessage({
        chatId: chat.id,
        senderId: user.id,
        content: `m${i}`,
        files: [],
        clientId: null,
      }),
    ),
  );
  return sent.flatMap((s) => {
    if (!s) throw new Error("refused: the seeded user is a member");
    return s.events;
  });
}

async function started(gapMs = 20) {
  const delivered: number[] = [];
  const sequencer = new Sequencer(store, (events) => delivered.push(...events.map((e) => e.id)), {
    gapMs,
    pollMs: 60_000,
    logger: () => {},
  });
  await sequencer.start();
  afterAll(() => sequencer.stop());
  return { sequencer, delivered };
}

test("events offered shuffled and twice are delivered once each, in id order", async () => {
  const { sequencer, delivered } = await started(60_000);
  const events = await commit(20);
  const shuffled = [...events, ...events].sort(() => Math.random() - 0.5);
  for (const event of shuffled) sequencer.offer([event]);
  expect(delivered).toEqual(events.map((e) => e.id));
});

test("an event that never arrives is read from the database, and what follows it waits for it", async () => {
  const { sequencer, delivered } = await started();
  const [lost, ...rest] = await commit(5);
  sequencer.offer(rest);
  expect(delivered).toEqual([]);
  await sequencer.whenDelivered(rest.at(-1)?.id as number);
  expect(delivered).toEqual([lost, ...rest].map((e) => e?.id as number));
});

test("whenDelivered waits for an id a replay read, and fetches it if nobody sends it", async () => {
  const { sequencer, delivered } = await started();
  const events = await commit(3);
  const last = events.at(-1)?.id as number;
  await sequencer.whenDelivered(last);
  expect(delivered).toEqual(events.map((e) => e.id));
  // Already delivered ids resolve at once; events before the start are never delivered.
  await sequencer.whenDelivered(last);
  expect(delivered).toHaveLength(3);
});

test("fill reads everything committed after the last delivered id, in pages", async () => {
  const { sequencer, delivered } = await started(60_000);
  const events = await commit(1200);
  expect(await sequencer.fill()).toBe(true);
  expect(delivered).toEqual(events.map((e) => e.id));
});

test("a database that cannot be read is told to the logger, and the fill answers false", async () => {
  const closed = openSqliteStore("sqlite://:memory:", { synchronous: "NORMAL" });
  await closed.close();
  const logs: LogLine[] = [];
  const sequencer = new Sequencer(closed, () => {}, {
    gapMs: 60_000,
    pollMs: 60_000,
    logger: (line) => logs.push(line),
  });
  expect(await sequencer.fill()).toBe(false);
  expect(logs).toHaveLength(1);
  expect(logs[0]).toMatchObject({
    level: "error",
    msg: "reading missed events failed; retrying at the next poll",
  });
  expect(String(logs[0]?.error)).not.toBe("");
});
