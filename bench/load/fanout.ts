// Fan-out burst: every client sends `perClient` messages into one room; done when every client
// has received every message. Raw-counting clients (raw-socket.ts): frames are counted, not
// decoded, so that the generator can keep up with the ceiling.
import { readArgs } from "../lib.ts";
import { openRawSocket } from "./raw-socket.ts";

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
const eventMarker = "i".charCodeAt(0);

const received = new Array<number>(args.clients.length).fill(0);
let finished = 0;
let allReceived!: () => void;
const done = new Promise<void>((resolve) => {
  allReceived = resolve;
});
const sockets = await Promise.all(
  args.clients.map((client, index) => {
    const url =
      args.kind === "ours"
        ? `${args.url.replace("http", "ws")}/api/ws?token=${client.token}`
        : `${args.url.replace("http", "ws")}/ws?room=1`;
    // After `ready`, ours also sends acks and presence, and only events (`{"id"…`) are
    // deliveries. The references relay the frames as they came.
    return openRawSocket(url, (marker) => {
      if (args.kind === "ours" && marker !== eventMarker) return;
      if (++(received[index] as number) === total && ++finished === args.clients.length) {
        allReceived();
      }
    });
  }),
);
const started = performance.now();
console.log("START");
for (let n = 0; n < args.perClient; n++) {
  for (const [index, socket] of sockets.entries()) {
    socket.send(
      `{"type":"send","chatId":${args.chatId},"content":"${content}","clientId":"c${index}-${n}"}`,
    );
  }
}
await done;
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
for (const socket of sockets) socket.close();
console.log(
  JSON.stringify({
    seconds,
    deliveries: total * sockets.length,
    perSecond: (total * sockets.length) / seconds,
    loadCpu: (cpu.user + cpu.system) / 1e6,
  }),
);
process.exit(0);
