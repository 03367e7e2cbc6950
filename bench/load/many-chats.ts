// Many chats: every client sits in one chat (a room) of ten; messages are sent open-loop at a
// rising total rate, step by step. Each message carries its send time, so receivers (parsing
// clients) measure send→receive latency. A step's result: offered and delivered rates, the share
// delivered, and latency percentiles.
import { percentile, readArgs } from "../lib.ts";

type Args = {
  url: string;
  kind: "ours" | "room";
  clients: { token?: string; room: number }[];
  rates: number[];
  stepSeconds: number;
  membersPerRoom: number;
};
const args = readArgs<Args>();
const cpuAtStart = process.cpuUsage();

type Step = { sent: number; received: number; latencies: number[] };
const steps: Step[] = args.rates.map(() => ({ sent: 0, received: 0, latencies: [] }));
const pattern = /"content":"t:([0-9.]+):([0-9]+)"/;

const sockets = await Promise.all(
  args.clients.map(
    (client) =>
      new Promise<WebSocket>((resolve, reject) => {
        const url =
          args.kind === "ours"
            ? `${args.url.replace("http", "ws")}/api/ws?token=${client.token}`
            : `${args.url.replace("http", "ws")}/ws?room=${client.room}`;
        const socket = new WebSocket(url);
        socket.onerror = () => reject(new Error("connect failed"));
        socket.onmessage = (event) => {
          const text = event.data as string;
          if (text.includes('"ready"')) return resolve(socket);
          const match = pattern.exec(text);
          if (!match) return;
          // Ours also sends acks (with the same content); only deliveries count.
          if (args.kind === "ours" && !text.startsWith('{"id"')) return;
          const step = steps[Number(match[2])];
          if (!step) return;
          step.received++;
          step.latencies.push(performance.now() - Number(match[1]));
        };
      }),
  ),
);

const started = performance.now();
console.log("START");
let next = 0;
const results = [];
for (const [index, rate] of args.rates.entries()) {
  const step = steps[index] as Step;
  const tickMs = 10;
  const perTick = rate / (1000 / tickMs);
  let owed = 0;
  const stepStart = performance.now();
  while (performance.now() - stepStart < args.stepSeconds * 1000) {
    owed += perTick;
    for (; owed >= 1; owed--) {
      const i = next++ % sockets.length;
      const client = args.clients[i] as Args["clients"][number];
      const content = `t:${performance.now().toFixed(3)}:${index}`;
      (sockets[i] as WebSocket).send(
        `{"type":"send","chatId":${client.room},"content":"${content}","clientId":"m${next}"}`,
      );
      step.sent++;
    }
    await Bun.sleep(tickMs);
  }
  await Bun.sleep(1000);
  const expected = step.sent * args.membersPerRoom;
  const result = {
    offered: rate,
    achieved: step.received / args.membersPerRoom / args.stepSeconds,
    delivered: expected ? step.received / expected : 0,
    p50: percentile(step.latencies, 50),
    p99: percentile(step.latencies, 99),
  };
  results.push(result);
  console.log(`step ${JSON.stringify(result)}`);
  // A rate the server could not keep up with ends the ramp: the next would only pile up.
  if (result.delivered < 0.99 || result.p99 > 500) break;
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
for (const socket of sockets) socket.close();
console.log(JSON.stringify({ seconds, steps: results, loadCpu: (cpu.user + cpu.system) / 1e6 }));
process.exit(0);
