// `bun run bench [--full]`: starts our server and its references in this one run, drives the same
// workload at each, and writes the ratios to docs/benchmarks.md and docs/benchmarks.svg.
// Servers run on core 0, load generators on core 1; a row whose generator saturates its core is
// marked invalid. Default sizes finish in a few minutes; --full uses the issue's sizes.
// `--only cluster` runs just the cluster scenario (PostgreSQL at CHAT_BENCH_POSTGRES, Redis at
// CHAT_BENCH_REDIS, the local ones by default) and prints its rows; the docs are left as they are.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../db/sqlite/store.ts";
import { runCluster } from "./cluster.ts";
import {
  argsFile,
  cpuSeconds,
  generatorKeptUp,
  mintToken,
  prepareOurs,
  type Row,
  type Running,
  repo,
  rssBytes,
  runLoad,
  type StepResult,
  seedChatsOfTen,
  seedHistory,
  startOurs,
  startPinned,
  sustainedStep,
} from "./lib.ts";

const full = process.argv.includes("--full");
const size = {
  fanoutPerClient: full ? 1600 : 200,
  fanoutRounds: 3,
  durableClients: full ? 100 : 40,
  durablePerClient: full ? 500 : 150,
  historyMessages: full ? 1_000_000 : 200_000,
  historyChats: full ? 1000 : 200,
  historySeconds: full ? 20 : 8,
  connections: full ? 19_000 : 10_000,
  manyChatsClients: full ? 10_000 : 2000,
  // Up to what the generator can send: each server's ramp ends where it, or the generator, cannot.
  manyChatsRates: [
    500, 1000, 2000, 4000, 8000, 12_000, 16_000, 20_000, 24_000, 28_000, 32_000, 40_000, 48_000,
    56_000, 64_000, 80_000, 96_000, 128_000,
  ],
  manyChatsStepSeconds: full ? 5 : 3,
  slowMembers: full ? 1000 : 200,
  slowRate: full ? 1000 : 200,
  // At 1,000 members, 4 KB messages are 4 GB/s of deliveries, more than one core can write;
  // 500 bytes for twice as long still back the stalled sockets up past the kernel's buffers.
  slowSeconds: full ? 20 : 10,
  slowMessageBytes: full ? 500 : 4000,
  slowRounds: 3,
  cluster: {
    clients: full ? 4000 : 1000,
    rates: [1000, 2000, 4000, 6000, 8000, 10_000, 12_000, 16_000],
    stepSeconds: full ? 5 : 3,
    latencyChats: 20,
    latencyRate: 500,
    latencySeconds: full ? 20 : 5,
    warmupSeconds: 2,
  },
};

const rows: Row[] = [];
const log = (text: string) => console.log(`· ${text}`);
const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(2));
const lowerIsBetter = (row: Row) => row.measure.includes("lower is better");
const ratio = (row: Row) => row.ours / row.reference;
const meets = (row: Row, target: number) =>
  lowerIsBetter(row) ? ratio(row) <= target : ratio(row) >= target;
const invalid = (row: Row) => row.loadCpu >= 0.95;
const targetCell = (row: Row) =>
  row.target === undefined
    ? "none (measured only)"
    : `${lowerIsBetter(row) ? "≤" : "≥"} ${row.target}×`;
const metCell = (row: Row) => {
  if (invalid(row)) return "invalid: load generator saturated";
  if (row.target === undefined) return "—";
  return meets(row, row.target) ? "yes" : "**no**";
};
const tableHeader = [
  "| scenario | measure | ours | reference | ratio | target | met | server CPU | load CPU |",
  "|---|---|---|---|---|---|---|---|---|",
];
const tableLine = (row: Row) =>
  `| ${row.scenario} | ${row.measure} | ${fmt(row.ours)} | ${fmt(row.reference)} (${row.referenceName}) | ${ratio(row).toFixed(2)}× | ${targetCell(row)} | ${metCell(row)} | ${(row.serverCpu * 100).toFixed(0)}% | ${(row.loadCpu * 100).toFixed(0)}% |`;

const only = process.argv.includes("--only")
  ? process.argv[process.argv.indexOf("--only") + 1]
  : undefined;
if (only !== undefined && only !== "cluster") {
  console.error(`--only: "${only}" is not a scenario that runs alone; "cluster" is`);
  process.exit(2);
}
const ourSourceCommand = [process.execPath, join(repo, "src/main.ts")];
if (only === "cluster") {
  const cluster = await runCluster(ourSourceCommand, size.cluster, log);
  console.log(
    `\n${[...tableHeader, ...cluster.rows.map(tableLine)].join("\n")}\n\n${cluster.rows.map((row) => `- ${row.scenario}: ${row.note}`).join("\n")}\n\n${cluster.details}`,
  );
  process.exit(0);
}

// Build the binary once; our server also runs straight from source.
Bun.spawnSync(
  [process.execPath, "scripts/build.ts", "--outfile", join(tmpdir(), "chat-bench-binary")],
  { cwd: repo },
);
const ourCommands: Record<string, string[]> = {
  "ours (bun)": ourSourceCommand,
  "ours (binary)": [join(tmpdir(), "chat-bench-binary")],
};

