// Many chats: every client sits in one chat (a room) of ten; messages are sent open-loop at a
// rising total rate, step by step. Each message carries its send time, so receivers (parsing
// clients) measure send→receive latency. A step's result: offered and delivered rates, the share
// delivered, and latency percentiles. With several URLs (instances of one cluster), clients are
// spread over them in turn, so a chat's members sit on different instances.
import { generatorKeptUp, percentile, readArgs, sendOpenLoop } from "../lib.ts";

type Args = {
  urls: string[];
  kind: "ours" | "room";
  clients: { token?: string; room: number }[];
  rates: number[];
  stepSeconds: number;
  membersPerRoom: number;
  /** Unmeasured sending at the first rate before the ramp, e.g. while presence settles. */
  warmupSeconds?: number;
};
const args = readArgs<Args>();

/** Per step: deliveries' send→receive latencies, and (ours) the senders' send→ack latencies. */
type Step = { sent: number; received: number; latencies: number[]; acks: number[] };
const steps: Step[] = args.rates.map(() => ({ sent: 0, received: 0, latencies: [], acks: [] }));
const pattern = /"content":"t:([0-9.]+):([0-9]+)"/;
// Client ids are unique per sender and chat: a second run on the same database must not repeat
// them, or the server answers with the stored message and delivers nothing.
const runId = crypto.randomUUID().slice(0, 8);

// A server that dies while thousands connect can leave sockets neither open nor failed.
const connecting = setTimeout(() => {
  console.error("many-chats: the connects did not finish within 60 s");
  process.exit(1);
}, 60_000);
/** Opens client `i`'s socket; resolves at its `ready`, then counts what it receives. */
const open = (i: number) =>
  new Promise<WebSocket>((resolve, reject) => {
    const client = args.clients[i] as Args["clients"][number];
    const base = (args.urls[i % args.urls.length] as string).replace("http", "ws");
    const url =
      args.kind === "ours"
        ? `${base}/api/ws?token=${client.token}`
        : `${base}/ws?room=${client.room}`;
    const socket = new WebSocket(url);
    socket.onerror = () => reject(new Error("connect failed"));
    socket.onclose = () => reject(new Error("closed before ready"));
    socket.onmessage = (event) => {
      const text = event.data as string;
      if (text.includes('"ready"')) return resolve(socket);
      const match = pattern.exec(text);
      if (!match) return;
      const step = steps[Number(match[2])];
      if (!step) return;
      // Ours also acknowledges each send to its sender, once it is committed (same content).
      if (args.kind === "ours" && !text.startsWith('{"id"')) {
        if (text.startsWith('{"type":"ack"')) step.acks.push(performance.now() - Number(match[1]));
        return;
      }
      step.received++;
      step.latencies.push(performance.now() - Number(match[1]));
    };
  });

// A few hundred handshakes at a time: ten thousand at once overflow the listen backlog, and
// the dropped ones fail instead of connecting a moment later.
const sockets: WebSocket[] = [];
let opened = 0;
await Promise.all(
  Array.from({ length: 256 }, async () => {
    while (opened < args.clients.length) {
      const i = opened++;
      sockets[i] = await open(i);
    }
  }),
);

clearTimeout(connecting);

let next = 0;
/** Sends open-loop at `rate` for `seconds`, in turn from every client; returns how many. */
const sendFor = (rate: number, seconds: number, tag: string) =>
  sendOpenLoop(rate, seconds, () => {
    const i = next++ % sockets.length;
    const client = args.clients[i] as Args["clients"][number];
    const content = `t:${performance.now().toFixed(3)}:${tag}`;
    (sockets[i] as WebSocket).send(
      `{"type":"send","chatId":${client.room},"content":"${content}","clientId":"${runId}-${next}"}`,
    );
  });

// The warm-up's tag is not a step number, so its deliveries are not counted.
if (args.warmupSeconds) {
  await sendFor(args.rates[0] ?? 0, args.warmupSeconds, "warm-up");
  await Bun.sleep(1000);
}
const started = performance.now();
const cpuAtStart = process.cpuUsage();
console.log("START");
const results = [];
for (const [index, rate] of args.rates.entries()) {
  const step = steps[index] as Step;
  const stepStarted = performance.now();
  const stepCpu = process.cpuUsage();
  step.sent = await sendFor(rate, args.stepSeconds, String(index));
  const used = process.cpuUsage(stepCpu);
  const loadCpu = (used.user + used.system) / 1000 / (performance.now() - stepStarted);
  await Bun.sleep(1000);
  const expected = step.sent * args.membersPerRoom;
  const result = {
    offered: rate,
    sent: step.sent / args.stepSeconds,
    loadCpu,
    achieved: step.received / args.membersPerRoom / args.stepSeconds,
    delivered: expected ? step.received / expected : 0,
    p50: percentile(step.latencies, 50),
    p99: percentile(step.latencies, 99),
    ...(step.acks.length > 0 && { ackP99: percentile(step.acks, 99) }),
  };
  results.push(result);
  console.log(`step ${JSON.stringify(result)}`);
  // A rate the server could not keep up with ends the ramp: the next would only pile up. So
  // does one the generator could not keep up with: higher rates would measure only it.
  if (result.delivered < 0.99 || result.p99 > 500 || !generatorKeptUp(result)) break;
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
for (const socket of sockets) socket.close();
console.log(JSON.stringify({ seconds, steps: results, loadCpu: (cpu.user + cpu.system) / 1e6 }));
process.exit(0);
