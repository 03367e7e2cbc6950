// The hub delivers committed events to live connections: one topic per chat, one per user, one
// per workspace (presence). WebSockets use Bun's native pub/sub, so a message is published once
// and Bun fans it out; event streams (SSE) are kept in the hub's own topic table.

import type { StoredEvent } from "../../../db/events.ts";
import type { Logger } from "../../ops/logging.ts";
import type { User } from "../accounts/model.ts";
import { eventFrame, type Frame, frame } from "./events.ts";
import { type EventSource, Sequencer, type SequencerTiming } from "./sequencer.ts";

export interface Hub {
  /** Delivers events that are already committed. Never throws to the caller. */
  publish(events: StoredEvent[]): void;
  /** Users of the workspace with an open connection: on any instance, in a cluster. */
  onlineIn(workspaceId: number): number[];
}

/** Bun's server, as far as the hub needs it: publishing one frame to a WebSocket topic. */
export interface TopicServer {
  publish(topic: string, data: string): number;
}

/** A WebSocket, an event stream, or a Slack Socket Mode app's sockets, as the hub sees it. */
export interface Transport {
  readonly kind: "ws" | "sse" | "app";
  send(frame: Frame): void;
  /**
   * An answer to a frame the client sent (an ack), which nothing else is ordered against: it
   * may wait for the end of this turn, to be written with the others owed to the same client.
   */
  reply?(frame: Frame): void;
  /** WebSocket transports subscribe natively; event streams are left to the hub's table. */
  subscribe?(topic: string): void;
  unsubscribe?(topic: string): void;
  bufferedBytes(): number;
  /** May resolve later, once what the transport keeps is written (a Socket Mode app's cursor). */
  close(code: number, reason: string): void | Promise<void>;
}

const sweepSlices = 10;

export const chatTopic = (chatId: number) => `chat:${chatId}`;
export const userTopic = (userId: number) => `user:${userId}`;
export const workspaceTopic = (workspaceId: number) => `workspace:${workspaceId}`;
/**
 * A workspace's stored events (user.updated, workspace.updated): a topic apart from presence,
 * because presence is subscribed while a connection catches up and stored events only once live.
 */
export const workspaceEventsTopic = (workspaceId: number) => `workspace-events:${workspaceId}`;

/** The user a user.updated deactivates, if it does: their connections close everywhere. */
export function deactivatedBy(event: StoredEvent): number | undefined {
  if (event.type !== "user.updated") return undefined;
  const { data } = JSON.parse(event.json) as { data: { id: number; deactivated: boolean } };
  return data.deactivated ? data.id : undefined;
}

/**
 * One client connection. It starts catching up: it is subscribed to nothing, and the hub keeps
 * every event published meanwhile in `buffer`; `goLive` replays what the buffer holds past the
 * replay's last id and subscribes it, in one synchronous step, so there is no gap and no
 * duplicate at the seam.
 */
export class Connection {
  state: "catching-up" | "live" | "closed" = "catching-up";
  // Tens of thousands of connections are held at once: what most never need is made on demand.
  buffer: StoredEvent[] | undefined;
  /** Typing frames for this connection while it catches up, sent once it is live. */
  held: Frame[] | undefined;
  /** The chats this connection receives: kept in step with its user's chat.created/removed. */
  readonly chats = new Set<number>();
  /** Where the hub's sweep list holds it, so that leaving costs no search. */
  sweepIndex = -1;
  /** An event stream's topics in the hub's table (Bun keeps a WebSocket's). */
  private streamTopics: Set<string> | undefined;

  constructor(
    readonly user: User,
    readonly transport: Transport,
  ) {}

  send(frame: Frame): void {
    if (this.state !== "closed") this.transport.send(frame);
  }

  reply(frame: Frame): void {
    if (this.state === "closed") return;
    if (this.transport.reply) this.transport.reply(frame);
    else this.transport.send(frame);
  }

  /** Sends a stored event and follows the membership change it records, if it is one. */
  sendEvent(event: StoredEvent): void {
    this.send(eventFrame(event));
    this.followMembership(event);
  }

  followMembership(event: StoredEvent): void {
    if (event.chatId === null || event.userId !== this.user.id) return;
    if (event.type === "chat.created") this.chats.add(event.chatId);
    if (event.type === "chat.removed") this.chats.delete(event.chatId);
  }

  /** Whether this connection may see the event: its own, its workspace's, or a chat it is in. */
  receives(event: StoredEvent): boolean {
    if (event.chatId === null) return event.workspaceId === this.user.workspaceId;
    return event.userId === null ? this.chats.has(event.chatId) : event.userId === this.user.id;
  }