async function withServer<T>(
  start: () => Promise<Running>,
  body: (server: Running) => Promise<T>,
): Promise<T> {
  const server = await start();
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

// ——— Fan-out burst: 32 clients in one chat, each sending into it ———
log(`fan-out: 32 clients × ${size.fanoutPerClient} messages`);
type FanoutResult = Awaited<ReturnType<typeof runLoad<{ perSecond: number }>>>;
const fanoutOnce: Record<string, () => Promise<FanoutResult>> = {};
for (const [name, command] of Object.entries(ourCommands)) {
  fanoutOnce[name] = () =>
    withServer(
      () => startOurs(command),
      async (server) => {
        const { users, chatIds } = await prepareOurs(server.url, 32, 1, 32);
        return runLoad<{ perSecond: number }>(
          "fanout.ts",
          {
            url: server.url,
            kind: "ours",
            clients: users.map((u) => ({ token: u.token })),
            chatId: chatIds[0],
            perClient: size.fanoutPerClient,
          },
          server.pid,
        );
      },
    );
}
for (const [name, command] of [
  ["Bun.serve ceiling", [process.execPath, join(repo, "bench/servers/ceiling.ts")]],
  ["Node + ws peer", ["node", join(repo, "bench/servers/peer.mjs")]],
] as const) {
  fanoutOnce[name] = () =>
    withServer(
      () => startPinned([...command]),
      (server) =>
        runLoad<{ perSecond: number }>(
          "fanout.ts",
          {
            url: server.url,
            kind: "room",
            clients: Array.from({ length: 32 }, () => ({})),
            chatId: 1,
            perClient: size.fanoutPerClient,
          },
          server.pid,
        ),
    );
}
// A burst lasts about a second, so one run moves with any hiccup of the machine (binary parity
// read 0.94× and 1.07× in two runs of the same build): every server runs in turn, three
// rounds, and each one's median counts.
const fanoutRuns: Record<string, FanoutResult[]> = Object.fromEntries(
  Object.keys(fanoutOnce).map((name) => [name, []]),
);
for (let round = 0; round < size.fanoutRounds; round++) {
  for (const [name, once] of Object.entries(fanoutOnce)) fanoutRuns[name]?.push(await once());
}
const fanout: Record<string, FanoutResult> = {};
for (const [name, runs] of Object.entries(fanoutRuns)) {
  const sorted = [...runs].sort((a, b) => a.perSecond - b.perSecond);
  fanout[name] = sorted[Math.floor(sorted.length / 2)] as FanoutResult;
  log(`${name}: ${runs.map((run) => Math.round(run.perSecond)).join(", ")} deliveries/s`);
}
const ours = fanout["ours (bun)"] as NonNullable<(typeof fanout)[string]>;
for (const [reference, target] of [
  ["Bun.serve ceiling", 0.6],
  ["Node + ws peer", 15],
] as const) {
  const ref = fanout[reference] as NonNullable<(typeof fanout)[string]>;
  rows.push({
    scenario: "fan-out burst",
    measure: "deliveries/s",
    ours: ours.perSecond,
    reference: ref.perSecond,
    referenceName: reference,
    target,
    serverCpu: ours.serverCpuShare,
    loadCpu: Math.max(ours.loadCpuShare, ref.loadCpuShare),
  });
}
const binary = fanout["ours (binary)"] as NonNullable<(typeof fanout)[string]>;
rows.push({
  scenario: "binary parity (fan-out)",
  measure: "deliveries/s",
  ours: binary.perSecond,
  reference: ours.perSecond,
  referenceName: "ours (bun)",
  target: 0.98,
  serverCpu: binary.serverCpuShare,
  loadCpu: binary.loadCpuShare,
});

// ——— Durable send: every message committed before its ack ———
log(
  `durable send: ${size.durableClients} clients × ${size.durablePerClient} sends, 4 in flight each`,
);
const durable = await withServer(
  () => startOurs(ourCommands["ours (bun)"] as string[]),
  async (server) => {
    const { users, chatIds } = await prepareOurs(
      server.url,
      size.durableClients,
      size.durableClients / 10,
      10,
    );
    const clients = users.map((user, i) => ({
      token: user.token,
      chatId: chatIds[Math.floor(i / 10)] as number,
    }));
    return runLoad<{ perSecond: number; p50: number; p99: number }>(
      "durable.ts",
      { url: server.url, clients, perClient: size.durablePerClient, inFlight: 4 },
      server.pid,
    );
  },
);
const insertLoop = await runLoad<{ perSecond: number }>("insert-loop.ts", {
  total: size.durableClients * size.durablePerClient,
  batch: 100,
});
const durableRow: Row = {
  scenario: "durable send",
  measure: "stored acks/s",
  ours: durable.perSecond,
  reference: insertLoop.perSecond,
  referenceName: "in-process batched insert loop",
  target: 0.8,
  serverCpu: durable.serverCpuShare,
  loadCpu: durable.loadCpuShare,
  note: `closed loop, ${size.durableClients} clients with 4 sends in flight each: ack p50 ${durable.p50.toFixed(1)} ms, p99 ${durable.p99.toFixed(1)} ms (at full throughput that is mostly queueing)`,
};
rows.push(durableRow);
log(
  `durable: ${Math.round(durable.perSecond)} acks/s (p99 ${durable.p99.toFixed(1)} ms) vs loop ${Math.round(insertLoop.perSecond)}/s`,
);

// ——— History reads on a large database ———
log(`history: ${size.historyMessages} messages in ${size.historyChats} chats`);
const historyDir = mkdtempSync(join(tmpdir(), "chat-bench-history-"));
const historyPath = join(historyDir, "chat.db");
const { chatIds: historyChats, token: historyToken } = await seedHistory(
  historyPath,
  size.historyChats,
  size.historyMessages,
);
const history = await withServer(
  () => startOurs(ourCommands["ours (bun)"] as string[], { database: historyPath }),
  (server) =>
    runLoad<{ perSecond: number; p50: number; p99: number }>(
      "history.ts",
      {
        url: server.url,
        token: historyToken,
        chatIds: historyChats,
        connections: 100,
        seconds: size.historySeconds,
      },
      server.pid,
    ),
);
// What HTTP alone costs under the same load: the ceiling answering a fixed page of 50 messages.
const pageCeiling = await withServer(
  () => startPinned([process.execPath, join(repo, "bench/servers/ceiling.ts")]),
  (server) =>
    runLoad<{ perSecond: number }>(
      "history.ts",
      {
        url: server.url,
        chatIds: historyChats,
        connections: 100,
        seconds: size.historySeconds,
        fixedPath: "/page",
      },
      server.pid,
    ),
);
const readLoop = await runLoad<{ perSecond: number }>("read-loop.ts", {
  path: historyPath,
  chatIds: historyChats,
  seconds: size.historySeconds,
});
// Per read, a server costs at least the ceiling's HTTP plus the loop's query.
const historyBound = 1 / (1 + readLoop.perSecond / pageCeiling.perSecond);
rows.push({
  scenario: "history reads",
  measure: "reads/s",
  ours: history.perSecond,
  reference: readLoop.perSecond,
  referenceName: "same query, tight in-process loop",
  target: 0.8,
  serverCpu: history.serverCpuShare,
  loadCpu: history.loadCpuShare,
  note: `p50 ${history.p50.toFixed(1)} ms, p99 ${history.p99.toFixed(1)} ms (target ≤ 10 ms); the Bun.serve ceiling answers a fixed page of 50 messages at ${Math.round(pageCeiling.perSecond).toLocaleString("en-US")}/s under the same load, so a server doing nothing but HTTP and this query would reach ${historyBound.toFixed(2)}× the loop`,
});
log(
  `history: ${Math.round(history.perSecond)} reads/s (p99 ${history.p99.toFixed(1)} ms) vs loop ${Math.round(readLoop.perSecond)}/s`,
);

// ——— Idle connections: memory per connection and connects per second ———
log(`connections: ${size.connections} idle WebSockets`);
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
      "1",
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
// The user is written straight into the database and its token minted here, so that no Argon2
// hash (64 MiB) runs in the server whose memory is being read.
const connectionsDb = join(mkdtempSync(join(tmpdir(), "chat-bench-connections-")), "chat.db");
const idleUser = await (async () => {
  const store = openSqliteStore(`sqlite://${connectionsDb}`, { synchronous: "NORMAL" });
  const { user } = await store.createUser({
    fullname: "Idle",
    email: "idle@bench.test",
    passwordHash: "not used",
    workspace: { name: "Idle" },
  });
  await store.close();
  return user;
})();
const oursConnections = await withServer(
  () => startOurs(ourCommands["ours (bun)"] as string[], { database: connectionsDb }),
  async (server) =>
    rampConnections(server, {
      url: server.url,
      token: await mintToken(idleUser.id),
      count: size.connections,
      concurrency: 100,
      kind: "ours",
    }),
);
const ceilingConnections = await withServer(
  () => startPinned([process.execPath, join(repo, "bench/servers/ceiling.ts")]),
  (server) =>
    rampConnections(server, {
      url: server.url,
      count: size.connections,
      concurrency: 100,
      kind: "room",
    }),
);
// Every client socket takes a local port; once most of the range is in use, the kernel's search
// for a free one slows each connect, the ceiling's as much as ours.
const [lowPort = 32768, highPort = 60999] = readFileSync(
  "/proc/sys/net/ipv4/ip_local_port_range",
  "utf8",
)
  .trim()
  .split(/\s+/)
  .map(Number);
const localPorts = highPort - lowPort + 1;
const portNote =
  localPorts < 2 * size.connections
    ? `; bounded by the client: ${localPorts.toLocaleString("en-US")} local ports for ${size.connections.toLocaleString("en-US")} sockets (see below)`
    : "";
rows.push({
  scenario: "connections",
  measure: "bytes per idle connection (lower is better)",
  ours: oursConnections.bytesPerConnection,
  reference: ceilingConnections.bytesPerConnection,
  referenceName: "Bun.serve ceiling",
  target: 2,
  serverCpu: oursConnections.serverCpuShare,
  loadCpu: oursConnections.loadCpuShare,
  note: `${Math.round(oursConnections.perSecond)} authenticated connects/s (target ≥ 5,000); the ceiling opened the same ${size.connections.toLocaleString("en-US")} sockets, unauthenticated, at ${Math.round(ceilingConnections.perSecond)}/s${portNote}; memory read 15 s after the last connect, once the connects' garbage is collected (1.5 s after it: ${Math.round(oursConnections.bytesPerConnectionAtOpen).toLocaleString("en-US")} B ours, ${Math.round(ceilingConnections.bytesPerConnectionAtOpen).toLocaleString("en-US")} B the ceiling's)`,
});
log(
  `connections: ${Math.round(oursConnections.bytesPerConnection)} B vs ${Math.round(ceilingConnections.bytesPerConnection)} B per connection; ${Math.round(oursConnections.perSecond)} connects/s`,
);

// ——— Many chats: chats of 10, open-loop rising send rate, send→receive latency ———
log(`many chats: ${size.manyChatsClients} connections in chats of 10, rising rate`);
const manyChatsDb = join(mkdtempSync(join(tmpdir(), "chat-bench-many-")), "chat.db");
const manyChatsClients = await (async () => {
  const store = openSqliteStore(`sqlite://${manyChatsDb}`, { synchronous: "NORMAL" });
  const clients = await seedChatsOfTen(store, size.manyChatsClients, "many.test");
  await store.close();
  return clients;
})();
const manyChats: Record<
  string,
  { steps: StepResult[]; loadCpuShare: number; serverCpuShare: number }
> = {};
const manyArgs = {
  rates: size.manyChatsRates,
  stepSeconds: size.manyChatsStepSeconds,
  membersPerRoom: 10,
  // Unmeasured sending first: the first step otherwise carries what the connects left behind
  // (in one run, a p99 of 91 ms at 500 msg/s against 3-5 ms in the others).
  warmupSeconds: 2,
};
manyChats.ours = await withServer(
  () => startOurs(ourCommands["ours (bun)"] as string[], { database: manyChatsDb }),
  (server) =>
    runLoad<{ steps: StepResult[] }>(
      "many-chats.ts",
      {
        urls: [server.url],
        kind: "ours",
        clients: manyChatsClients.map(({ token, room }) => ({ token, room })),
        ...manyArgs,
      },
      server.pid,
    ),
);
for (const [name, command] of [
  ["Bun.serve ceiling", [process.execPath, join(repo, "bench/servers/ceiling.ts")]],
  ["Node + ws peer", ["node", join(repo, "bench/servers/peer.mjs")]],
] as const) {
  manyChats[name] = await withServer(
    () => startPinned([...command]),
    (server) =>
      runLoad<{ steps: StepResult[] }>(
        "many-chats.ts",
        {
          urls: [server.url],
          kind: "room",
          clients: manyChatsClients.map(({ index }) => ({ room: index })),
          ...manyArgs,
        },
        server.pid,
      ),
  );
}
const sustained = (steps: StepResult[]) => sustainedStep(steps)?.offered ?? 0;
/** Whether the ceiling's ramp ended at the generator rather than at the ceiling itself. */
function generatorBound(steps: StepResult[]): string {
  const last = steps.at(-1);
  if (last && !generatorKeptUp(last)) {
    return `the ceiling kept up with every rate the generator could: at ${last.offered.toLocaleString("en-US")} msg/s offered the generator sent ${Math.round(last.sent).toLocaleString("en-US")}/s using ${(last.loadCpu * 100).toFixed(0)}% of its core, so the ceiling's sustained rate is at least the table's and the ratio an upper bound`;
  }
  if (last && last.offered === size.manyChatsRates.at(-1) && sustainedStep(steps) === last) {
    return `the ceiling kept up with every rate offered, up to ${last.offered.toLocaleString("en-US")} msg/s, so its sustained rate is at least that and the ratio an upper bound`;
  }
  return `the ceiling's ramp ended at its own limit, at ${last?.offered.toLocaleString("en-US") ?? "—"} msg/s offered`;
}
const oursMany = manyChats.ours as NonNullable<(typeof manyChats)[string]>;
const ceilingMany = manyChats["Bun.serve ceiling"] as NonNullable<(typeof manyChats)[string]>;
const at2000 = oursMany.steps.find((step) => step.offered === 2000);
// The issue's durable send is the many-chats load with every message committed before its ack:
// the ack latency at the rates many chats sustains is its p99.
const oursSustained = sustainedStep(oursMany.steps);
durableRow.note += `; under the many-chats load (open loop), ack p99 ${at2000?.ackP99?.toFixed(1) ?? "—"} ms at 2,000 msg/s and ${oursSustained?.ackP99?.toFixed(1) ?? "—"} ms at ${oursSustained?.offered.toLocaleString("en-US") ?? "—"} msg/s (target ≤ 20 ms)`;
rows.push({
  scenario: "many chats",
  measure: "sustained msg/s (≥ 99.9% delivered, p99 ≤ 50 ms)",
  ours: sustained(oursMany.steps),
  reference: sustained(ceilingMany.steps),
  referenceName: "Bun.serve ceiling",
  target: 0.7,
  serverCpu: oursMany.serverCpuShare,
  loadCpu: Math.max(oursMany.loadCpuShare, ceilingMany.loadCpuShare),
  note: `p99 send→receive at 2,000 msg/s: ${at2000 ? `${at2000.p99.toFixed(1)} ms` : "not reached"} (target ≤ 5 ms); ${generatorBound(ceilingMany.steps)}`,
});
for (const [name, result] of Object.entries(manyChats))
  log(
    `${name}: sustained ${sustained(result.steps)} msg/s; ${result.steps.map((s) => `${s.offered}→p99 ${s.p99.toFixed(1)}ms ${(s.delivered * 100).toFixed(1)}%`).join(", ")}`,
  );

// Throughput and p99 against offered load, one line per server.
function loadChart(): string {
  const colors: Record<string, string> = {
    ours: "#1164a3",
    "Bun.serve ceiling": "#2bac76",
    "Node + ws peer": "#e01e5a",
  };
  const maxRate = Math.max(...size.manyChatsRates);
  const maxP99 = Math.min(
    200,
    Math.max(5, ...Object.values(manyChats).flatMap((r) => r.steps.map((s) => s.p99))),
  );
  const x = (rate: number) => 60 + (rate / maxRate) * 300;
  const panel = (left: number, title: string, value: (s: StepResult) => number, max: number) =>
    `<g transform="translate(${left},0)"><text x="60" y="20" font-weight="bold">${title}</text>
<line x1="60" y1="230" x2="360" y2="230" stroke="#000"/><line x1="60" y1="30" x2="60" y2="230" stroke="#000"/>
<text x="60" y="248">0</text><text x="330" y="248">${maxRate} msg/s offered</text><text x="10" y="36">${Math.round(max)}</text>
${Object.entries(manyChats)
  .map(
    ([name, result]) =>
      `<polyline fill="none" stroke="${colors[name]}" stroke-width="2" points="${result.steps.map((s) => `${x(s.offered)},${230 - (Math.min(value(s), max) / max) * 200}`).join(" ")}"/>`,
  )
  .join("\n")}</g>`;
  const legend = Object.keys(manyChats)
    .map(
      (name, i) =>
        `<rect x="${70 + i * 170}" y="262" width="12" height="12" fill="${colors[name]}"/><text x="${88 + i * 170}" y="273">${name}</text>`,
    )
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="780" height="285" font-family="sans-serif" font-size="12" role="img">
<title>Delivered messages per second and p99 latency against offered load, for each server</title>
${panel(0, "delivered msg/s", (s) => s.achieved, maxRate)}
${panel(390, "p99 send→receive (ms)", (s) => s.p99, maxP99)}
${legend}
</svg>`;
}
writeFileSync(join(repo, "docs/benchmarks-load.svg"), loadChart());

// ——— Slow consumers: one big chat, 10 members stop reading ———
log(`slow consumers: ${size.slowMembers} members at ${size.slowRate} msg/s, 10 stalled`);
const slowDb = join(mkdtempSync(join(tmpdir(), "chat-bench-slow-")), "chat.db");
const slowSetup = await (async () => {
  const store = openSqliteStore(`sqlite://${slowDb}`, { synchronous: "NORMAL" });
  const first = await store.createUser({
    fullname: "M0",
    email: "m0@slow.test",
    passwordHash: "not used",
    workspace: { name: "Slow" },
  });
  const ids = [first.user.id];
  for (let i = 1; i < size.slowMembers; i++) {
    ids.push(
      (
        await store.createUser({
          fullname: `M${i}`,
          email: `m${i}@slow.test`,
          passwordHash: "not used",
          workspace: { id: first.workspace.id },
        })
      ).user.id,
    );
  }
  const chat = await store.createChat({
    workspaceId: first.workspace.id,
    type: "public_channel",
    name: "everyone",
    ownerId: first.user.id,
    memberIds: ids,
  });
  await store.close();
  return { chatId: chat.value.id, tokens: await Promise.all(ids.map((id) => mintToken(id))) };
})();
type SlowResult = {
  delivered: number;
  p50: number;
  p99: number;
  peakRss: number;
  stalledClosed: number;
  loadCpuShare: number;
  serverCpuShare: number;
};
async function slowRun(stalled: number): Promise<SlowResult> {
  return withServer(
    // A real limit here (the other scenarios raise it for bursts): stalled sockets must hit it.
    () =>
      startOurs(ourCommands["ours (bun)"] as string[], {
        database: slowDb,
        backpressureLimit: 262_144,
      }),
    async (server) => {
      let peakRss = 0;
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, rssBytes(server.pid));
      }, 200);
      const result = await runLoad<{
        delivered: number;
        p50: number;
        p99: number;
        stalledClosed: number;
      }>(
        "slow-consumers.ts",
        {
          url: server.url,
          chatId: slowSetup.chatId,
          tokens: slowSetup.tokens,
          stalled,
          rate: size.slowRate,
          seconds: size.slowSeconds,
          messageBytes: size.slowMessageBytes,
        },
        server.pid,
      );
      clearInterval(sampler);
      return { ...result, peakRss };
    },
  );
}
// A p99 over 20 s moves with any one hiccup of this shared machine (a 50 ms one in either run
// moved the ratio between 0.7× and 2.3×): the runs alternate, three each, and the medians count.
const calmRuns: SlowResult[] = [];
const stalledRuns: SlowResult[] = [];
for (let round = 0; round < size.slowRounds; round++) {
  calmRuns.push(await slowRun(0));
  stalledRuns.push(await slowRun(10));
}
const byP99 = (runs: SlowResult[]) => [...runs].sort((a, b) => a.p99 - b.p99);
const calm = byP99(calmRuns)[Math.floor(size.slowRounds / 2)] as SlowResult;
const stalledRun = byP99(stalledRuns)[Math.floor(size.slowRounds / 2)] as SlowResult;
const p99s = (runs: SlowResult[]) => runs.map((run) => run.p99.toFixed(1)).join(", ");
rows.push({
  scenario: "slow consumers",
  measure: "healthy members' p99 ms, with 10 stalled vs none (lower is better)",
  ours: stalledRun.p99,
  reference: calm.p99,
  referenceName: "the same run without stalls",
  target: 1.2,
  serverCpu: stalledRun.serverCpuShare,
  loadCpu: stalledRun.loadCpuShare,
  note: `the median of ${size.slowRounds} alternating runs each: p99 ${p99s(stalledRuns)} ms with stalls, ${p99s(calmRuns)} ms without; at least ${Math.min(...stalledRuns.map((run) => run.stalledClosed))} of 10 stalled sockets closed by the server in each run; peak server RSS ${(Math.max(...stalledRuns.map((run) => run.peakRss)) / 1e6).toFixed(0)} MB with stalls, ${(Math.max(...calmRuns.map((run) => run.peakRss)) / 1e6).toFixed(0)} MB without; ${(Math.min(...stalledRuns.map((run) => run.delivered)) * 100).toFixed(1)}% delivered to healthy members at least`,
});
log(
  `slow consumers: p99 ${stalledRun.p99.toFixed(1)} ms with stalls vs ${calm.p99.toFixed(1)} ms without; ${stalledRun.stalledClosed} stalled closed`,
);

