// A Worker that checkpoints the write-ahead log on a connection of its own. Left to the writer,
// SQLite checkpoints inside whichever commit fills the log, and that commit waits for the copy
// and an fsync of the database file: a stall of ~5 ms every second or so under a steady load,
// on the thread that serves every request. Here the copying runs beside it (checkpointer.ts).
import { Database } from "bun:sqlite";

declare const self: Worker;

export type CheckpointMessage = { path: string; intervalMs: number } | "stop";
/** What the worker tells the writer; a failure is logged there, through the store's log. */
export type CheckpointReport = "started" | "stopped" | { failed: string };

let db: Database | undefined;
let timer: ReturnType<typeof setInterval> | undefined;

self.onmessage = (event: MessageEvent<CheckpointMessage>) => {
  if (event.data === "stop") {
    clearInterval(timer);
    db?.close();
    self.postMessage("stopped" satisfies CheckpointReport);
    return;
  }
  db = new Database(event.data.path, { readwrite: true, create: false });
  db.run("pragma busy_timeout = 5000");
  const checkpoint = db.query("pragma wal_checkpoint(PASSIVE)");
  // PASSIVE copies what it can without waiting for readers or blocking the writer.
  timer = setInterval(() => {
    try {
      checkpoint.get();
    } catch (error) {
      self.postMessage({ failed: String(error) } satisfies CheckpointReport);
    }
  }, event.data.intervalMs);
  self.postMessage("started" satisfies CheckpointReport);
};
