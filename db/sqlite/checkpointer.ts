// The writer's side of checkpoint-worker.ts: starts the worker, leaves the writer only the last
// step of a checkpoint once the worker runs, and stops the worker before the store closes.
import type { Database } from "bun:sqlite";
import type { CheckpointMessage } from "./checkpoint-worker.ts";

const sqliteDefaultCheckpointPages = 1000;
export const writerCheckpointPages = 4096;

export class Checkpointer {
  private readonly worker: Worker;
  private state: "starting" | "running" | "failed" | "stopped" = "starting";

  /** Until the worker has its connection, or if it never gets one, the writer checkpoints. */
  constructor(sqlite: Database, path: string, intervalMs = 50) {
    // Written this way (a URL literal beside import.meta.url), Bun's bundler embeds the worker
    // in the executable. Small heap: it holds one connection and a timer. Not ref'd: a store
    // left open must not keep the process alive.
    this.worker = new Worker(new URL("./checkpoint-worker.ts", import.meta.url), {
      name: "wal-checkpointer",
      smol: true,
    });
    this.worker.addEventListener("message", (event) => {
      if (event.data !== "started" || this.state !== "starting") return;
      this.state = "running";
      // The log starts over only after a checkpoint that copied all of it, and a passive one
      // racing a steady writer never quite does: the writer still checkpoints, but at 16 MB of
      // log instead of 4, and finds nearly all of it already copied by the worker, so all that
      // is left in the commit is the tail and one fsync, every few seconds under load.
      sqlite.run(`pragma wal_autocheckpoint = ${writerCheckpointPages}`);
    });
    this.worker.addEventListener("error", (event) => {
      console.error("the WAL checkpointer stopped; SQLite checkpoints in the writer", event);
      this.state = "failed";
      sqlite.run(`pragma wal_autocheckpoint = ${sqliteDefaultCheckpointPages}`);
    });
    this.worker.postMessage({ path, intervalMs } satisfies CheckpointMessage);
  }

  /** Closes the worker's connection, so that the writer's close is the last and cleans up. */
  async stop(): Promise<void> {
    if (this.state === "failed" || this.state === "stopped") return;
    this.state = "stopped";
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      this.worker.addEventListener("message", (event) => event.data === "stopped" && done());
      this.worker.addEventListener("error", done);
      this.worker.postMessage("stop" satisfies CheckpointMessage);
    });
    this.worker.terminate();
  }
}