// ——— Cluster: one instance vs two on PostgreSQL + Redis, latency across instances ———
const cluster = await runCluster(ourCommands["ours (bun)"] as string[], size.cluster, log);
rows.push(...cluster.rows);

// ——— Report ———
const table = [...tableHeader, ...rows.map(tableLine)];
const notes = rows.filter((row) => row.note).map((row) => `- ${row.scenario}: ${row.note}`);
// Every step of the many-chats ramp, for each server; a server's ramp ends at the first step
// it could not keep up with.
const manyChatsLines = size.manyChatsRates.map((rate) => {
  const cells = Object.values(manyChats).map((result) => {
    const step = result.steps.find((s) => s.offered === rate);
    if (step && !generatorKeptUp(step)) {
      return `generator saturated (sent ${Math.round(step.sent).toLocaleString("en-US")}/s, ${(step.loadCpu * 100).toFixed(0)}% CPU) | — | —`;
    }
    return step
      ? `${(step.delivered * 100).toFixed(1)}% | ${step.p50.toFixed(1)} | ${step.p99.toFixed(1)}`
      : "— | — | —";
  });
  return `| ${rate.toLocaleString("en-US")} | ${cells.join(" | ")} |`;
});
const manyChatsHeader = `| offered msg/s | ${Object.keys(manyChats)
  .map((name) => `${name}: delivered | p50 ms | p99 ms`)
  .join(" | ")} |`;
