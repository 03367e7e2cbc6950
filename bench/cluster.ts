// The cluster scenario, run by run.ts: our server on PostgreSQL + Redis, one instance against two
// sharing the database on the many-chats load, and send→receive latency from one instance to
// another against within one. Every instance is pinned to the server core, as the single one is.
import { openPostgresStore } from "../db/postgres/store.ts";
import {
  cpuBetween,
  createPostgresDatabase,
  type Row,
  type Running,
  redisUrl,
  runLoad,
  type StepResult,
  seedChatsOfTen,
  sharedFilesDir,
  startOurs,
  sustainedStep,
} from "./lib.ts";

export type ClusterSize = {
  /** Connections (users), in chats of ten. */
  clients: number;
  rates: number[];
  stepSeconds: number;
  /** Chats per path (same instance, across instances) in the latency run. */
  latencyChats: number;
  latencyRate: number;
  latencySeconds: number;
  /** Unmeasured sending before each run: every connect announces presence to the workspace. */
  warmupSeconds: number;
};

type PathResult = { sent: number; delivered: number; p50: number; p99: number };

export async function runCluster(
  command: string[],
  size: ClusterSize,
  log: (text: string) => void,
): Promise<{ rows: Row[]; details: string }> {
  const database = await createPostgresDatabase();
  const running: Running[] = [];
  try {
    const seeding = await openPostgresStore(database.url, { poolSize: 2 });
    const clients = await seedChatsOfTen(seeding, size.clients, "cluster.bench.test");
    await seeding.close();
    const files = sharedFilesDir();
    // One at a time: each start claims the cluster id in the database.
    const startInstances = async (count: number) => {
      const instances: Running[] = [];
      for (let i = 0; i < count; i++) {
        const instance = await startOurs(command, {
          database: database.url,
          pubsubUrl: redisUrl,
          filesDir: files,
        });
        running.push(instance);
        instances.push(instance);
      }
      return instances;
    };
    const stopAll = async () => {
      for (const instance of running.splice(0)) await instance.stop();
    };

    // PostgreSQL is not ours to pin: its CPU is read from our database's backends over the
    // measured part of the run, and shown apart from the servers'.
    const ramp = async (instances: Running[]) => {
      let before: Promise<Map<number, number>> = Promise.resolve(new Map());
      const result = await runLoad<{ steps: StepResult[] }>(
        "many-chats.ts",
        {
          urls: instances.map((instance) => instance.url),
          kind: "ours",
          clients: clients.map(({ token, room }) => ({ token, room })),
          rates: size.rates,
          stepSeconds: size.stepSeconds,
          membersPerRoom: 10,
          warmupSeconds: size.warmupSeconds,
        },
        instances.map((instance) => instance.pid),
        () => {
          before = database.backendCpuSeconds();
        },
      );
      const databaseCpu = cpuBetween(await before, await database.backendCpuSeconds());
      return { ...result, databaseCpuShare: databaseCpu / result.seconds };
    };

    log(`cluster: ${size.clients} connections in chats of 10 on one instance, rising rate`);
    const one = await ramp(await startInstances(1));
    await stopAll();

    const [a, b] = (await startInstances(2)) as [Running, Running];
    log(
      `cluster: latency at ${size.latencyRate} msg/s, ${size.latencyChats} chats per path, sender on A`,
    );
    if (clients.length < size.latencyChats * 2 * 10) {
      throw new Error("cluster: fewer clients than the latency run's chats need");
    }
    const latencyChats = Array.from({ length: size.latencyChats * 2 }, (_, c) => {
      const [sender, ...receivers] = clients.slice(c * 10, c * 10 + 10) as typeof clients;
      const path = c % 2 === 0 ? ("same" as const) : ("cross" as const);
      const receiversOn = path === "same" ? a : b;
      return {
        path,
        chatId: sender?.room as number,
        sender: { url: a.url, token: sender?.token as string },
        receivers: receivers.map((r) => ({ url: receiversOn.url, token: r.token })),
      };
    });
    const latency = await runLoad<{ same: PathResult; cross: PathResult }>(
      "cross-instance.ts",
      {
        chats: latencyChats,
        rate: size.latencyRate,
        seconds: size.latencySeconds,
        warmupSeconds: size.warmupSeconds,
      },
      [a.pid, b.pid],
    );

    log(`cluster: the same load spread over two instances`);
    const two = await ramp([a, b]);
    await stopAll();

    const oneBest = sustainedStep(one.steps);
    const twoBest = sustainedStep(two.steps);
    const atBest = (step: StepResult | undefined) =>
      step
        ? `${step.offered.toLocaleString("en-US")} msg/s at p99 ${step.p99.toFixed(1)} ms`
        : "none";
    for (const [name, result] of [
      ["one instance", one],
      ["two instances", two],
    ] as const) {
      log(
        `cluster, ${name}: sustained ${atBest(sustainedStep(result.steps))}; ${result.steps.map((s) => `${s.offered}→p99 ${s.p99.toFixed(1)}ms ${(s.delivered * 100).toFixed(1)}%`).join(", ")}`,
      );
    }
    log(
      `cluster latency: across p50 ${latency.cross.p50.toFixed(1)} ms, p99 ${latency.cross.p99.toFixed(1)} ms; same instance p50 ${latency.same.p50.toFixed(1)} ms, p99 ${latency.same.p99.toFixed(1)} ms`,
    );

    const percent = (share: number) => `${(share * 100).toFixed(0)}%`;
    const rows: Row[] = [
      {
        scenario: "cluster: many chats",
        measure: "sustained msg/s on PostgreSQL + Redis (≥ 99.9% delivered, p99 ≤ 50 ms)",
        ours: twoBest?.offered ?? 0,
        reference: oneBest?.offered ?? 0,
        referenceName: "one instance",
        serverCpu: two.serverCpuShare,
        loadCpu: Math.max(one.loadCpuShare, two.loadCpuShare),
        note: `two instances ${atBest(twoBest)}, one instance ${atBest(oneBest)}; both instances share core 0; the servers used ${percent(two.serverCpuShare)} of it with two, ${percent(one.serverCpuShare)} with one; PostgreSQL (unpinned) used ${percent(two.databaseCpuShare)} of a core with two, ${percent(one.databaseCpuShare)} with one`,
      },
      {
        scenario: "cluster: latency",
        measure: `p99 send→receive ms at ${size.latencyRate} msg/s, receivers on another instance vs the sender's (lower is better)`,
        ours: latency.cross.p99,
        reference: latency.same.p99,
        referenceName: "same instance, same run",
        serverCpu: latency.serverCpuShare,
        loadCpu: latency.loadCpuShare,
        note: `p50 ${latency.cross.p50.toFixed(1)} ms across instances, ${latency.same.p50.toFixed(1)} ms within one; ${(latency.cross.delivered * 100).toFixed(1)}% and ${(latency.same.delivered * 100).toFixed(1)}% delivered`,
      },
    ];

    const stepRows = size.rates
      .filter(
        (rate) =>
          one.steps.some((s) => s.offered === rate) || two.steps.some((s) => s.offered === rate),
      )
      .map((rate) => {
        const cell = (steps: StepResult[]) => {
          const step = steps.find((s) => s.offered === rate);
          return step
            ? `${(step.delivered * 100).toFixed(1)}% | ${step.p50.toFixed(1)} | ${step.p99.toFixed(1)}`
            : "— | — | —";
        };
        return `| ${rate.toLocaleString("en-US")} | ${cell(one.steps)} | ${cell(two.steps)} |`;
      });
    const details = `## Cluster in detail

Our server with \`database.url: postgres://…\` and \`pubsub.url: redis://…\`, on one fresh
PostgreSQL database that the run creates and drops. The many-chats load (${size.clients.toLocaleString("en-US")} connections in
chats of 10, open-loop rising rate, ${size.stepSeconds} s a step) runs once against one instance and once
spread in turn over two, so half of each chat's members are on the other instance than its
sender. Both instances are pinned to core 0, where the single one ran alone: on this 2-core
machine a second instance adds no CPU, only the Redis hop and the share of one core, so the
ratio shows what scale-out costs rather than what it buys. PostgreSQL and Redis are not pinned
(they are the machine's own) and their CPU is not in the server column; PostgreSQL's, read
from the backends serving the run's database, is in the note (Redis's is not measured). Every run first sends for
${size.warmupSeconds} s unmeasured, while the connects' presence announcements (to the whole workspace) settle.

The latency row sends ${size.latencyRate} msg/s for ${size.latencySeconds} s from senders on instance A, in turn into
${size.latencyChats} chats whose other nine members are on instance B and ${size.latencyChats} whose members are on A:
both paths under the same load, in the same run.

| offered msg/s | one instance: delivered | p50 ms | p99 ms | two instances: delivered | p50 ms | p99 ms |
|---|---|---|---|---|---|---|
${stepRows.join("\n")}

| path | delivered | p50 ms | p99 ms |
|---|---|---|---|
| sender on A, receivers on B | ${(latency.cross.delivered * 100).toFixed(1)}% | ${latency.cross.p50.toFixed(1)} | ${latency.cross.p99.toFixed(1)} |
| sender and receivers on A | ${(latency.same.delivered * 100).toFixed(1)}% | ${latency.same.p50.toFixed(1)} | ${latency.same.p99.toFixed(1)} |
`;
    return { rows, details };
  } finally {
    for (const instance of running) await instance.stop();
    await database.drop();
  }
}
