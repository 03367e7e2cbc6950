// The writer's side of checkpoint-worker.ts: starts the worker, leaves the writer only the last
// step of a checkpoint once the worker runs, and stops the worker before the store closes.
import type { Database } from "bun:sqlite";
import type { Log } from "../store.ts";
import type { CheckpointMessage, CheckpointReport } from "./checkpoint-worker.ts";

const sqliteDefaultCheckpointPages = 1000;
export const writerCheckpointPages = 4096;
/** How long a close waits for the worker to close its connection before ending it anyway. */
const stopTimeoutMs = 5000;

export class Checkpointer {
  private readonly worker: Worker | undefined;
  private state: "starting" | "running" | "failed" | "stopped" = "starting";

  /** Until the worker has its connection, or if it never gets one, the writer checkpoints. */
  constructor(sqlite: Database, path: string, log: Log, intervalMs = 50) {
    const warn = (msg: string, error: unknown) =>
      log({ time: new Date().toISOString(), level: "warn", msg, error: String(error) });
    try {
      // Written this way (a URL literal beside import.meta.url), Bun's bundler embeds the
      // worker in the executable. Small heap: it holds one connection and a timer. Not ref'd:
      // a store left open must not keep the process alive.
      this.worker = new Worker(new URL("./checkpoint-worker.ts", import.meta.url), {
        name: "wal-checkpointer",
        smol: true,
        ref: false,
      });
    } catch (error) {
      warn("the WAL checkpointer did not start; SQLite checkpoints in the writer", error);
      this.state = "failed";
      return;
    }
    this.worker.addEventListener("message", (event: MessageEvent<CheckpointReport>) => {
      if (typeof event.data === "object") {
        warn("WAL checkpoint failed; the next one retries", event.data.failed);
        return;
      }
      if (event.data !== "started" || this.state !== "starting") return;
      this.state = "running";
      // The log starts over only after a checkpoint that copied all of it, and a passive one
      // racing a steady writer never quite does: the writer still checkpoints, but at 16 MB of
      // log instead of 4, and finds nearly all of it already copied by the worker, so all that
      // is left in the commit is the tail and one fsync, every few seconds under load.
      sqlite.run(`pragma wal_autocheckpoint = ${writerCheckpointPages}`);
    });
    this.worker.addEventListener("error", (event) => {
      // After a close the writer's connection is gone, and nothing is left to hand back.
      if (this.state === "stopped" || this.state === "failed") return;
      warn("the WAL checkpointer stopped; SQLite checkpoints in the writer", event.message);
      this.state = "failed";
      this.worker?.terminate();
      sqlite.run(`pragma wal_autocheckpoint = ${sqliteDefaultCheckpointPages}`);
    });
    this.worker.postMessage({ path, intervalMs } satisfies CheckpointMessage);
  }

  /** Closes the worker's connection, so that the writer's close is the last and cleans up. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker || this.state === "failed" || this.state === "stopped") return;
    this.state = "stopped";
    await new Promise<void>((resolve) => {
      // A worker that ends without a word must not hold the close up for ever.
      const timeout = setTimeout(resolve, stopTimeoutMs);
      const done = () => {
        clearTimeout(timeout);
        resolve();
      };
      worker.addEventListener("message", (event) => event.data === "stopped" && done());
      worker.addEventListener("error", done);
      worker.addEventListener("close", done);
      worker.postMessage("stop" satisfies CheckpointMessage);
    });
    worker.terminate();
  }
}
