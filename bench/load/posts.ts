// POSTs as fast as `connections` clients can for `seconds`, each to a random one of `targets`
// (a URL, a token or none, a JSON body). Measures posts per second and latency; any answer that
// is not a 2xx stops the run, so a refused post never counts as one.
import { finishLatencyRun, readArgs } from "../lib.ts";

type Args = {
  targets: { url: string; token?: string; body: unknown }[];
  connections: number;
  seconds: number;
};
const args = readArgs<Args>();
const requests = args.targets.map((target) => ({
  url: target.url,
  init: {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(target.token && { authorization: `Bearer ${target.token}` }),
    },
    body: JSON.stringify(target.body),
  },
}));
const cpuAtStart = process.cpuUsage();
const latencies: number[] = [];
const started = performance.now();
const until = started + args.seconds * 1000;
console.log("START");
await Promise.all(
  Array.from({ length: args.connections }, async () => {
    while (performance.now() < until) {
      const request = requests[Math.floor(Math.random() * requests.length)];
      if (!request) throw new Error("no targets");
      const at = performance.now();
      const response = await fetch(request.url, request.init);
      if (!response.ok) throw new Error(`${request.url}: ${response.status}`);
      await response.arrayBuffer();
      latencies.push(performance.now() - at);
    }
  }),
);
finishLatencyRun(started, cpuAtStart, latencies, "posts");
