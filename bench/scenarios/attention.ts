// Read state (issue #24), in process on one SQLite file: the chat list with each chat's state
// (unread and mention counts) for a reader in 1,000 chats with unread messages, against the same
// list without state; and sends while every read moves a marker, against the same sends without
// reads. Each pair runs alternately, several rounds: the machine is shared, so the spread of the
// ratios is reported with their median.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SqliteStore } from "../../db/sqlite/store.ts";
import { count, inAlternation, seedPeople } from "../lib.ts";
import type { Row, Scenario } from "../scenario.ts";

const chats = 1000;
const membersPerChat = 10;
const batch = 64;

/** Calls per second of `call`, run one after another for `ms`. */
async function rate(call: () => Promise<unknown>, ms: number): Promise<number> {
  let calls = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    await call();
    calls++;
  }
  return calls / ((performance.now() - started) / 1000);
}

/** Rounds of A then B (B then A every other round); the ratios B÷A, median first. */
async function alternate(
  rounds: number,
  ms: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
) {
  const pairs = await inAlternation(
    rounds,
    () => rate(a, ms),
    () => rate(b, ms),
  );
  const ratios = pairs.map((pair) => pair.b / pair.a).sort((x, y) => x - y);
  const median = <T>(list: T[]) => list[Math.floor(list.length / 2)] as T;
  const bySpeed = (key: "a" | "b") => median(pairs.map((pair) => pair[key]).sort((x, y) => x - y));
  return { a: bySpeed("a"), b: bySpeed("b"), ratio: median(ratios), ratios };
}

const spread = (ratios: number[]) =>
  `${(ratios[0] as number).toFixed(2)}–${(ratios.at(-1) as number).toFixed(2)}× over ${ratios.length} alternating rounds`;

export const attention: Scenario = async ({ full, log }) => {
  const unreadPerChat = full ? 50 : 20;
  const rounds = full ? 7 : 5;
  const ms = full ? 3000 : 1000;
  log(`read state: a reader in ${chats} chats with ${unreadPerChat} unread messages each`);
  const { openSqliteStore } = await import("../../db/sqlite/store.ts");
  const path = join(mkdtempSync(join(tmpdir(), "chat-bench-attention-")), "chat.db");
  const store: SqliteStore = openSqliteStore(`sqlite://${path}`, { synchronous: "NORMAL" });
  const { workspaceId, ids } = await seedPeople(store, membersPerChat, "attention.test");
  const reader = ids[0] as number;
  const others = ids.slice(1);
  const chatIds: number[] = [];
  for (let c = 0; c < chats; c++) {
    const { value } = await store.createChat({
      workspaceId,
      type: "group",
      name: null,
      ownerId: reader,
      memberIds: ids,
    });
    chatIds.push(value.id);
  }
  // Unread messages from the others, every tenth mentioning the reader.
  for (let n = 0; n < unreadPerChat; n++) {
    await Promise.all(
      chatIds.map((chatId, c) =>
        store.insertMessage({
          chatId,
          senderId: others[(n + c) % others.length] as number,
          content: n % 10 === 0 ? `<@${reader}> message ${n}` : `message ${n}`,
          files: [],
          clientId: null,
          mentions: n % 10 === 0 ? [reader] : [],
        }),
      ),
    );
  }
  const states = await store.chatStates(reader);
  const unread = states.reduce((sum, state) => sum + state.unreadCount, 0);
  log(`${states.length} chats, ${count(unread)} unread messages for the reader`);

  const without = () => store.listChatsOf(reader);
  const withState = () => store.listChatsWithStateOf(reader);
  // How GET /api/chat read it before: the list, then the states in a query of their own.
  const asTwoQueries = () => Promise.all([store.listChatsOf(reader), store.chatStates(reader)]);
  const list = await alternate(rounds, ms, without, withState);
  const twoQueries = await alternate(rounds, ms, without, asTwoQueries);
  log(
    `list: ${list.a.toFixed(0)}/s without state, ${list.b.toFixed(0)}/s with (${spread(list.ratios)}); as two queries: ${spread(twoQueries.ratios)}`,
  );

  // Sends in chats of ten, `batch` at a time; with reads, each send is read by another member
  // once it is stored, moving their marker to it: the batch's 64 reads (an update and a chat.read
  // each) make the group commit after its sends'.
  let next = 0;
  const sendBatch = (reads: boolean) =>
    Promise.all(
      Array.from({ length: batch }, async () => {
        const n = next++;
        const chatId = chatIds[n % chats] as number;
        const senderId = others[n % others.length] as number;
        const sent = await store.insertMessage({
          chatId,
          senderId,
          content: `send ${n}`,
          files: [],
          clientId: null,
        });
        if (reads && sent) {
          const readerId = ids[(ids.indexOf(senderId) + 1) % ids.length] as number;
          await store.markRead(chatId, readerId, sent.value.id);
        }
      }),
    );
  const sends = await alternate(
    rounds,
    ms,
    () => sendBatch(false),
    () => sendBatch(true),
  );
  log(
    `sends: ${(sends.a * batch).toFixed(0)}/s without reads, ${(sends.b * batch).toFixed(0)}/s with every read moving a marker (${spread(sends.ratios)})`,
  );
  await store.close();

  const rows: Row[] = [
    {
      scenario: "read state: chat list",
      measure: `GET /api/chat lists/s, ${count(chats)} chats with unread (in process)`,
      ours: list.b,
      reference: list.a,
      referenceName: "the same list without state",
      target: 0.5,
      serverCpu: 0,
      loadCpu: 0,
      note: `median of ${spread(list.ratios)}; the list and the states as two queries, as before: ${twoQueries.ratio.toFixed(2)}× (${spread(twoQueries.ratios)})`,
    },
    {
      scenario: "read state: sends with reads",
      measure: "messages/s, chats of ten, every read moving a marker (in process)",
      ours: sends.b * batch,
      reference: sends.a * batch,
      referenceName: "the same sends without reads",
      target: 0.9,
      serverCpu: 0,
      loadCpu: 0,
      note: `median of ${spread(sends.ratios)}; each send is followed by one read (an update and a chat.read event; a batch's reads share the group commit after its sends')`,
    },
  ];
  return { rows };
};