  /** Idempotent, as Bun's own subscribe is. */
  subscribe(topic: string, hubTable: Map<string, Set<Connection>>): void {
    if (this.transport.subscribe) {
      this.transport.subscribe(topic);
      return;
    }
    this.streamTopics ??= new Set();
    this.streamTopics.add(topic);
    addTo(hubTable, topic, this);
  }

  unsubscribe(topic: string, hubTable: Map<string, Set<Connection>>): void {
    if (this.transport.unsubscribe) this.transport.unsubscribe(topic);
    else if (this.streamTopics?.delete(topic)) removeFrom(hubTable, topic, this);
  }

  /** On close. A closed WebSocket's subscriptions end with it, inside Bun. */
  unsubscribeAll(hubTable: Map<string, Set<Connection>>): void {
    for (const topic of this.streamTopics ?? []) removeFrom(hubTable, topic, this);
    this.streamTopics = undefined;
  }
}

export type HubOptions = {
  /** Bytes queued for one connection before it is closed as too slow (1013). */
  backpressureLimit: number;
  /**
   * How often every connection's queued bytes are checked (a tenth of them each tenth of it).
   * A backstop: a publish that reports backpressure starts a whole pass at once. Checked ten
   * times a second, 10,000 connections cost ~4% of the server's CPU under the many-chats load.
   */
  sweepIntervalMs?: number;
  /**
   * Where committed events can be read back, when they may be published out of id order
   * (PostgreSQL: several writers): the hub then puts them in order before delivering.
   * Without it, events are delivered as published (SQLite: one writer, in commit order).
   */
  ordering?: { source: EventSource } & Partial<SequencerTiming>;
  /** Where failures of delivery are told: a socket that could not be written, a lost peer. */
  logger: Logger;
};

/** In-process delivery for one server. */
export class LocalHub implements Hub {
  /** Counts since start, for metrics. */
  readonly stats = { events: 0, messages: 0 };
  private server: TopicServer | undefined;
  private readonly byUser = new Map<number, Set<Connection>>();
  private readonly catchingUp = new Set<Connection>();
  /** Topic → event-stream connections (WebSocket subscriptions live inside Bun). */
  private readonly streamTopics = new Map<string, Set<Connection>>();
  /**
   * Every attached connection, for the sweep: a flat list, because walking the per-user sets
   * of ten thousand connections ten times a second cost ~3 ms a walk, enough to show in p99.
   */
  private readonly swept: Connection[] = [];
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private sweepCursor = 0;
  private closingAll = false;
  private lastFullSweep = Number.NEGATIVE_INFINITY;
  private readonly sequencer: Sequencer | undefined;

  constructor(protected readonly options: HubOptions) {
    const { ordering, logger } = options;
    if (ordering) {
      this.sequencer = new Sequencer(ordering.source, (events) => this.deliver(events), {
        ...ordering,
        logger,
      });
    }
  }

  async start(): Promise<void> {
    await this.sequencer?.start();
  }

  async stop(): Promise<void> {
    this.sequencer?.stop();
    this.stopSweeping();
  }

  /** Resolves once every event up to `id` has reached the live connections. */
  whenDelivered(id: number): Promise<void> {
    return this.sequencer?.whenDelivered(id) ?? Promise.resolve();
  }

  /** Reads back what committed but never arrived (after a lost Redis connection, say). */
  protected catchUp(): void {
    void this.sequencer?.fill();
  }

  /** The Bun server that WebSocket topics are published on, known once one socket opens. */
  useServer(server: TopicServer): void {
    this.server = server;
  }

  publish(events: StoredEvent[]): void {
    if (this.sequencer) this.sequencer.offer(events);
    else this.deliver(events);
  }

  /** Sends events, in id order, to the live connections that may see them. */
  private deliver(events: StoredEvent[]): void {
    for (const event of events) {
      this.stats.events += 1;
      if (event.type === "message.created") this.stats.messages += 1;
      for (const connection of this.catchingUp) {
        connection.buffer ??= [];
        connection.buffer.push(event);
      }
      if (event.chatId === null) {
        this.publishTo(workspaceEventsTopic(event.workspaceId), eventFrame(event));
        const deactivated = deactivatedBy(event);
        if (deactivated !== undefined) this.closeUser(deactivated, "the account was deactivated");
        continue;
      }
      if (event.userId === null) {
        this.publishTo(chatTopic(event.chatId), eventFrame(event));
        continue;
      }
      // A user event: membership starts before its chat.created is sent, and ends after its
      // chat.removed, so the user's live connections follow the chat without reconnecting.
      const live = [...(this.byUser.get(event.userId) ?? [])].filter((c) => c.state === "live");
      if (event.type === "chat.created") {
        for (const connection of live) this.follow(connection, event.chatId);
      }
      this.publishTo(userTopic(event.userId), eventFrame(event));
      if (event.type === "chat.removed") {
        for (const connection of live) this.unfollow(connection, event.chatId);
      }
    }
  }

