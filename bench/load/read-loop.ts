// The history-read reference: the same query (last 50 of a random chat) in a tight in-process
// loop on the same database, with no network, no auth and no JSON out.

import { openSqliteStore } from "../../db/sqlite/store.ts";
import { readArgs } from "../lib.ts";

const {
  path,
  chatIds,
  seconds: duration,
} = readArgs<{ path: string; chatIds: number[]; seconds: number }>();
const store = openSqliteStore(`sqlite://${path}`, { synchronous: "NORMAL" });
const cpuAtStart = process.cpuUsage();
const started = performance.now();
const until = started + duration * 1000;
console.log("START");
let reads = 0;
while (performance.now() < until) {
  await store.listMessages(chatIds[Math.floor(Math.random() * chatIds.length)] as number, {
    limit: 50,
  });
  reads++;
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
console.log(
  JSON.stringify({ seconds, perSecond: reads / seconds, loadCpu: (cpu.user + cpu.system) / 1e6 }),
);
process.exit(0);