const ceilingOverPeer =
  (fanout["Bun.serve ceiling"]?.perSecond ?? 0) / (fanout["Node + ws peer"]?.perSecond ?? 1);
const fanoutLines = Object.entries(fanout).map(
  ([name, result]) =>
    `| ${name} | ${fmt(result.perSecond)} | ${(fanoutRuns[name] ?? []).map((run) => fmt(run.perSecond)).join(", ")} | ${(result.serverCpuShare * 100).toFixed(0)}% | ${(result.loadCpuShare * 100).toFixed(0)}% |`,
);

// A chart: each scenario's ratio against its target (blue: a row without one).
const barColor = (row: Row) => {
  if (invalid(row)) return "#aaaaaa";
  if (row.target === undefined) return "#1164a3";
  return meets(row, row.target) ? "#2bac76" : "#e01e5a";
};
const width = 720;
const barHeight = 26;
const chart = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${rows.length * (barHeight + 14) + 40}" font-family="sans-serif" font-size="12" role="img">
<title>Benchmark ratios of our server to each reference, against their targets</title>
<text x="10" y="18" font-weight="bold">Ours ÷ reference, measured in one run (line: target; grey: invalid; blue: no target)</text>
${rows
  .map((row, i) => {
    const y = 30 + i * (barHeight + 14);
    const scale = (value: number) => 220 + Math.min(value, 20) * 22;
    return `<text x="10" y="${y + 17}">${row.scenario} vs ${row.referenceName.slice(0, 18)}</text>
<rect x="220" y="${y}" width="${scale(ratio(row)) - 220}" height="${barHeight}" fill="${barColor(row)}"/>
${row.target === undefined ? "" : `<line x1="${scale(row.target)}" x2="${scale(row.target)}" y1="${y - 3}" y2="${y + barHeight + 3}" stroke="#000" stroke-width="2"/>`}
<text x="${scale(ratio(row)) + 6}" y="${y + 17}">${ratio(row).toFixed(2)}×</text>`;
  })
  .join("\n")}
