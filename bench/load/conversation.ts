// A conversation's load: `clients` members of chats of ten, closed loop, for `seconds`. With
// `mix`, each request is drawn from a realistic mix (sends, replies, reactions on and off, edits
// of one's own messages, history reads); without it, every request is a send. Counts requests
// per second, in all and by kind.
import { finishLatencyRun, readArgs } from "../lib.ts";

type Args = {
  url: string;
  clients: { token: string; room: number }[];
  seconds: number;
  mix: boolean;
  /** Whether the mix includes its history reads. */
  reads?: boolean;
};
const args = readArgs<Args>();
const kinds = [
  ["send", 55],
  ["reply", 15],
  ["react", 15],
  ["edit", 5],
  ["history", 10],
] as const;
type Kind = (typeof kinds)[number][0];
const emoji = ["tada", "+1", "eyes", "heart", "rocket", "fire", "joy", "pray"];
const drawn = kinds.filter(([kind]) => args.reads !== false || kind !== "history");
const total = drawn.reduce((sum, [, weight]) => sum + weight, 0);
const pickKind = (): Kind => {
  let roll = Math.random() * total;
  for (const [kind, weight] of drawn) {
    roll -= weight;
    if (roll < 0) return kind;
  }
  return "send";
};
const random = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)] as T;
/** Recent top-level messages of each chat, which replies and reactions go to. */
const roots = new Map<number, number[]>();
const byKind: Record<string, number> = {};
const timeByKind: Record<string, number> = {};

async function call(token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${args.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
  return (await response.json()) as { id: number };
}

const remember = (room: number, id: number) => {
  const list = roots.get(room) ?? [];
  list.push(id);
  if (list.length > 50) list.shift();
  roots.set(room, list);
};

// Every client starts with a message of its own, outside the measure.
const own = await Promise.all(
  args.clients.map(async ({ token, room }) => {
    const message = await call(token, "POST", `/api/chat/${room}`, { content: "first" });
    remember(room, message.id);
    return [message.id as number];
  }),
);

const cpuAtStart = process.cpuUsage();
const latencies: number[] = [];
const started = performance.now();
const until = started + args.seconds * 1000;
console.log("START");
await Promise.all(
  args.clients.map(async ({ token, room }, i) => {
    const mine = own[i] as number[];
    let n = 0;
    while (performance.now() < until) {
      const kind = args.mix ? pickKind() : "send";
      const at = performance.now();
      const chat = `/api/chat/${room}`;
      switch (kind) {
        case "send": {
          const message = await call(token, "POST", chat, { content: `message ${i}:${n++}` });
          remember(room, message.id);
          mine.push(message.id);
          break;
        }
        case "reply":
          await call(token, "POST", chat, {
            content: `reply ${i}:${n++}`,
            threadId: random(roots.get(room) ?? []),
          });
          break;
        case "react":
          await call(
            token,
            Math.random() < 0.7 ? "PUT" : "DELETE",
            `${chat}/messages/${random(roots.get(room) ?? [])}/reactions/${encodeURIComponent(random(emoji))}`,
          );
          break;
        case "edit":
          await call(token, "PATCH", `${chat}/messages/${random(mine)}`, {
            content: `edited ${i}:${n++}`,
          });
          break;
        case "history":
          await call(token, "GET", `${chat}/messages?limit=50`);
          break;
      }
      latencies.push(performance.now() - at);
      byKind[kind] = (byKind[kind] ?? 0) + 1;
      timeByKind[kind] = (timeByKind[kind] ?? 0) + performance.now() - at;
    }
  }),
);
const meanMs = Object.fromEntries(
  Object.entries(byKind).map(([kind, n]) => [kind, ((timeByKind[kind] ?? 0) / n).toFixed(1)]),
);
console.error(`conversation: ${JSON.stringify(byKind)}, mean ms ${JSON.stringify(meanMs)}`);
finishLatencyRun(started, cpuAtStart, latencies, "requests");
