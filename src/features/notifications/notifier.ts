// Push decisions from the event log (issue #24, docs/adr/0011): a message's message.created event
// commits with it, and a cursor kept in the database moves past it in the transaction that
// queues its pushes. A send that is acknowledged has its pushes decided, then, even if the process
// dies right after: the next start (or another instance) picks them up where the cursor stands.
// The instance that sent runs the decision right after the commit and notes who was connected
// then; messages committed before this process started count nobody as connected.
import type { Store } from "../../../db/store.ts";
import { errorLine, type Logger } from "../../ops/logging.ts";
import type { Hub } from "../realtime/hub.ts";
import { decidePushes } from "./service.ts";

export type NotifierOptions = {
  /** How often the event log is looked at for messages no send woke this instance for. */
  pollMs?: number;
  /** Told when pushes were queued (the push sender, to send them at once). */
  onQueued?: () => void;
};

/** Messages decided per transaction at most. */
const batchSize = 200;
/** Who was connected, noted for this many sends at most while decisions lag behind. */
const maxNoted = 10_000;
/** How long "nobody has a subscription" is believed (one made elsewhere is known within it). */
const anyoneFor = 2_000;

export class Notifier {
  /** Who was connected in the sender's workspace as each send committed here, by event id. */
  private readonly noted = new Map<number, Set<number>>();
  /** Events up to this id committed before this process started. */
  private startedAfter = Number.POSITIVE_INFINITY;
  private anyone = { at: 0, value: true };
  private running: Promise<void> | undefined;
  private again = false;
  /** The cursor as the previous poll found it, with messages waiting behind it. */
  private stoodAt: number | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly pollMs: number;

  constructor(
    private readonly db: Store,
    private readonly hub: Hub,
    private readonly logger: Logger,
    private readonly options: NotifierOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
  }

  /**
   * Places the cursor at the end of the log the first time ever (history is never pushed);
   * what a previous run left undecided is decided from the second poll on, or the first send.
   */
  async start(): Promise<void> {
    this.startedAfter = await this.db.latestEventId();
    await this.db.keepSetting("push.cursor", String(this.startedAfter));
    this.timer ??= setInterval(() => this.poll(), this.pollMs);
    this.poll();
  }

  /** Stops polling after a last run: a drained server leaves nothing undecided. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    this.wake();
    await this.running;
  }

  /** A message committed on this instance: who is connected now, and its decision soon. */
  sent(eventId: number, workspaceId: number): void {
    const { anyone } = this;
    const stale = Date.now() - anyone.at > anyoneFor;
    if (stale) {
      anyone.at = Date.now();
      void this.db.anyPushSubscription().then(
        (value) => {
          anyone.value = value;
        },
        () => {},
      );
    }
    // Known for sure that nobody subscribes: no one to push, and nothing to note.
    if (!stale && !anyone.value) return;
    this.noted.set(eventId, new Set(this.hub.onlineIn(workspaceId)));
    if (this.noted.size > maxNoted) this.noted.delete(this.noted.keys().next().value as number);
    this.wake();
  }

  /** Someone subscribed here: sends note who is connected again at once. */
  subscribed(): void {
    this.anyone = { at: Date.now(), value: true };
  }

  /** Decides what is new, batch after batch; a wake during a run makes one more run. */
  wake(): void {
    if (this.running) this.again = true;
    else this.runNow(false);
  }

  /**
   * A poll takes over only messages whose cursor has stood still since the previous poll: those
   * of a process that died, or that no instance's send woke it for. Fresh ones are left to the
   * instance that sent them, which knows who was connected then.
   */
  private poll(): void {
    if (!this.running) this.runNow(true);
  }

  private runNow(polled: boolean): void {
    this.running = this.run(polled).finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async run(polled: boolean): Promise<void> {
    try {
      for (;;) {
        const batch = await this.db.pushBatch(batchSize);
        if (!batch) return;
        if (polled) {
          const stood = this.stoodAt === batch.from;
          this.stoodAt = batch.from;
          if (!stood) return;
        }
        const pushes = decidePushes(batch, (eventId, workspaceId) =>
          this.connectedAt(eventId, workspaceId),
        );
        if (!(await this.db.queueBatchPushes(batch, pushes, Date.now()))) continue;
        for (const eventId of this.noted.keys()) {
          if (eventId <= batch.to) this.noted.delete(eventId);
        }
        if (pushes.length > 0) this.options.onQueued?.();
      }
    } catch (error) {
      // The next send or poll tries again from the cursor.
      this.logger(errorLine("deciding pushes failed", error));
    }
  }

  /** Who counted as connected when a message was sent, as well as it is known. */
  private connectedAt(eventId: number, workspaceId: number): Set<number> {
    const noted = this.noted.get(eventId);
    if (noted) return noted;
    // Sent before this start (the process died or stopped meanwhile): nobody is known to have
    // seen it.
    if (eventId <= this.startedAfter) return new Set();
    // Sent through another instance that did not decide it (yet): who is connected now.
    return new Set(this.hub.onlineIn(workspaceId));
  }
}
