// Fan-out burst: every client sends `perClient` messages into one room; done when every client
// has received every message. Counts frames without parsing them (the raw-counting client).
import { readArgs } from "../lib.ts";

type Args = {
  url: string;
  clients: { token?: string }[];
  chatId: number;
  perClient: number;
  kind: "ours" | "room";
};
const args = readArgs<Args>();
const cpuAtStart = process.cpuUsage();
const total = args.clients.length * args.perClient;
const content = "fan-out message payload, forty characters";

const sockets = await Promise.all(
  args.clients.map(
    (client, index) =>
      new Promise<{ socket: WebSocket; index: number }>((resolve) => {
        const url =
          args.kind === "ours"
            ? `${args.url.replace("http", "ws")}/api/ws?token=${client.token}`
            : `${args.url.replace("http", "ws")}/ws?room=1`;
        const socket = new WebSocket(url);
        socket.onmessage = (event) => {
          if (String(event.data).includes('"ready"')) resolve({ socket, index });
        };
      }),
  ),
);
const received = new Array(sockets.length).fill(0);
let finished = 0;
const done = new Promise<void>((resolve) => {
  for (const { socket, index } of sockets) {
    socket.onmessage = (event) => {
      const text = event.data as string;
      // Ours also sends acks; only the deliveries count.
      if (args.kind === "ours" && !text.startsWith('{"id"')) return;
      if (++received[index] === total && ++finished === sockets.length) resolve();
    };
  }
});
const started = performance.now();
console.log("START");
for (let n = 0; n < args.perClient; n++) {
  for (const { socket, index } of sockets) {
    socket.send(
      `{"type":"send","chatId":${args.chatId},"content":"${content}","clientId":"c${index}-${n}"}`,
    );
  }
}
await done;
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
for (const { socket } of sockets) socket.close();
console.log(
  JSON.stringify({
    seconds,
    deliveries: total * sockets.length,
    perSecond: (total * sockets.length) / seconds,
    loadCpu: (cpu.user + cpu.system) / 1e6,
  }),
);
process.exit(0);
