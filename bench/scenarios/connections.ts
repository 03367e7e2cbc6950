// Idle connections: memory per connection and connects per second, ours (authenticated) against
// the Bun.serve ceiling (unauthenticated).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../db/sqlite/store.ts";
import {
  argsFile,
  ceilingCommand,
  count,
  cpuSeconds,
  loadCore,
  localPortRange,
  mintToken,
  oursFromSource,
  type Running,
  repo,
  rssBytes,
  seedPeople,
  startOurs,
  startPinned,
  withServer,
} from "../lib.ts";
import type { Scenario } from "../scenario.ts";

// Memory per connection is what the server grew by, from idle to holding them all, divided by
// their number: at thousands of connections its fixed costs are small. (A slope between half and
// all of them came out negative whenever a collection fell between the two readings.) It is read
// once the connects' garbage is collected: 1.5 s after the ramp, ours still held ~2 KB per
// connection of it (its requests, auth and context), which JSC's full collection frees within
// ~10 s of the server going idle; an idle server holds what the later reading shows.
async function rampConnections(server: Running, args: Record<string, unknown> & { count: number }) {
  await Bun.sleep(1500);
  const idle = rssBytes(server.pid);
  const cpuBefore = cpuSeconds(server.pid);
  const child = Bun.spawn(
    [
      "taskset",
      "-c",
      loadCore,
      process.execPath,
      join(repo, "bench/load/connections.ts"),
      argsFile(args),
    ],
    { stdin: "pipe", stdout: "pipe", stderr: "inherit" },
  );
  const reader = child.stdout.getReader();
  let output = "";
  while (!output.includes("OPEN")) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`the connection generator stopped: ${output}`);
    output += new TextDecoder().decode(chunk.value);
  }
  await Bun.sleep(1500);
  const atOpen = rssBytes(server.pid);
  const serverCpu = cpuSeconds(server.pid) - cpuBefore;
  await Bun.sleep(13_500);
  const settled = rssBytes(server.pid);
  child.stdin.write("close\n");
  child.stdin.end();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    output += new TextDecoder().decode(chunk.value);
  }
  await child.exited;
  const result = JSON.parse(output.trim().split("\n").at(-1) as string) as {
    seconds: number;
    connections: number;
    perSecond: number;
    loadCpu: number;
  };
  return {
    ...result,
    bytesPerConnection: (settled - idle) / result.connections,
    bytesPerConnectionAtOpen: (atOpen - idle) / result.connections,
    serverCpuShare: serverCpu / result.seconds,
    loadCpuShare: result.loadCpu / result.seconds,
  };
}

export const connections: Scenario = async ({ full, log }) => {
  const sockets = full ? 19_000 : 10_000;
  log(`connections: ${sockets} idle WebSockets`);
  // The user is written straight into the database and its token minted here, so that no Argon2
  // hash (64 MiB) runs in the server whose memory is being read.
  const database = join(mkdtempSync(join(tmpdir(), "chat-bench-connections-")), "chat.db");
  const store = openSqliteStore(`sqlite://${database}`, { synchronous: "NORMAL" });
  const [userId] = (await seedPeople(store, 1, "idle.bench.test")).ids as [number];
  await store.close();
  const ours = await withServer(
    () => startOurs(oursFromSource, { database }),
    async (server) =>
      rampConnections(server, {
        url: server.url,
        token: await mintToken(userId),
        count: sockets,
        concurrency: 100,
        kind: "ours",
      }),
  );
  const ceiling = await withServer(
    () => startPinned(ceilingCommand),
    (server) =>
      rampConnections(server, { url: server.url, count: sockets, concurrency: 100, kind: "room" }),
  );
  // Every client socket takes a local port; once most of the range is in use, the kernel's search
  // for a free one slows each connect, the ceiling's as much as ours.
  const [low, high] = localPortRange();
  const ports = high - low + 1;
  const portNote =
    ports < 2 * sockets
      ? `; bounded by the client: ${count(ports)} local ports for ${count(sockets)} sockets (see performance.md)`
      : "";
  log(
    `connections: ${Math.round(ours.bytesPerConnection)} B vs ${Math.round(ceiling.bytesPerConnection)} B per connection; ${Math.round(ours.perSecond)} connects/s`,
  );
  return {
    rows: [
      {
        scenario: "connections",
        measure: "bytes per idle connection",
        lowerIsBetter: true,
        ours: ours.bytesPerConnection,
        reference: ceiling.bytesPerConnection,
        referenceName: "Bun.serve ceiling",
        target: 2,
        serverCpu: ours.serverCpuShare,
        loadCpu: ours.loadCpuShare,
        note: `${Math.round(ours.perSecond)} authenticated connects/s (target ≥ 5,000); the ceiling opened the same ${count(sockets)} sockets, unauthenticated, at ${Math.round(ceiling.perSecond)}/s${portNote}; memory read 15 s after the last connect, once the connects' garbage is collected (1.5 s after it: ${count(ours.bytesPerConnectionAtOpen)} B ours, ${count(ceiling.bytesPerConnectionAtOpen)} B the ceiling's)`,
      },
    ],
  };
};
