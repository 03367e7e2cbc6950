// Puts events back in id order before they reach this instance's sockets. With PostgreSQL,
// events arrive from several writers (this instance's connections, other instances through
// Redis) in no particular order, and some may not arrive at all (an instance that died between
// its commit and its publish, a Redis restart). Event ids are gapless (db/postgres/store.ts), so
// a missing id is known to be missing: it is waited for briefly, then read from the database.
import type { StoredEvent } from "../../../db/events.ts";
import { errorLine, type Logger } from "../../ops/logging.ts";

/** Where committed events are read from when one did not arrive. */
export interface EventSource {
  eventsAfter(afterId: number, limit: number): Promise<StoredEvent[]>;
  latestEventId(): Promise<number>;
}

export type SequencerTiming = {
  /** How long a missing id is waited for before it is read from the database. */
  gapMs: number;
  /** How often the database is asked whether anything committed that never arrived. */
  pollMs: number;
};

const fillPage = 500;

export class Sequencer {
  /** Every event up to this id has been delivered, in order. */
  delivered = 0;
  private readonly pending = new Map<number, StoredEvent>();
  private readonly waiters: { id: number; resolve: () => void }[] = [];
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
  private poller: ReturnType<typeof setInterval> | undefined;
  private filling: Promise<boolean> | undefined;
  private readonly options: SequencerTiming;
  private readonly logger: Logger;

  constructor(
    private readonly source: EventSource,
    private readonly deliver: (events: StoredEvent[]) => void,
    { logger, ...timing }: { logger: Logger } & Partial<SequencerTiming>,
  ) {
    this.options = { gapMs: 50, pollMs: 1000, ...timing };
    this.logger = logger;
  }

  /** Starts from the newest committed event: what came before is for replays to send. */
  async start(): Promise<void> {
    this.delivered = await this.source.latestEventId();
    this.poller = setInterval(() => void this.poll(), this.options.pollMs);
    this.poller.unref?.();
  }

  stop(): void {
    clearInterval(this.poller);
    clearTimeout(this.gapTimer);
  }

  /** Takes events in any order, any number of times; delivers each once, in id order. */
  offer(events: StoredEvent[]): void {
    for (const event of events) {
      if (event.id > this.delivered) this.pending.set(event.id, event);
    }
    this.drain();
  }

  /** Resolves once every event up to `id` has been delivered. */
  whenDelivered(id: number): Promise<void> {
    if (id <= this.delivered) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ id, resolve });
      // Nothing may be on its way for an id a replay read: fetch it rather than wait.
      this.scheduleFill();
    });
  }

  /**
   * Reads whatever committed after the last delivered id (after a reconnect, say). Resolves
   * false when the database could not be read: the next poll tries again.
   */
  fill(): Promise<boolean> {
    this.filling ??= (async () => {
      try {
        for (;;) {
          const page = await this.source.eventsAfter(this.delivered, fillPage);
          this.offer(page);
          if (page.length < fillPage) return true;
        }
      } catch (error) {
        this.logger(errorLine("reading missed events failed; retrying at the next poll", error));
        return false;
      } finally {
        this.filling = undefined;
      }
    })();
    return this.filling;
  }

  private drain(): void {
    const ready: StoredEvent[] = [];
    for (let next = this.pending.get(this.delivered + 1); next; ) {
      ready.push(next);
      this.pending.delete(next.id);
      this.delivered = next.id;
      next = this.pending.get(this.delivered + 1);
    }
    if (ready.length > 0) this.deliver(ready);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i] as { id: number; resolve: () => void };
      if (waiter.id <= this.delivered) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
    if (this.pending.size > 0) this.scheduleFill();
    else if (this.waiters.length === 0) {
      clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
    }
  }

  private scheduleFill(): void {
    this.gapTimer ??= setTimeout(() => {
      this.gapTimer = undefined;
      void this.fill().then((read) => {
        if (read && (this.pending.size > 0 || this.waiters.length > 0)) this.scheduleFill();
      });
    }, this.options.gapMs);
  }

  private async poll(): Promise<void> {
    try {
      if ((await this.source.latestEventId()) > this.delivered) await this.fill();
    } catch {
      // The database is away; the next poll asks again.
    }
  }
}