  /** Registers a connection, catching up. Returns whether it is its user's first. */
  attach(connection: Connection): boolean {
    const mine = this.byUser.get(connection.user.id) ?? new Set();
    this.byUser.set(connection.user.id, mine);
    mine.add(connection);
    this.catchingUp.add(connection);
    connection.sweepIndex = this.swept.push(connection) - 1;
    this.startSweeping();
    return mine.size === 1;
  }

  /** Presence: subscribes the connection to its workspace, announcing the user if first. */
  joinWorkspace(connection: Connection, isFirst: boolean): void {
    connection.subscribe(workspaceTopic(connection.user.workspaceId), this.streamTopics);
    if (isFirst) this.cameOnline(connection.user);
  }

  /**
   * Ends the catch-up: sends what was published meanwhile past `replayedUpTo` that this
   * connection may see, then subscribes it to its topics. Synchronous, so nothing slips between.
   */
  goLive(connection: Connection, replayedUpTo: number): void {
    if (connection.state !== "catching-up") return;
    this.catchingUp.delete(connection);
    const buffered = connection.buffer ?? [];
    connection.buffer = undefined;
    for (const event of buffered) {
      if (event.id <= replayedUpTo) continue;
      // A membership change is followed even when the event is not sent (it always is: user
      // events of this user are always received).
      if (connection.receives(event)) connection.sendEvent(event);
    }
    for (const held of connection.held ?? []) connection.send(held);
    connection.held = undefined;
    connection.state = "live";
    connection.subscribe(userTopic(connection.user.id), this.streamTopics);
    connection.subscribe(workspaceEventsTopic(connection.user.workspaceId), this.streamTopics);
    for (const chatId of connection.chats) this.follow(connection, chatId);
  }

  /**
   * Closes every connection of a user here (1008): deactivation ends them at once. Every
   * instance does this on the user.updated that records it, so a cluster needs no other note.
   */
  closeUser(userId: number, reason: string): void {
    for (const connection of [...(this.byUser.get(userId) ?? [])]) {
      connection.transport.close(1008, reason);
    }
  }

  /**
   * An answer to one connection (an ack). When it is its user's only connection, and live, the
   * user's topic reaches it alone: published there, the answer joins what Bun's pub/sub writes
   * to that socket at the end of this turn, with the event it acknowledges: one write instead
   * of two. (Where a sequencer orders events, the caller waits for the event's delivery first.)
   */
  reply(connection: Connection, frame: Frame): void {
    const server = this.server;
    if (
      server &&
      connection.state === "live" &&
      connection.transport.kind === "ws" &&
      this.byUser.get(connection.user.id)?.size === 1
    ) {
      if (server.publish(userTopic(connection.user.id), frame.json) === -1) this.sweepSoon();
      return;
    }
    connection.reply(frame);
  }

  /** Forgets a closed connection; the user's last one going announces them offline. */
  detach(connection: Connection): void {
    if (connection.state === "closed") return;
    connection.state = "closed";
    this.catchingUp.delete(connection);
    this.unlist(connection);
    connection.unsubscribeAll(this.streamTopics);
    const mine = this.byUser.get(connection.user.id);
    mine?.delete(connection);
    if (mine && mine.size === 0) {
      this.byUser.delete(connection.user.id);
      this.wentOffline(connection.user);
    }
    if (this.byUser.size === 0) this.stopSweeping();
  }

  /** Typing goes to the other members' connections, never back to the typist's own. */
  typing(fromId: number, chatId: number, memberIds: number[]): void {
    const typing = frame("typing", { chatId, data: { chatId, userId: fromId } });
    for (const memberId of memberIds) {
      if (memberId === fromId) continue;
      this.publishTo(userTopic(memberId), typing);
      // A connection still replaying is not subscribed yet; it gets the frame once live.
      for (const connection of this.byUser.get(memberId) ?? []) {
        if (connection.state !== "catching-up") continue;
        connection.held ??= [];
        connection.held.push(typing);
      }
    }
  }

  /** A user's first connection here opened. */
  protected cameOnline(user: User): void {
    this.announce(user.id, user.workspaceId, "online");
  }

  /** A user's last connection here closed. */
  protected wentOffline(user: User): void {
    this.announce(user.id, user.workspaceId, "offline");
  }

