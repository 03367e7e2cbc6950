// Durable sends: many clients over the socket, a few sends in flight each, every one stored
// before its ack. Measures acks per second and send→ack latency.
import { finishLatencyRun, readArgs } from "../lib.ts";

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
finishLatencyRun(started, cpuAtStart, latencies, "acks");
