// Search over HTTP: `connections` clients, each asking the same q (with a random user's token
// and, when chatIds are given, a random one of that user's chats) for `seconds`.
import { finishLatencyRun, readArgs } from "../lib.ts";

type Args = {
  url: string;
  q: string;
  tokens: string[];
  /** For a search narrowed to one chat: each token's chats. */
  chatIds?: number[][];
  connections: number;
  seconds: number;
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
      const who = Math.floor(Math.random() * args.tokens.length);
      const chats = args.chatIds?.[who];
      const chat = chats ? `&chatId=${chats[Math.floor(Math.random() * chats.length)]}` : "";
      const path = `/api/search?q=${encodeURIComponent(args.q)}${chat}`;
      const at = performance.now();
      const response = await fetch(`${args.url}${path}`, {
        headers: { authorization: `Bearer ${args.tokens[who]}` },
      });
      if (!response.ok) throw new Error(`${path}: ${response.status}`);
      await response.arrayBuffer();
      latencies.push(performance.now() - at);
    }
  }),
);
finishLatencyRun(started, cpuAtStart, latencies, "searches");
