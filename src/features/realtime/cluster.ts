// Several instances behind one load balancer: each publishes the events it commits to Redis and
// delivers what the others publish to its own sockets, in id order (the hub's sequencer fills
// whatever Redis lost from the database). Typing and presence, which are never stored, travel
// the same way; presence is soft state that each instance rebuilds from its peers' heartbeats.
import type Redis from "ioredis";
import type { StoredEvent } from "../../../db/events.ts";
import type { Store } from "../../../db/store.ts";
import type { Config } from "../../config.ts";
import { errorLine, type Logger } from "../../ops/logging.ts";
import type { User } from "../accounts/model.ts";
import { type HubOptions, LocalHub } from "./hub.ts";

export type ClusterOptions = HubOptions & {
  url: string;
  /** Channel names start with it: instances of one database share it, others never do. */
  prefix: string;
  /** How often an instance tells the others who is connected to it. */
  heartbeatMs?: number;
};

/** What instances say to each other on the ephemeral channel. */
type Note =
  | { kind: "typing"; origin: string; userId: number; chatId: number; memberIds: number[] }
  | { kind: "up" | "down"; origin: string; userId: number; workspaceId: number }
  | { kind: "state"; origin: string; users: [number, number][] }
  | { kind: "hello" | "bye"; origin: string };

type Peer = { users: Map<number, number>; seen: number };

export class ClusterHub extends LocalHub {
  readonly instanceId = crypto.randomUUID();
  private publisher!: Redis;
  private subscriber!: Redis;
  private readonly channels: { events: string; notes: string };
  /** Who is connected where, this instance included: user id → workspace id, per instance. */
  private readonly peers = new Map<string, Peer>();
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private readonly heartbeatMs: number;

  constructor(private readonly cluster: ClusterOptions) {
    super(cluster);
    this.channels = { events: `${cluster.prefix}:events`, notes: `${cluster.prefix}:notes` };
    this.heartbeatMs = cluster.heartbeatMs ?? 5000;
    this.peers.set(this.instanceId, { users: new Map(), seen: Number.POSITIVE_INFINITY });
  }

  override async start(): Promise<void> {
    await super.start();
    // Loaded here, so a single instance never loads the Redis client at all.
    const { default: Redis } = await import("ioredis");
    const redisOptions = { lazyConnect: true, maxRetriesPerRequest: 3 };
    // No offline queue: during an outage, publishes fail at once instead of piling up in memory;
    // the other instances read what they missed from the database when Redis is back.
    this.publisher = new Redis(this.cluster.url, { ...redisOptions, enableOfflineQueue: false });
    this.subscriber = new Redis(this.cluster.url, { ...redisOptions, autoResubscribe: true });
    for (const client of [this.publisher, this.subscriber]) {
      // Reconnecting is ioredis's job; an error here is only worth a line in the log.
      client.on("error", (error) =>
        this.cluster.logger({
          time: new Date().toISOString(),
          level: "warn",
          msg: "redis",
          error: error.message,
        }),
      );
    }
    await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
    this.subscriber.on("messageBuffer", (channel: Buffer, message: Buffer) =>
      this.receive(channel.toString(), message.toString()),
    );
    // After every (re)subscription: read back what was published while away, and ask the
    // others who is connected to them.
    this.subscriber.on("ready", () => {
      this.catchUp();
      this.note({ kind: "hello", origin: this.instanceId });
    });
    await this.subscriber.subscribe(this.channels.events, this.channels.notes);
    this.note({ kind: "hello", origin: this.instanceId });
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref?.();
  }

