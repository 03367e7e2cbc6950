// The cluster scenario: our server on PostgreSQL + Redis (CHAT_BENCH_POSTGRES, CHAT_BENCH_REDIS;
// the local ones by default), one instance against two sharing the database on the many-chats
// load, and send→receive latency from one instance to another against within one. Every
// instance is pinned to the server core, as the single one is.
import { openPostgresStore } from "../../db/postgres/store.ts";
import {
  count,
  cpuBetween,
  createPostgresDatabase,
  oursFromSource,
  percent,
  type Running,
  redisUrl,
  runLoad,
  type StepResult,
  seedChatsOfTen,
  sharedFilesDir,
  startOurs,
  sustainedStep,
} from "../lib.ts";
import type { Row, Scenario, Table } from "../scenario.ts";

const rates = [1000, 2000, 4000, 6000, 8000, 10_000, 12_000, 16_000];
/** Chats per path (same instance, across instances) in the latency run, and their rate. */
const latencyChats = 20;
const latencyRate = 500;
/** Unmeasured sending before each run: every connect announces presence to the workspace. */
const warmupSeconds = 2;

type PathResult = { sent: number; delivered: number; p50: number; p99: number };

export const cluster: Scenario = async ({ full, log }) => {
  const clients = full ? 4000 : 1000;
  const stepSeconds = full ? 5 : 3;
  const latencySeconds = full ? 20 : 5;
  const database = await createPostgresDatabase();
  const running: Running[] = [];
  try {
    const seeding = await openPostgresStore(database.url, { poolSize: 2 });
    const seeded = await seedChatsOfTen(seeding, clients, "cluster.bench.test");
    await seeding.close();
    const files = sharedFilesDir();
    // One at a time: each start claims the cluster id in the database.
    const startInstances = async (howMany: number) => {
      const instances: Running[] = [];
      for (let i = 0; i < howMany; i++) {
        const instance = await startOurs(oursFromSource, {
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
          clients: seeded.map(({ token, room }) => ({ token, room })),
          rates,
          stepSeconds,
          membersPerRoom: 10,
          warmupSeconds,
        },
        instances.map((instance) => instance.pid),
        () => {
          before = database.backendCpuSeconds();
        },
      );
      const databaseCpu = cpuBetween(await before, await database.backendCpuSeconds());
      return { ...result, databaseCpuShare: databaseCpu / result.seconds };
    };

    log(`cluster: ${clients} connections in chats of 10 on one instance, rising rate`);
    const one = await ramp(await startInstances(1));
    await stopAll();

    const [a, b] = (await startInstances(2)) as [Running, Running];
    log(`cluster: latency at ${latencyRate} msg/s, ${latencyChats} chats per path, sender on A`);
    if (seeded.length < latencyChats * 2 * 10) {
      throw new Error("cluster: fewer clients than the latency run's chats need");
    }
    const chats = Array.from({ length: latencyChats * 2 }, (_, c) => {
      const [sender, ...receivers] = seeded.slice(c * 10, c * 10 + 10) as typeof seeded;
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
        chats,
        rate: latencyRate,
        seconds: latencySeconds,
        warmupSeconds,
      },
      [a.pid, b.pid],
    );

    log(`cluster: the same load spread over two instances`);
    const two = await ramp([a, b]);
    await stopAll();

    const oneBest = sustainedStep(one.steps);
    const twoBest = sustainedStep(two.steps);
    const atBest = (step: StepResult | undefined) =>
      step ? `${count(step.offered)} msg/s at p99 ${step.p99.toFixed(1)} ms` : "none";
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
        measure: `p99 send→receive ms at ${latencyRate} msg/s, receivers on another instance vs the sender's`,
        lowerIsBetter: true,
        ours: latency.cross.p99,
        reference: latency.same.p99,
        referenceName: "same instance, same run",
        serverCpu: latency.serverCpuShare,
        loadCpu: latency.loadCpuShare,
        note: `p50 ${latency.cross.p50.toFixed(1)} ms across instances, ${latency.same.p50.toFixed(1)} ms within one; ${(latency.cross.delivered * 100).toFixed(1)}% and ${(latency.same.delivered * 100).toFixed(1)}% delivered`,
      },
    ];

    const step = (steps: StepResult[], rate: number) => {
      const found = steps.find((s) => s.offered === rate);
      return found
        ? [`${(found.delivered * 100).toFixed(1)}%`, found.p50.toFixed(1), found.p99.toFixed(1)]
        : ["—", "—", "—"];
    };
    const ramps: Table = {
      columns: [
        "offered msg/s",
        "one instance: delivered",
        "p50 ms",
        "p99 ms",
        "two instances: delivered",
        "p50 ms",
        "p99 ms",
      ],
      lines: rates
        .filter((rate) => [...one.steps, ...two.steps].some((s) => s.offered === rate))
        .map((rate) => [count(rate), ...step(one.steps, rate), ...step(two.steps, rate)]),
    };
    const path = (name: string, result: PathResult) => [
      name,
      `${(result.delivered * 100).toFixed(1)}%`,
      result.p50.toFixed(1),
      result.p99.toFixed(1),
    ];
    const paths: Table = {
      columns: ["path", "delivered", "p50 ms", "p99 ms"],
      lines: [
        path("sender on A, receivers on B", latency.cross),
        path("sender and receivers on A", latency.same),
      ],
    };
    const details = [
      `Our server with \`database.url: postgres://…\` and \`pubsub.url: redis://…\`, on one fresh
PostgreSQL database that the run creates and drops. The many-chats load (${count(clients)} connections in
chats of 10, open-loop rising rate, ${stepSeconds} s a step) runs once against one instance and once
spread in turn over two, so half of each chat's members are on the other instance than its
sender. Both instances are pinned to core 0, where the single one ran alone: on this 2-core
machine a second instance adds no CPU, only the Redis hop and the share of one core, so the
ratio shows what scale-out costs rather than what it buys. PostgreSQL and Redis are not pinned
(they are the machine's own) and their CPU is not in the server column; PostgreSQL's, read
from the backends serving the run's database, is in the note (Redis's is not measured). Every run first sends for
${warmupSeconds} s unmeasured, while the connects' presence announcements (to the whole workspace) settle.`,
      `The latency row sends ${latencyRate} msg/s for ${latencySeconds} s from senders on instance A, in turn into
${latencyChats} chats whose other nine members are on instance B and ${latencyChats} whose members are on A:
both paths under the same load, in the same run.`,
      ramps,
      paths,
    ];
    return { rows, sections: [{ title: "Cluster in detail", blocks: details }] };
  } finally {
    for (const instance of running) await instance.stop();
    await database.drop();
  }
};
