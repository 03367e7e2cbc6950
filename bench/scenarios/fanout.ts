// Fan-out burst: 32 clients in one chat, each sending into it, against the Bun.serve ceiling and
// the Node peer; the compiled binary runs the same burst, for binary parity.
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ceilingCommand,
  count,
  figure,
  medianBy,
  oursFromSource,
  peerCommand,
  percent,
  prepareOurs,
  repo,
  runLoad,
  startOurs,
  startPinned,
  withServer,
} from "../lib.ts";
import type { Row, Scenario } from "../scenario.ts";

const members = 32;
// A burst lasts about a second, so one run moves with any hiccup of the machine (binary parity
// read 0.94× and 1.07× in two runs of the same build): every server runs in turn, three
// rounds, and each one's median counts.
const rounds = 3;

type Burst = Awaited<ReturnType<typeof runLoad<{ perSecond: number }>>>;

export const fanout: Scenario = async ({ full, log }) => {
  const perClient = full ? 1600 : 200;
  log(`fan-out: ${members} clients × ${perClient} messages`);
  const binary = join(tmpdir(), "chat-bench-binary");
  const build = Bun.spawnSync([process.execPath, "scripts/build.ts", "--outfile", binary], {
    cwd: repo,
  });
  if (build.exitCode !== 0) throw new Error(`binary build failed: ${build.stderr}`);

  const ours = (command: string[]) => () =>
    withServer(
      () => startOurs(command),
      async (server) => {
        const { users, chatIds } = await prepareOurs(server.url, members, 1, members);
        return runLoad<{ perSecond: number }>(
          "fanout.ts",
          {
            url: server.url,
            kind: "ours",
            clients: users.map((u) => ({ token: u.token })),
            chatId: chatIds[0],
            perClient,
          },
          server.pid,
        );
      },
    );
  const reference = (command: string[]) => () =>
    withServer(
      () => startPinned(command),
      (server) =>
        runLoad<{ perSecond: number }>(
          "fanout.ts",
          {
            url: server.url,
            kind: "room",
            clients: Array.from({ length: members }, () => ({})),
            chatId: 1,
            perClient,
          },
          server.pid,
        ),
    );
  const servers: [string, () => Promise<Burst>][] = [
    ["ours (bun)", ours(oursFromSource)],
    ["ours (binary)", ours([binary])],
    ["Bun.serve ceiling", reference(ceilingCommand)],
    ["Node + ws peer", reference(peerCommand)],
  ];
  const runs = new Map<string, Burst[]>(servers.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, once] of servers) runs.get(name)?.push(await once());
  }
  const median = new Map<string, Burst>();
  for (const [name, results] of runs) {
    median.set(
      name,
      medianBy(results, (run) => run.perSecond),
    );
    log(`${name}: ${results.map((run) => Math.round(run.perSecond)).join(", ")} deliveries/s`);
  }
  const of = (name: string) => median.get(name) as Burst;

  const burst = (reference: string, target: number): Row => ({
    scenario: "fan-out burst",
    measure: "deliveries/s",
    ours: of("ours (bun)").perSecond,
    reference: of(reference).perSecond,
    referenceName: reference,
    target,
    serverCpu: of("ours (bun)").serverCpuShare,
    loadCpu: Math.max(of("ours (bun)").loadCpuShare, of(reference).loadCpuShare),
  });
  const rows: Row[] = [
    burst("Bun.serve ceiling", 0.6),
    burst("Node + ws peer", 15),
    {
      scenario: "binary parity (fan-out)",
      measure: "deliveries/s",
      ours: of("ours (binary)").perSecond,
      reference: of("ours (bun)").perSecond,
      referenceName: "ours (bun)",
      target: 0.98,
      serverCpu: of("ours (binary)").serverCpuShare,
      loadCpu: of("ours (binary)").loadCpuShare,
    },
  ];
  return {
    rows,
    sections: [
      {
        title: "Fan-out burst in detail",
        blocks: [
          `${members} clients in one chat, each sending ${perClient} messages over its socket; done when
every client has every message (${count(members * members * perClient)} deliveries).
Ours stores every message (group commit) and acknowledges each to its sender; the references
only relay frames. Each server ran ${rounds} times, the servers in turn; the rows above use each
one's median run.`,
          {
            columns: ["server", "deliveries/s (median)", "every run", "server CPU", "load CPU"],
            lines: servers.map(([name]) => [
              name,
              figure(of(name).perSecond),
              (runs.get(name) ?? []).map((run) => figure(run.perSecond)).join(", "),
              percent(of(name).serverCpuShare),
              percent(of(name).loadCpuShare),
            ]),
          },
        ],
      },
    ],
  };
};
