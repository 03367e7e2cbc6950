// Send→receive latency across instances of a cluster: each chat has one sender and the rest of
// its members as receivers, and the sender's instance is either the receivers' own ("same") or
// another one ("cross"). Messages go open-loop at a fixed total rate, in turn to every chat, so
// both paths are measured under the same load in the same run.
import { percentile, readArgs, sendOpenLoop } from "../lib.ts";

type Path = "same" | "cross";
type Args = {
  chats: {
    path: Path;
    chatId: number;
    sender: { url: string; token: string };
    receivers: { url: string; token: string }[];
  }[];
  rate: number;
  seconds: number;
  /** Unmeasured sending at the same rate first: connects' presence announcements settle. */
  warmupSeconds: number;
};
const args = readArgs<Args>();
const paths: Path[] = ["same", "cross"];
const measured = Object.fromEntries(
  paths.map((path) => [path, { sent: 0, received: 0, receivers: 0, latencies: [] as number[] }]),
) as Record<Path, { sent: number; received: number; receivers: number; latencies: number[] }>;
const pattern = /"content":"x:([0-9.]+):(same|cross)"/;
// Unique per run: a repeated client id would be answered from the store and not delivered.
const runId = crypto.randomUUID().slice(0, 8);

function connect(url: string, token: string, onFrame?: (text: string) => void) {
  return new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(`${url.replace("http", "ws")}/api/ws?token=${token}`);
    socket.onerror = () => reject(new Error(`connect to ${url} failed`));
    socket.onclose = () => reject(new Error(`${url} closed before ready`));
    socket.onmessage = (event) => {
      const text = event.data as string;
      if (text.includes('"ready"')) resolve(socket);
      else onFrame?.(text);
    };
  });
}

// Receivers count deliveries only (frames that start with the event's id); senders ignore theirs.
const onDelivery = (text: string) => {
  if (!text.startsWith('{"id"')) return;
  const match = pattern.exec(text);
  if (!match) return;
  const path = measured[match[2] as Path];
  path.received++;
  path.latencies.push(performance.now() - Number(match[1]));
};
// A server that dies while clients connect can leave sockets neither open nor failed.
const connecting = setTimeout(() => {
  console.error("cross-instance: the connects did not finish within 60 s");
  process.exit(1);
}, 60_000);
const senders = await Promise.all(
  args.chats.map(async (chat) => {
    await Promise.all(chat.receivers.map((r) => connect(r.url, r.token, onDelivery)));
    measured[chat.path].receivers += chat.receivers.length;
    return connect(chat.sender.url, chat.sender.token);
  }),
);
clearTimeout(connecting);

let next = 0;
/** Sends open-loop at the run's rate for `seconds`, in turn into every chat. */
const sendFor = (seconds: number, measure: boolean) =>
  sendOpenLoop(args.rate, seconds, () => {
    const i = next++ % args.chats.length;
    const chat = args.chats[i] as Args["chats"][number];
    // A warm-up message's tag names no path, so its deliveries are not counted.
    const content = `x:${performance.now().toFixed(3)}:${measure ? chat.path : "warm-up"}`;
    (senders[i] as WebSocket).send(
      `{"type":"send","chatId":${chat.chatId},"content":"${content}","clientId":"${runId}-${next}"}`,
    );
    if (measure) measured[chat.path].sent++;
  });

await sendFor(args.warmupSeconds, false);
await Bun.sleep(1000);

const started = performance.now();
const cpuAtStart = process.cpuUsage();
console.log("START");
await sendFor(args.seconds, true);
await Bun.sleep(1000);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
const result = Object.fromEntries(
  paths.map((path) => {
    const { sent, received, receivers, latencies } = measured[path];
    // Every chat of a path has the same number of receivers.
    const expected = (sent * receivers) / args.chats.filter((c) => c.path === path).length;
    return [
      path,
      {
        sent,
        delivered: expected ? received / expected : 0,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
      },
    ];
  }),
);
console.log(JSON.stringify({ seconds, ...result, loadCpu: (cpu.user + cpu.system) / 1e6 }));
process.exit(0);
