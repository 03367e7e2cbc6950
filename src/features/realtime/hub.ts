// The hub delivers committed events to live connections: one topic per chat, one per user.
import type { StoredEvent } from "./events.ts";

export interface Hub {
  /** Delivers events that are already committed, in id order. Never throws to the caller. */
  publish(events: StoredEvent[]): void;
}

/** In-process delivery. Knows no connection until the real-time transports are attached. */
export class LocalHub implements Hub {
  lastPublishedId = 0;

  publish(events: StoredEvent[]): void {
    for (const event of events) this.lastPublishedId = event.id;
  }
}
