// History reads: `connections` clients, each asking for the last 50 messages of random chats
// for `seconds`. Measures reads per second and latency. With `fixedPath`, the same load asks
// for that one path instead (the ceiling's fixed page: what HTTP alone costs).
import { finishLatencyRun, readArgs } from "../lib.ts";

type Args = {
  url: string;
  token?: string;
  chatIds: number[];
  connections: number;
  seconds: number;
  fixedPath?: string;
};
const args = readArgs<Args>();
const cpuAtStart = process.cpuUsage();
const latencies: number[] = [];
const started = performance.now();
const until = started + args.seconds * 1000;
console.log("START");
await Promise.all(
  Array.from({ length: args.connections }, async () => {
    while (performance.now() < until) {
      const chatId = args.chatIds[Math.floor(Math.random() * args.chatIds.length)];
      const at = performance.now();
      const path = args.fixedPath ?? `/api/chat/${chatId}/messages?limit=50`;
      const response = await fetch(`${args.url}${path}`, {
        headers: args.token ? { authorization: `Bearer ${args.token}` } : {},
      });
      // A refused read must not count as one.
      if (!response.ok) throw new Error(`${path}: ${response.status}`);
      await response.arrayBuffer();
      latencies.push(performance.now() - at);
    }
  }),
);
finishLatencyRun(started, cpuAtStart, latencies, "reads");
