// The timed loop both in-process send references share: `total` sends through the store's
// group-committed path, `batch` at a time, each checked stored; prints its rate and CPU as JSON.
import type { NewMessage, Store } from "../../db/store.ts";

export async function timeSends(
  store: Store,
  { total, batch }: { total: number; batch: number },
  input: (n: number) => NewMessage,
): Promise<never> {
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  console.log("START");
  for (let done = 0; done < total; done += batch) {
    const sent = await Promise.all(
      Array.from({ length: batch }, (_, i) => store.insertMessage(input(done + i))),
    );
    if (sent.some((message) => !message?.created)) throw new Error("a send was not stored");
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  console.log(
    JSON.stringify({ seconds, perSecond: total / seconds, loadCpu: (cpu.user + cpu.system) / 1e6 }),
  );
  process.exit(0);
}