  override async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    this.note({ kind: "bye", origin: this.instanceId });
    await super.stop();
    await Promise.allSettled([this.publisher.quit(), this.subscriber.quit()]);
  }

  override publish(events: StoredEvent[]): void {
    super.publish(events);
    this.send(this.channels.events, JSON.stringify(events));
  }

  override typing(fromId: number, chatId: number, memberIds: number[]): void {
    super.typing(fromId, chatId, memberIds);
    this.note({ kind: "typing", origin: this.instanceId, userId: fromId, chatId, memberIds });
  }

  override onlineIn(workspaceId: number): number[] {
    const online = new Set<number>();
    for (const peer of this.peers.values()) {
      for (const [userId, inWorkspace] of peer.users) {
        if (inWorkspace === workspaceId) online.add(userId);
      }
    }
    return [...online].sort((a, b) => a - b);
  }

  protected override cameOnline(user: User): void {
    this.place(this.peer(this.instanceId), user.id, user.workspaceId);
    this.note({
      kind: "up",
      origin: this.instanceId,
      userId: user.id,
      workspaceId: user.workspaceId,
    });
  }

  protected override wentOffline(user: User): void {
    this.place(this.peer(this.instanceId), user.id, undefined);
    this.note({
      kind: "down",
      origin: this.instanceId,
      userId: user.id,
      workspaceId: user.workspaceId,
    });
  }

  private receive(channel: string, message: string): void {
    try {
      if (channel === this.channels.events) {
        // Our own events come back too; the sequencer has them already and drops them.
        super.publish(JSON.parse(message) as StoredEvent[]);
        return;
      }
      const note = JSON.parse(message) as Note;
      if (note.origin === this.instanceId) return;
      this.hear(note);
    } catch (error) {
      this.cluster.logger(
        errorLine("an unreadable message from another instance was dropped", error),
      );
    }
  }

  private hear(note: Note): void {
    const { origin } = note;
    switch (note.kind) {
      case "typing":
        super.typing(note.userId, note.chatId, note.memberIds);
        return;
      case "up":
        this.place(this.peer(origin), note.userId, note.workspaceId);
        return;
      case "down":
        this.place(this.peer(origin), note.userId, undefined);
        return;
      case "state": {
        const peer = this.peer(origin);
        const stated = new Map(note.users);
        for (const userId of [...peer.users.keys()]) {
          if (!stated.has(userId)) this.place(peer, userId, undefined);
        }
        for (const [userId, workspaceId] of stated) this.place(peer, userId, workspaceId);
        return;
      }
      case "hello":
        // A newcomer, or a peer back from a lost connection: tell it who is here.
        this.beat();
        return;
      case "bye":
        this.forget(origin);
        return;
    }
  }

  /** An instance's entry, made at its first word; every word from another one keeps it alive. */
  private peer(origin: string): Peer {
    let peer = this.peers.get(origin);
    if (!peer) {
      peer = { users: new Map(), seen: 0 };
      this.peers.set(origin, peer);
    }
    if (origin !== this.instanceId) peer.seen = Date.now();
    return peer;
  }

  /**
   * Records that a user is connected to an instance (in `workspaceId`) or no longer is
   * (undefined), and announces on this instance's sockets when that takes the user from online
   * nowhere to online somewhere, or back.
   */
  private place(peer: Peer, userId: number, workspaceId: number | undefined): void {
    const known = peer.users.get(userId);
    const wasOnline = this.isOnline(userId);
    if (workspaceId === undefined) peer.users.delete(userId);
    else peer.users.set(userId, workspaceId);
    if (wasOnline !== this.isOnline(userId)) {
      this.announce(userId, (workspaceId ?? known) as number, wasOnline ? "offline" : "online");
    }
  }

  private isOnline(userId: number): boolean {
    for (const peer of this.peers.values()) if (peer.users.has(userId)) return true;
    return false;
  }

  private forget(origin: string): void {
    const peer = this.peers.get(origin);
    if (origin === this.instanceId || !peer) return;
    for (const userId of [...peer.users.keys()]) this.place(peer, userId, undefined);
    this.peers.delete(origin);
  }

  /** Tells the others who is connected here, and forgets peers that fell silent. */
  private beat(): void {
    const mine = this.peers.get(this.instanceId) as Peer;
    this.note({ kind: "state", origin: this.instanceId, users: [...mine.users] });
    const silentSince = Date.now() - 3 * this.heartbeatMs;
    for (const [origin, peer] of this.peers) if (peer.seen < silentSince) this.forget(origin);
  }

  private note(note: Note): void {
    this.send(this.channels.notes, JSON.stringify(note));
  }

  private send(channel: string, message: string): void {
    // A publish that fails is not retried: other instances read the events back from the
    // database, and presence is restated at the next heartbeat.
    this.publisher.publish(channel, message).catch(() => {});
  }
}

/**
 * The hub this configuration asks for: one instance on SQLite delivers as it commits; on
 * PostgreSQL events are put in order first; with pubsub.url, instances share them through Redis.
 */
export async function startHub(config: Config, db: Store, logger: Logger): Promise<LocalHub> {
  const options: HubOptions = {
    backpressureLimit: config.realtime.backpressureLimit,
    logger,
    ...(db.dialect === "postgres" && { ordering: { source: db } }),
  };
  const hub = config.pubsub.url
    ? new ClusterHub({
        ...options,
        url: config.pubsub.url,
        prefix: `chat:${await db.keepSetting("cluster.id", crypto.randomUUID())}`,
      })
    : new LocalHub(options);
  await hub.start();
  return hub;
}
