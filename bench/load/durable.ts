// Durable sends: many clients over the socket, a few sends in flight each, every one stored
// before its ack. Measures acks per second and send→ack latency.
import { percentile, readArgs } from "../lib.ts";

type Args = {
  url: string;
  clients: { token: string; chatId: number }[];
  perClient: number;
  inFlight: number;
};
const args = readArgs<Args>();
const cpuAtStart = process.cpuUsage();
const latencies: number[] = [];

const ready = await Promise.all(
  args.clients.map(
    (client) =>
      new Promise<{ socket: WebSocket; client: (typeof args.clients)[number] }>((resolve) => {
        const socket = new WebSocket(
          `${args.url.replace("http", "ws")}/api/ws?token=${client.token}`,
        );
        socket.onmessage = (event) => {
          if (String(event.data).includes('"ready"')) resolve({ socket, client });
        };
      }),
  ),
);
const started = performance.now();
console.log("START");
await Promise.all(
  ready.map(
    ({ socket, client }, index) =>
      new Promise<void>((resolve) => {
        let sent = 0;
        let acked = 0;
        const sentAt = new Map<string, number>();
        const sendOne = () => {
          const clientId = `d${index}-${sent++}`;
          sentAt.set(clientId, performance.now());
          socket.send(
            `{"type":"send","chatId":${client.chatId},"content":"durable","clientId":"${clientId}"}`,
          );
        };
        socket.onmessage = (event) => {
          const text = event.data as string;
          if (!text.startsWith('{"type":"ack"')) return;
          const clientId = /"clientId":"([^"]+)"/.exec(text)?.[1] as string;
          latencies.push(performance.now() - (sentAt.get(clientId) ?? 0));
          if (++acked === args.perClient) resolve();
          else if (sent < args.perClient) sendOne();
        };
        for (let i = 0; i < args.inFlight; i++) sendOne();
      }),
  ),
);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
const at = (p: number) => percentile(latencies, p * 100);
console.log(
  JSON.stringify({
    seconds,
    acks: latencies.length,
    perSecond: latencies.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
    loadCpu: (cpu.user + cpu.system) / 1e6,
  }),
);
process.exit(0);
