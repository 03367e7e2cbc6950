// History reads on a large database: HTTP reads of the last 50 messages of random chats (100
// connections) against the same query in a tight in-process loop; the Bun.serve ceiling answering
// a fixed page under the same load says what HTTP alone costs.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ceilingCommand,
  count,
  oursFromSource,
  runLoad,
  seedHistory,
  startOurs,
  startPinned,
  withServer,
} from "../lib.ts";
import type { Scenario } from "../scenario.ts";

const connections = 100;

export const history: Scenario = async ({ full, log }) => {
  const messages = full ? 1_000_000 : 200_000;
  const chats = full ? 1000 : 200;
  const seconds = full ? 20 : 8;
  log(`history: ${messages} messages in ${chats} chats`);
  const path = join(mkdtempSync(join(tmpdir(), "chat-bench-history-")), "chat.db");
  const { chatIds, token } = await seedHistory(path, chats, messages);
  const ours = await withServer(
    () => startOurs(oursFromSource, { database: path }),
    (server) =>
      runLoad<{ perSecond: number; p50: number; p99: number }>(
        "history.ts",
        { url: server.url, token, chatIds, connections, seconds },
        server.pid,
      ),
  );
  const page = await withServer(
    () => startPinned(ceilingCommand),
    (server) =>
      runLoad<{ perSecond: number }>(
        "history.ts",
        { url: server.url, chatIds, connections, seconds, fixedPath: "/page" },
        server.pid,
      ),
  );
  const loop = await runLoad<{ perSecond: number }>("read-loop.ts", { path, chatIds, seconds });
  // Per read, a server costs at least the ceiling's HTTP plus the loop's query.
  const bound = 1 / (1 + loop.perSecond / page.perSecond);
  log(
    `history: ${Math.round(ours.perSecond)} reads/s (p99 ${ours.p99.toFixed(1)} ms) vs loop ${Math.round(loop.perSecond)}/s`,
  );
  return {
    rows: [
      {
        scenario: "history reads",
        measure: "reads/s",
        ours: ours.perSecond,
        reference: loop.perSecond,
        referenceName: "same query, tight in-process loop",
        target: 0.8,
        serverCpu: ours.serverCpuShare,
        loadCpu: ours.loadCpuShare,
        note: `p50 ${ours.p50.toFixed(1)} ms, p99 ${ours.p99.toFixed(1)} ms (target ≤ 10 ms); the Bun.serve ceiling answers a fixed page of 50 messages at ${count(page.perSecond)}/s under the same load, so a server doing nothing but HTTP and this query would reach ${bound.toFixed(2)}× the loop`,
      },
    ],
  };
};
