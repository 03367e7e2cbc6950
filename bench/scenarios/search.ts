// Search on a large database: a generated corpus (English and Chinese, Zipf word frequencies) in
// 1,000 chats of 100 users, stored straight through the store's SQL; 20 concurrent searchers
// over HTTP per kind of query, against the same search run in a tight in-process loop on the
// same file (the ceiling); the index's size against the text's; and the send path's throughput
// with the index against without it.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { indexText, parseQuery, snippetOf } from "../../db/search.ts";
import {
  count,
  mintToken,
  oursFromSource,
  percentile,
  runLoad,
  startOurs,
  withServer,
} from "../lib.ts";
import { corpus, random, searchKinds } from "../load/corpus.ts";
import type { Row, Scenario } from "../scenario.ts";

const users = 100;
const chats = 1000;
const publicChannels = 100;
const membersPerChat = 10;
const searchers = 20;

type Seeded = {
  userIds: number[];
  workspaceId: number;
  /** Each user's chats: the private ones they are in, and every public channel. */
  chatsOf: Map<number, number[]>;
  contentBytes: number;
  indexBytes: number;
  indexSeconds: number;
};

export async function seedSearch(path: string, messages: number): Promise<Seeded> {
  const { openSqliteStore } = await import("../../db/sqlite/store.ts");
  const store = openSqliteStore(`sqlite://${path}`, { synchronous: "NORMAL" });
  const next = random(3);
  const userIds: number[] = [];
  const first = await store.createUser({
    fullname: "User 0",
    email: "u0@bench.test",
    passwordHash: "not used",
    workspace: { name: "Search" },
  });
  const workspaceId = first.user.workspaceId;
  userIds.push(first.user.id);
  for (let u = 1; u < users; u++) {
    const { user } = await store.createUser({
      fullname: `User ${u}`,
      email: `u${u}@bench.test`,
      passwordHash: "not used",
      workspace: { id: workspaceId },
    });
    userIds.push(user.id);
  }
  const chatIds: number[] = [];
  const membersOf: number[][] = [];
  const chatsOf = new Map<number, number[]>(userIds.map((id) => [id, []]));
  for (let c = 0; c < chats; c++) {
    const isPublic = c < publicChannels;
    const members = new Set<number>([userIds[c % users] as number]);
    while (members.size < membersPerChat) {
      members.add(userIds[Math.floor(next() * users)] as number);
    }
    const memberIds = [...members];
    const { value } = await store.createChat({
      workspaceId,
      type: isPublic ? "public_channel" : "private_channel",
      name: `s-${c}`,
      ownerId: memberIds[0] as number,
      memberIds,
    });
    chatIds.push(value.id);
    membersOf.push(memberIds);
    for (const id of isPublic ? userIds : memberIds) chatsOf.get(id)?.push(value.id);
  }
  // Messages first, without the index, so that its size and build time are measured alone.
  const text = corpus(1);
  const insert = store.sqlite.prepare(
    "insert into messages (chat_id, sender_id, content, files, client_id, created_at) values (?, ?, ?, '[]', null, ?)",
  );
  const start = Date.now() - messages * 1000;
  for (let done = 0; done < messages; done += 10_000) {
    store.sqlite.transaction(() => {
      for (let m = done; m < Math.min(messages, done + 10_000); m++) {
        const c = Math.floor(next() * chats);
        const senders = membersOf[c] as number[];
        insert.run(
          chatIds[c] as number,
          senders[Math.floor(next() * senders.length)] as number,
          text(),
          start + m * 1000,
        );
      }
    })();
  }
  const size = () =>
    (store.sqlite.query("pragma page_count").get() as { page_count: number }).page_count *
    (store.sqlite.query("pragma page_size").get() as { page_size: number }).page_size;
  const contentBytes = (
    store.sqlite
      .query("select sum(length(cast(content as blob))) as bytes from messages")
      .get() as { bytes: number }
  ).bytes;
  const before = size();
  const indexStarted = performance.now();
  const page = store.sqlite.query<{ id: number; chat_id: number; content: string }, [number]>(
    "select id, chat_id, content from messages where id > ? order by id limit 10000",
  );
  const index = store.sqlite.prepare("insert into message_search (rowid, text) values (?, ?)");
  for (let rows = page.all(0); rows.length > 0; rows = page.all(rows.at(-1)?.id as number)) {
    store.sqlite.transaction(() => {
      for (const row of rows) index.run(row.id, indexText(row.chat_id, row.content));
    })();
  }
  const indexSeconds = (performance.now() - indexStarted) / 1000;
  const indexBytes = size() - before;
  await store.close();
  return { userIds, workspaceId, chatsOf, contentBytes, indexBytes, indexSeconds };
}

