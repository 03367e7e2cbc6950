// Slow consumers: every member of one large chat reads, except `stalled` of them, which complete
// the WebSocket handshake on a raw TCP socket and then stop reading. The others send at a steady
// rate. A sample of the healthy members (parsing clients) measure send→receive latency; the rest
// only count their deliveries (raw-counting clients): decoding a million 4 KB frames a second
// into strings saturated the generator, and its own delays then swamped what was measured.
import type { Socket } from "bun";
import { percentile, readArgs, sendOpenLoop } from "../lib.ts";
import { openRawSocket, upgradeRequest } from "./raw-socket.ts";

type Args = {
  url: string;
  chatId: number;
  tokens: string[];
  stalled: number;
  rate: number;
  seconds: number;
  /** Padding per message, so that stalled sockets back up past the kernel's buffers in time. */
  messageBytes: number;
};
const args = readArgs<Args>();
const cpuAtStart = process.cpuUsage();
const pattern = /"content":"t:([0-9.]+):/;
const padding = "p".repeat(args.messageBytes);
const latencies: number[] = [];
// Client ids are unique per run: the runs with and without stalls share a database, and a
// repeated id is answered with the stored message and delivers nothing.
const runId = crypto.randomUUID().slice(0, 8);
const { hostname, port } = new URL(args.url);

const wsUrl = (token: string) => `${args.url.replace("http", "ws")}/api/ws?token=${token}`;
const stalledTokens = args.tokens.slice(0, args.stalled);
const healthyTokens = args.tokens.slice(args.stalled);
const stalled: Socket[] = await Promise.all(
  stalledTokens.map((token) =>
    Bun.connect({
      hostname,
      port: Number(port),
      socket: {
        open(socket) {
          socket.write(upgradeRequest(wsUrl(token)));
          socket.pause();
        },
        data() {},
      },
    }),
  ),
);
const sampled = Math.min(50, healthyTokens.length);
const samplers = await Promise.all(
  healthyTokens.slice(0, sampled).map(
    (token) =>
      new Promise<WebSocket>((resolve) => {
        const socket = new WebSocket(wsUrl(token));
        socket.onmessage = (event) => {
          const text = event.data as string;
          if (text.includes('"ready"')) return resolve(socket);
          if (!text.startsWith('{"id"')) return;
          const match = pattern.exec(text);
          if (match) latencies.push(performance.now() - Number(match[1]));
        };
      }),
  ),
);
const eventMarker = "i".charCodeAt(0);
let counted = 0;
const counters = await Promise.all(
  healthyTokens.slice(sampled).map((token) =>
    openRawSocket(wsUrl(token), (marker) => {
      if (marker === eventMarker) counted++;
    }),
  ),
);
const healthy: { send(text: string): void; close(): void }[] = [...samplers, ...counters];

const started = performance.now();
console.log("START");
let next = 0;
const sent = await sendOpenLoop(args.rate, args.seconds, () => {
  const socket = healthy[next % healthy.length] as (typeof healthy)[number];
  socket.send(
    `{"type":"send","chatId":${args.chatId},"content":"t:${performance.now().toFixed(3)}:${padding}","clientId":"${runId}-${next++}"}`,
  );
});
await Bun.sleep(1000);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
const expected = sent * healthy.length;
// Before anything is closed from this side: how many sockets the server still holds open.
const metrics = await (await fetch(`${args.url}/metrics`)).text();
const openOnServer = Number(/chat_websocket_connections (\d+)/.exec(metrics)?.[1] ?? 0);
for (const socket of healthy) socket.close();
for (const socket of stalled) socket.end();
console.log(
  JSON.stringify({
    seconds,
    sent,
    delivered: (latencies.length + counted) / expected,
    stalledClosed: healthy.length + stalled.length - openOnServer,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    loadCpu: (cpu.user + cpu.system) / 1e6,
  }),
);
process.exit(0);
