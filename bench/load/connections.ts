// Connections: ramp to `count` idle WebSockets (authenticated for ours), `concurrency` opening
// at a time; each counts as open at its first frame (`ready`). Raw sockets (raw-socket.ts): at
// 19,000 of them Bun's WebSocket client, not the server, bounded the connects per second.
// Measures connects per second; the sockets stay open until told to close.
import { readArgs } from "../lib.ts";
import { openRawSocket, type RawSocket } from "./raw-socket.ts";

type Args = {
  url: string;
  token?: string;
  count: number;
  concurrency: number;
  kind: "ours" | "room";
};
const args = readArgs<Args>();
const cpuAtStart = process.cpuUsage();
const sockets: RawSocket[] = [];
const url =
  args.kind === "ours"
    ? `${args.url.replace("http", "ws")}/api/ws?token=${args.token}`
    : `${args.url.replace("http", "ws")}/ws?room=idle`;
const lines = console[Symbol.asyncIterator]();
const started = performance.now();
console.log("START");
let next = 0;
await Promise.all(
  Array.from({ length: args.concurrency }, async () => {
    while (next < args.count) {
      next++;
      sockets.push(await openRawSocket(url, () => {}));
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
console.log("OPEN");
// Held open while the server's memory is read, then closed on a line on stdin.
await lines.next();
for (const socket of sockets) socket.close();
console.log(
  JSON.stringify({
    seconds,
    connections: sockets.length,
    perSecond: sockets.length / seconds,
    loadCpu: (cpu.user + cpu.system) / 1e6,
  }),
);
process.exit(0);