/** The ceiling: the store's search and the snippets, one after another, for `seconds`. */
async function searchLoop(
  path: string,
  seeded: Seeded,
  q: string,
  oneChat: boolean,
  seconds: number,
) {
  const { openSqliteStore } = await import("../../db/sqlite/store.ts");
  const store = openSqliteStore(`sqlite://${path}`, { synchronous: "NORMAL" });
  const terms = parseQuery(q);
  if (!terms) throw new Error(`nothing to search in ${q}`);
  const latencies: number[] = [];
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const userId = seeded.userIds[latencies.length % searchers] as number;
    const chatsOf = seeded.chatsOf.get(userId) as number[];
    const at = performance.now();
    const found = await store.searchMessages({
      terms,
      userId,
      workspaceId: seeded.workspaceId,
      chatId: oneChat ? chatsOf[latencies.length % chatsOf.length] : undefined,
      limit: 21,
    });
    for (const message of found.slice(0, 20)) snippetOf(message.content, terms);
    latencies.push(performance.now() - at);
  }
  const elapsed = (performance.now() - started) / 1000;
  await store.close();
  return {
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

export const search: Scenario = async ({ full, log }) => {
  const messages = full ? 1_000_000 : 50_000;
  const seconds = full ? 10 : 3;
  const path = join(mkdtempSync(join(tmpdir(), "chat-bench-search-")), "chat.db");
  log(`search: generating ${count(messages)} messages in ${chats} chats of ${users} users`);
  const seeded = await seedSearch(path, messages);
  log(
    `search: index ${megabytes(seeded.indexBytes)} for ${megabytes(seeded.contentBytes)} of text, built in ${seeded.indexSeconds.toFixed(1)} s`,
  );
  const searcherIds = seeded.userIds.slice(0, searchers);
  const tokens = await Promise.all(searcherIds.map(mintToken));
  const chatIds = searcherIds.map((id) => seeded.chatsOf.get(id) as number[]);
  const kinds: [string, string, boolean][] = [
    ...Object.entries(searchKinds).map(([kind, q]): [string, string, boolean] => [kind, q, false]),
    ["one chat (a common word)", "the", true],
  ];
  const rows: Row[] = [];
  const http = await withServer(
    () => startOurs(oursFromSource, { database: path }),
    async (server) => {
      const results = [];
      for (const [kind, q, oneChat] of kinds) {
        const result = await runLoad<{ perSecond: number; p50: number; p99: number }>(
          "search.ts",
          {
            url: server.url,
            q,
            tokens,
            ...(oneChat && { chatIds }),
            connections: searchers,
            seconds,
          },
          server.pid,
        );
        log(`search: ${kind}: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms`);
        results.push(result);
      }
      return results;
    },
  );
  for (const [i, [kind, q, oneChat]] of kinds.entries()) {
    const ours = http[i] as (typeof http)[number];
    const loop = await searchLoop(path, seeded, q, oneChat, Math.min(seconds, 2));
    rows.push({
      scenario: `search: ${kind}`,
      measure: "searches/s",
      ours: ours.perSecond,
      reference: loop.perSecond,
      referenceName: "same search and snippets, tight in-process loop",
      serverCpu: ours.serverCpuShare,
      loadCpu: ours.loadCpuShare,
      note: `q=${q}; over HTTP p50 ${ours.p50.toFixed(1)} ms, p99 ${ours.p99.toFixed(1)} ms (target ≤ 50 ms); in process p50 ${loop.p50.toFixed(2)} ms, p99 ${loop.p99.toFixed(2)} ms`,
    });
  }
  const sends = full ? 200_000 : 40_000;
  const indexed = await runLoad<{ perSecond: number }>("search-send.ts", {
    total: sends,
    batch: 64,
    indexed: true,
  });
  const plain = await runLoad<{ perSecond: number }>("search-send.ts", {
    total: sends,
    batch: 64,
    indexed: false,
  });
  log(`search: sends ${count(indexed.perSecond)}/s indexed vs ${count(plain.perSecond)}/s not`);
  rows.push(
    {
      scenario: "search: sends with the index",
      measure: "messages/s",
      ours: indexed.perSecond,
      reference: plain.perSecond,
      referenceName: "the same sends without the index",
      target: 0.85,
      serverCpu: 0,
      loadCpu: indexed.loadCpuShare,
      note: `${count(sends)} realistic texts through the group-committed send path, in process, 64 at a time`,
    },
    {
      scenario: "search: index size",
      measure: "MB",
      lowerIsBetter: true,
      ours: seeded.indexBytes / 1_048_576,
      reference: seeded.contentBytes / 1_048_576,
      referenceName: "the messages' text",
      serverCpu: 0,
      loadCpu: 0,
      note: `${count(messages)} messages; built from scratch in ${seeded.indexSeconds.toFixed(1)} s (${count(messages / seeded.indexSeconds)} messages/s), as the migration does`,
    },
  );
  return { rows };
};
