// Durable send: every message committed before its ack, in a closed loop over the socket, against
// an in-process loop storing through the same store in batches of 100.
import { oursFromSource, prepareOurs, runLoad, startOurs, withServer } from "../lib.ts";
import type { Scenario } from "../scenario.ts";

const inFlight = 4;

export const durable: Scenario = async ({ full, log }) => {
  const clients = full ? 100 : 40;
  const perClient = full ? 500 : 150;
  log(`durable send: ${clients} clients × ${perClient} sends, ${inFlight} in flight each`);
  const result = await withServer(
    () => startOurs(oursFromSource),
    async (server) => {
      const { users, chatIds } = await prepareOurs(server.url, clients, clients / 10, 10);
      return runLoad<{ perSecond: number; p50: number; p99: number }>(
        "durable.ts",
        {
          url: server.url,
          clients: users.map((user, i) => ({
            token: user.token,
            chatId: chatIds[Math.floor(i / 10)] as number,
          })),
          perClient,
          inFlight,
        },
        server.pid,
      );
    },
  );
  const loop = await runLoad<{ perSecond: number }>("insert-loop.ts", {
    total: clients * perClient,
    batch: 100,
  });
  log(
    `durable: ${Math.round(result.perSecond)} acks/s (p99 ${result.p99.toFixed(1)} ms) vs loop ${Math.round(loop.perSecond)}/s`,
  );
  return {
    rows: [
      {
        scenario: "durable send",
        measure: "stored acks/s",
        ours: result.perSecond,
        reference: loop.perSecond,
        referenceName: "in-process batched insert loop",
        target: 0.8,
        serverCpu: result.serverCpuShare,
        loadCpu: result.loadCpuShare,
        // The ack p99 target is read under the many-chats load (see that row).
        note: `closed loop, ${clients} clients with ${inFlight} sends in flight each: ack p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms (at full throughput that is mostly queueing)`,
      },
    ],
  };
};