</svg>`;
writeFileSync(join(repo, "docs/benchmarks.svg"), chart);

const cpu = cpus()[0]?.model ?? "unknown CPU";
const report = `# Benchmarks

Generated by \`bun run bench${full ? " --full" : ""}\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpu}), Bun ${Bun.version}.
Every server runs pinned to core 0 and every load generator to core 1 (\`taskset\`); each row's
reference was started in the same run. A row whose load generator used ≥ 95% of its core is
marked invalid. Sizes: ${full ? "the issue's full sizes" : "the default (quick) sizes; `--full` for the issue's"}. Local ports for client
sockets: ${lowPort}–${highPort} (\`net.ipv4.ip_local_port_range\`).

![ratios](benchmarks.svg)

![throughput and p99 against offered load, many chats](benchmarks-load.svg)

${table.join("\n")}

${notes.join("\n")}

## Fan-out burst in detail

32 clients in one chat, each sending ${size.fanoutPerClient} messages over its socket; done when
every client has every message (${(32 * 32 * size.fanoutPerClient).toLocaleString("en-US")} deliveries).
Ours stores every message (group commit) and acknowledges each to its sender; the references
only relay frames. Each server ran ${size.fanoutRounds} times, the servers in turn; the rows above use each
one's median run.

| server | deliveries/s (median) | every run | server CPU | load CPU |
|---|---|---|---|---|
${fanoutLines.join("\n")}

## Many chats in detail

${size.manyChatsClients.toLocaleString("en-US")} connections in chats of ten; each step sends
open-loop at the offered rate for ${size.manyChatsStepSeconds} s, in turn from every client,
and measures send→receive at the receivers, after ${manyArgs.warmupSeconds} s of unmeasured sending at the first rate.
A server's ramp ends at the first step it does not keep up with (under 99% delivered or p99
over 500 ms), or at the first the generator cannot keep up with (it sends under 99% of the rate,
or uses 95% of its core); such a step counts for no server.

${manyChatsHeader}
|${"---|".repeat(1 + 3 * Object.keys(manyChats).length)}
${manyChatsLines.join("\n")}

${cluster.details}
## How to read and regenerate

- \`bun run bench\` (a few minutes) or \`bun run bench --full\` rewrites this page and the chart.
- "ours (bun)" is \`bun src/main.ts\` (what \`bun run start\` runs, without the wrapper process
  whose CPU would not be the server's); "ours (binary)" is \`bun run build\`'s executable.
  Binary parity is read on the fan-out burst only: the many-chats ramp moves in steps of
  15–25%, far coarser than the 2% the target asks to resolve.
- Durable send compares acknowledged, committed sends over the socket (a closed loop, as fast as
  acks come back) with an in-process loop storing through the same store in batches of 100. Its
  ack p99 target is read where the issue puts it, under the many-chats load: every sender there
  gets an ack once its message is committed. History reads compare HTTP reads of the last 50
  messages of random chats (100 connections) with the same query in a tight loop.
- Slow consumers: one public channel of all members (200; 1,000 with \`--full\`), messages of
  4 KB for 10 s (500 bytes for 20 s with \`--full\`: at 1,000 members 4 KB messages are 4 GB/s
  of deliveries, more than one core writes) at a steady rate, with every member reading and
  with 10 of them stalled (raw TCP sockets that stop reading after the handshake), alternately,
  ${size.slowRounds} runs of each; the row compares the medians. Latency is measured by 50 of the
  healthy members (parsing clients); the others count their deliveries without decoding them.
  It runs with a 256 KiB \`realtime.backpressureLimit\` (the other scenarios raise it for
  bursts), and messages that large because Linux's loopback socket buffers absorb megabytes
  before the server's own queue grows.
- Cluster rows have no target: "ours" is two instances (or the path across instances) and the
  reference one instance (or the path within one), both on PostgreSQL + Redis; a ratio below 1×
  (above 1× for latency) is the price of scale-out on this machine. \`bun run bench --only
  cluster\` runs just them and prints them without touching this page.

## What changed the numbers

Each change with what it bought, where it was measured:

| change | found by | effect |
|---|---|---|
| group commit: sends in one event-loop turn share a transaction, each in a savepoint | the issue's design | not measured on its own: it went in before this suite existed (its behaviour is tested in \`test/db/group-commit.test.ts\`) |
| prepared statements for the per-request queries (history page, account lookup) | a CPU profile (\`bun --cpu-prof-md\`): ~35% of a history read was drizzle building and preparing the same SQL | history reads 3,700 → 8,600/s, p50 24 → 10 ms |
| a cache of verified token signatures (per secret; expiry and token version still checked) | the same profile: ~8% re-verifying the same HS256 signature | included in the figure above |
| history pages: response schemas documented, not checked at run time | a CPU profile of the history load: ~25% of a read was Elysia checking our own 50 messages (a date-time format check each) | on a profiling load (100 connections, 200,000 messages): 5,555 → 7,596 reads/s |
| WebSocket: our own socket handlers instead of Elysia's per-frame wrapper | a CPU profile of durable sends: ~10% building a wrapper object with a dozen bound methods per incoming frame | on a profiling load (40 clients, 4 in flight): 11,900 → 12,900 acked sends/s |
| group commit without a savepoint per send (one only after a failure), transaction functions built once | a longer profile of durable sends: 4% defining properties on a new bun:sqlite transaction function per send, plus SAVEPOINT/RELEASE around each | on the same load: 18,700 → 21,600 acked sends/s (the in-process reference uses the same store, so it gains too) |
| connect: no replay query for a client already up to date (read only up to the newest id committed once its chats are read); its chats by a prepared statement | a profile of connects: the replay's union query on top even with nothing to replay | on a profiling load (one user, three chats, 64 connecting at a time): 4,800 → 12,500 connects/s |
| WebSocket transport and session as classes instead of eight closures per socket | reading what an idle socket holds | on a 10,000-socket ramp: 8.2 → 7.5 KB of RSS growth per connection (connect garbage included) |
| WAL checkpoints copied by a worker thread on its own connection; the writer only finishes them, at 16 MB of log instead of 4 | timing every group-commit transaction during many chats at 1,000–2,000 msg/s: ~25 over 2 ms in 10 s, most ~5 ms, each a checkpoint's copy and fsync inside a commit | transactions over 2 ms: ~25 → 1 in 15 s; with the next row, many chats p99 at 2,000 msg/s (10,000 connections, quick runs) 7–10 → 4.3–5.4 ms |
| slow-consumer sweep over a flat list, a tenth of it every 10 ms, instead of every per-user set every 100 ms | timing each sweep: 1.3–3.5 ms per pass over 10,000 connections, ten passes a second, each a stall for every send arriving meanwhile | included in the figure above |
| an idle connection's replay buffer, held typing and topic set made only when needed (Bun keeps a socket's topics) | heap statistics after a full collection: ~1.2 KB of JavaScript heap per idle socket | after a full collection, RSS per idle socket on a 10,000-socket ramp 4.9 → 3.6–4.2 KB |
| acks owed to one socket in a turn written together, corked, instead of one write each | a fan-out burst without any acks ran ~25% faster | fan-out 0.77–0.80M → 0.92–1.01M deliveries/s; durable sends 24–28k → 30–31k acks/s (alternating runs against the tree before) |
| a send is one insert (a repeated clientId found by \`on conflict do nothing\`), and no file check for a message without files | the durable-send profile: a lookup before every insert | not measurable here: identical durable runs differ by ±10% on this shared machine |
| membership checked by the insert that stores the message (\`insert … select … where exists\`), not by a query before it; frames checked by compiled TypeBox validators | the durable-send profile: ~12% in the access query before each send, ~2% walking the frame schema | durable sends 38–42k → 48–52k acks/s (alternating runs, 100 clients, 4 in flight); the loop, which now pays the check too, lost ~3% |
| each chat's row moved on once per group commit instead of once per message; the U+0000 walk over a frame builds no strings unless it finds one | the same profile: an update per message, one chat row rewritten up to a batch's size | not measurable apart from the noise |
| an ack to a user's only connection published to the user's topic, so that Bun writes it with the event it acknowledges | many chats at 24,000 msg/s under the profiler: ~11% writing acks, one write each | many chats, 10,000 sockets: 28,000 msg/s passed in both alternating runs (p99 32–46 ms) and failed in two of three without (p99 364–409 ms) |
| shutdown tells no connection who went offline (everyone here is being closed) | the same profile: ~30 s in \`close\` after the run, each socket's offline announced to all the others | SIGTERM with 10,000 sockets: 28.9 s → 0.19 s to exit |
| the backpressure sweep checks every connection once a second instead of ten times; a publish that reports backpressure still brings on a pass within 50 ms | many chats at 20,000 msg/s (10,000 sockets) under the profiler: 3.7% of samples reading each socket's buffered amount | that profile: 3.7% → 0.5% of samples; stalled sockets are still closed (the slow-consumer tests pass with no periodic sweep at all) |
| the event log's per-user index holds user events only (\`where user_id is not null\`), not a null entry for every message's event | timing the statements of one send: the event insert ~4.7 µs of ~11 µs, one of three index writes being a null key | the in-process insert loop ~76k → ~80k messages/s; replay still uses the index (checked with \`explain query plan\`) |
| (the measurement, not the server) memory per idle connection read 15 s after the last connect instead of 1.5 s | heap statistics after a full collection, 19,000 idle sockets: ~575 B of JavaScript heap each (five objects, a Set, three strings, the ServerWebSocket); RSS per socket 5.4 KB at 1.5 s and 3.4 KB at 10 s, nothing else changing | ours 4.2–4.8 KB → ~2.9–3.4 KB per connection, the ceiling's ~1.9 → ~1.8 KB: the connects' uncollected garbage had been counted as held |

## Where the targets are missed, and what bounds them

- **Fan-out vs the ceiling**: the row is invalid on this machine: one core cannot generate and
  count the ceiling's deliveries (the generator saturated at ${((fanout["Bun.serve ceiling"]?.perSecond ?? 0) / 1e6).toFixed(1)} million a second). Ours
  does all the ceiling does plus, per message, a JSON parse and schema check of the frame, a
  stored row and event (with the membership check), and an ack.
- **Fan-out vs the Node peer (≥ 15×)**: in this run the Bun.serve ceiling, which only relays
  frames, reached ${ceilingOverPeer.toFixed(1)}× the peer (bounded by the generator). Ours
  stores every message (group commit) and acknowledges it before it is delivered, while the
  peer relays frames in memory. 15× the peer is ${Math.round((15 * (fanout["Node + ws peer"]?.perSecond ?? 0)) / 32).toLocaleString("en-US")} stored messages a second
  (each to 32 members), ${(1e6 / ((15 * (fanout["Node + ws peer"]?.perSecond ?? 1)) / 32)).toFixed(0)} µs per message for everything; storing a message alone,
  with no network at all, takes ${(1e6 / insertLoop.perSecond).toFixed(1)} µs here (durable send's in-process loop).
- **Durable send (≥ 0.8× of the in-process loop)**: in a CPU profile of the closed loop
  (\`bun bench/profile.ts durable\`), the statements and commits the loop also runs are ~60% of
  our server's time; Bun's publish ~8%, writing acks ~5%, JSON in and out ~4%, and frames,
  promises and the hub the rest. The loop does only the first part, so 0.8× would need all the
  rest to cost a quarter of it: ${((1e6 / insertLoop.perSecond) * 0.25).toFixed(1)} µs a message, for a WebSocket frame in, its checks, a
  fan-out to ten sockets and an ack out.
- **History reads (≥ 0.8×, p99 ≤ 10 ms)**: a read costs at least what Bun.serve spends answering
  a request plus the query itself; measured apart in this run (the ceiling's fixed page under the
  same load, and the loop), those two alone allow ${historyBound.toFixed(2)}× the loop, before
  authentication, the membership check, mapping rows and JSON. In a CPU profile of the load
  (\`bun bench/profile.ts history\`), the query is ~43% of our server's time and turning its
  rows into messages ~10% (both in the loop too); reading the account and the membership ~10%,
  JSON out ~7%, the request log and metrics ~3%, and Elysia and Bun's HTTP the rest. 100 concurrent connections on one
  core at our rate put ${(100_000 / history.perSecond).toFixed(0)} ms of queueing on each read
  (Little's law), so p99 ≤ 10 ms needs more than 10,000 reads/s.
- **Many chats (≥ 0.7× the ceiling's sustained rate)**: ours queues (p99 rises steeply) on its
  one core past the rate in the table, storing and acknowledging each message. The ceiling only
  relays frames, and kept up to ${sustained(ceilingMany.steps).toLocaleString("en-US")} msg/s; 0.7× that is ${Math.round(0.7 * sustained(ceilingMany.steps)).toLocaleString("en-US")} stored messages a
  second, ${(((0.7 * sustained(ceilingMany.steps)) / insertLoop.perSecond) * 100).toFixed(0)}% of a core for the inserts and commits alone (the in-process loop of
  durable send stores ${Math.round(insertLoop.perSecond).toLocaleString("en-US")}/s), before the frames, the fan-out to ten sockets and the acks. At
  2,000 msg/s, p99 includes two stalls of the event loop that are now gone (WAL checkpoints
  inside commits, a sweep over every connection; see the changes above). What remains above
  the median is mostly garbage collection: with 10,000 connections' objects in the heap, eden
  collections pause the server 1–2 ms a few times a second (\`BUN_JSC_logGC\`), and every send
  that arrives meanwhile waits. The ceiling's p99 in the detail table is the generator's floor.
- **Slow consumers (≤ 1.2×)**: the p99 of one 20 s run moves with any single hiccup of this
  shared machine (a 50 ms pause in either run moved the ratio between 0.7× and 2.3× in runs of
  the same code), so the row compares medians of alternating runs; the note gives each run's
  figure.
- **Connections (≤ 2× the ceiling's memory)**: met since memory is read once the connects'
  garbage is collected; read 1.5 s after the ramp, as before, the row swung between 1.9× and
  2.6×. After a full collection an idle socket of ours holds ~575 B of JavaScript heap (its
  session, connection, transport, chat set and context) against ~130 B for the ceiling, and
  two topic subscriptions (user, workspace) against one. Connects/s are bounded by what each
  connect does that the ceiling does not: a token check, an account read, the newest and oldest event ids and the user's chats,
  and its topic subscriptions. With Linux's default range of local ports (32768–60999), a ramp
  to 19,000 sockets from one client address is bounded by the client: once two thirds of the
  ports are taken, the kernel's search for a free one slows every connect, and the ceiling,
  which does none of that work, connected at ~3,900/s (~15,000/s over 10,000 sockets). With
  the range widened (\`sysctl -w net.ipv4.ip_local_port_range="10000 65000"\`) the ceiling
  connected at ~17,700/s over 19,000; the suite reports the range it ran with at the top.
${
  full
    ? ""
    : `
## Sizes

- These are the quick sizes; \`bun run bench --full\` runs the issue's (19,000 connections,
  1,000,000 messages, 10,000 many-chats clients) in about fifteen minutes.
`
}`;
writeFileSync(join(repo, "docs/benchmarks.md"), report);
console.log(
  `\n${table.join("\n")}\n\n${notes.join("\n")}\n\nwrote docs/benchmarks.md and docs/benchmarks.svg`,
);