  /** Users of the workspace with at least one open connection. */
  onlineIn(workspaceId: number): number[] {
    const online: number[] = [];
    for (const [userId, connections] of this.byUser) {
      const first = connections.values().next().value;
      if (first?.user.workspaceId === workspaceId) online.push(userId);
    }
    return online.sort((a, b) => a - b);
  }

  /**
   * Closes every connection (graceful shutdown: 1001, clients resume elsewhere). Nobody here is
   * told who went offline: everyone here is being closed, and telling each of n connections
   * about the n others took ~30 s of CPU at 10,000. Resolves once every transport has finished
   * closing (Socket Mode apps save their cursor and release their lease): before the store closes.
   */
  async closeAll(code: number, reason: string): Promise<void> {
    this.closingAll = true;
    const closing: (void | Promise<void>)[] = [];
    for (const connections of [...this.byUser.values()]) {
      for (const connection of [...connections]) {
        closing.push(connection.transport.close(code, reason));
      }
    }
    await Promise.allSettled(closing);
  }

  countConnections(kind: Transport["kind"]): number {
    let count = 0;
    for (const connections of this.byUser.values()) {
      for (const connection of connections) if (connection.transport.kind === kind) count += 1;
    }
    return count;
  }

  get connectionCount(): number {
    let count = 0;
    for (const connections of this.byUser.values()) count += connections.size;
    return count;
  }

  private follow(connection: Connection, chatId: number): void {
    connection.chats.add(chatId);
    connection.subscribe(chatTopic(chatId), this.streamTopics);
  }

  private unfollow(connection: Connection, chatId: number): void {
    connection.chats.delete(chatId);
    connection.unsubscribe(chatTopic(chatId), this.streamTopics);
  }

  /** Presence to this instance's connections in the workspace. */
  protected announce(userId: number, workspaceId: number, status: "online" | "offline"): void {
    if (this.closingAll) return;
    this.publishTo(workspaceTopic(workspaceId), frame("presence", { data: { userId, status } }));
  }

  /** One serialized frame per topic: Bun fans it out to sockets, the table to streams. */
  private publishTo(topic: string, message: Frame): void {
    // -1: some subscriber is backing up. Never resend (healthy ones already have it); look for
    // connections over the limit now rather than within the sweep's interval.
    if (this.server?.publish(topic, message.json) === -1) this.sweepSoon();
    const streams = this.streamTopics.get(topic);
    if (streams) for (const connection of streams) connection.send(message);
  }

  /**
   * A connection that cannot keep up is closed rather than allowed to grow memory. The sweep
   * checks a tenth of the connections every tenth of its interval: one pass over ten thousand
   * took ~1.5 ms (Bun's buffered-amount call), a stall every pass that showed in p99 latency.
   */
  private startSweeping(): void {
    if (this.sweeper) return;
    const interval = this.options.sweepIntervalMs ?? 1_000;
    this.sweeper = setInterval(() => this.sweep(sweepSlices), interval / sweepSlices);
    this.sweeper.unref?.();
  }

  private sweep(slices: number): void {
    const limit = this.options.backpressureLimit;
    const count = Math.ceil(this.swept.length / slices);
    for (let checked = 0; checked < count; checked++) {
      if (this.sweepCursor >= this.swept.length) this.sweepCursor = 0;
      const connection = this.swept[this.sweepCursor++];
      // A close detaches at once and moves the last connection into this slot; that one is
      // checked on the next pass.
      if (connection && connection.transport.bufferedBytes() > limit) {
        connection.transport.close(1013, "too slow: resume with since");
      }
    }
  }

  /**
   * A whole pass at once, at most every 50 ms: a burst can put a stalled socket far past the
   * limit within one sliced pass, and Bun's own backstop closes with 1006, not 1013.
   */
  private sweepSoon(): void {
    const now = performance.now();
    if (now - this.lastFullSweep < 50) return;
    this.lastFullSweep = now;
    this.sweep(1);
  }

  private stopSweeping(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Takes a connection off the sweep list by moving the last one into its place. */
  private unlist(connection: Connection): void {
    const index = connection.sweepIndex;
    if (index < 0) return;
    const last = this.swept.pop() as Connection;
    if (last !== connection) {
      this.swept[index] = last;
      last.sweepIndex = index;
    }
    connection.sweepIndex = -1;
  }
}

function addTo(table: Map<string, Set<Connection>>, topic: string, connection: Connection): void {
  const set = table.get(topic) ?? new Set();
  table.set(topic, set);
  set.add(connection);
}

function removeFrom(table: Map<string, Set<Connection>>, topic: string, connection: Connection) {
  const set = table.get(topic);
  set?.delete(connection);
  if (set?.size === 0) table.delete(topic);
}
