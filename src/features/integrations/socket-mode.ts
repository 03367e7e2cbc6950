// Slack Socket Mode's delivery (API.md § Integrations; docs/adr/0015-socket-mode-from-the-event-log.md):
// at least once, derived from the event log. An app (its bot user) is replayed what the log holds
// for the bot past its acknowledged cursor (app_cursors), then follows the hub live like any
// connection; an acknowledgement moves the cursor, so a reconnect or a restart sends again only
// what no socket acknowledged. Across instances, only the one holding the app's lease (a row of
// `settings`, taken and renewed by compare-and-set) delivers; the others keep their sockets of
// the app open and take the lease over when it is released or runs out.
import { hostname } from "node:os";
import type { Deps } from "../../context.ts";
import { errorLine } from "../../ops/logging.ts";
import { credentialForAppToken, issueSocketModeTicket } from "../accounts/auth.ts";
import type { User } from "../accounts/model.ts";
import type { ChatType } from "../chats/model.ts";
import type { Message } from "../messages/model.ts";
import type { Frame } from "../realtime/events.ts";
import { Connection, type LocalHub, type Transport } from "../realtime/hub.ts";
import {
  type DisconnectReason,
  disconnectFrame,
  type Envelope,
  envelopeFrame,
  helloFrame,
  type MessageContext,
  messageEnvelopes,
} from "./socket-mode-envelopes.ts";

export type SocketModeDeps = Deps & { hub: LocalHub };

export type SocketModeTiming = {
  /** How long an envelope waits for its acknowledgement before it is sent again. */
  ackTimeoutMs: number;
  /** Events older than this are not delivered (an app that was away that long missed them). */
  keepForMs: number;
  /** How long a lease holds unrenewed; renewed, and looked for by the others, every fifth of it. */
  leaseMs: number;
};

/** One app socket, as the delivery sees it (Bun's, in socket-mode-routes.ts). */
export interface AppSocket {
  send(json: string): void;
  close(code: number, reason: string): void;
  bufferedBytes(): number;
}

/**
 * apps.connections.open: the app token's bot, then the `connects` limit (a refusal comes after
 * a 401), then a one-use URL of the app's socket.
 */
export async function openAppConnection(
  deps: Pick<Deps, "db" | "config" | "limits">,
  input: { token: string | undefined; ip: string; base: string },
): Promise<string> {
  const credential = await credentialForAppToken(deps, input.token);
  deps.limits.take(`connects:ip:${input.ip}`, deps.config.limits.connects);
  const { ticket } = await issueSocketModeTicket(deps, credential);
  return `${input.base.replace(/^http/, "ws")}/api/slack/socket?ticket=${ticket}`;
}

/** Slack's limits: three retries of an unacknowledged envelope, ten sockets per app. */
const maxRetries = 3;
const maxSockets = 10;
/** Envelopes awaiting acknowledgement at once; the rest wait in order. */
const maxInFlight = 100;
const replayPage = 500;

/** Every app with sockets on this instance, by its bot user. */
export class SocketModeApps {
  private readonly apps = new Map<number, AppSockets>();
  /** Apps whose last socket closed, until their cursor is saved and their lease released. */
  private readonly ending = new Map<number, Promise<void>>();
  private readonly closed = new WeakSet<AppSocket>();
  private readonly host = hostname();
  /** This process, as the leases it holds name it. */
  private readonly instance = crypto.randomUUID();

  constructor(
    private readonly deps: SocketModeDeps,
    private readonly timing: SocketModeTiming,
  ) {}

  /** A new socket of the bot's app: `hello`, then its share of the app's envelopes. */
  async open(bot: User, socket: AppSocket): Promise<void> {
    let app = this.apps.get(bot.id);
    if (!app) {
      await this.ending.get(bot.id);
      app = this.apps.get(bot.id);
      if (!app) {
        const started = new AppSockets(
          this.deps,
          this.timing,
          bot,
          this.host,
          this.instance,
          (done) => this.ended(bot.id, started, done),
        );
        this.apps.set(bot.id, started);
        app = started;
      }
    }
    // It may have closed while the previous one saved its cursor.
    if (!this.closed.has(socket)) app.add(socket);
  }

  /** What the app sent: `{envelope_id, payload}` acknowledges an envelope; anything else is ignored. */
  receive(bot: User, message: unknown): void {
    const id = (message as { envelope_id?: unknown } | null)?.envelope_id;
    if (typeof id === "string") this.apps.get(bot.id)?.acknowledge(id);
  }

  close(bot: User, socket: AppSocket): void {
    this.closed.add(socket);
    this.apps.get(bot.id)?.remove(socket);
  }

  private ended(botId: number, app: AppSockets, done: Promise<void>): void {
    if (this.apps.get(botId) === app) this.apps.delete(botId);
    const ending: Promise<void> = done.finally(() => {
      if (this.ending.get(botId) === ending) this.ending.delete(botId);
    });
    this.ending.set(botId, ending);
  }
}

/** The settings key of an app's lease; its value is `<instance>:<until, ms since the epoch>`. */
export const leaseKey = (botUserId: number) => `socket.lease.${botUserId}`;

function readLease(value: string): { instance: string; until: number } {
  const at = value.lastIndexOf(":");
  return { instance: value.slice(0, at), until: Number(value.slice(at + 1)) };
}

/**
 * One app's sockets on this instance and its lease. Holding the lease, it delivers (an
 * AppDelivery replaying from the cursor, then live); without it, it stands by: its sockets stay
 * open, and a hub connection that delivers nothing still brings revocation and shutdown to them.
 * Every fifth of the lease it renews it, or tries to take it.
 */
class AppSockets {
  readonly sockets: AppSocket[] = [];
  private phase: AppDelivery | undefined;
  /** The lease as stored, while this instance holds it. */
  private lease: { value: string; until: number } | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Lease steps, one after another. */
  private steps: Promise<void> = Promise.resolve();
  private stepping = false;
  private ended = false;
  private readonly tickMs: number;

  constructor(
    private readonly deps: SocketModeDeps,
    private readonly timing: SocketModeTiming,
    readonly bot: User,
    readonly host: string,
    private readonly instance: string,
    private readonly onEnded: (done: Promise<void>) => void,
  ) {
    this.tickMs = Math.max(1, Math.floor(timing.leaseMs / 5));
  }

  add(socket: AppSocket): void {
    if (this.ended || this.sockets.length >= maxSockets) {
      const reason = this.ended ? "refresh_requested" : "too_many_websockets";
      socket.send(disconnectFrame(reason, this.host));
      socket.close(1008, reason);
      return;
    }
    this.sockets.push(socket);
    socket.send(helloFrame(this.bot.id, this.sockets.length, this.host));
    if (this.timer) {
      this.phase?.pump();
      return;
    }
    this.timer = setInterval(() => this.step(), this.tickMs);
    this.step();
  }

  remove(socket: AppSocket): void {
    const index = this.sockets.indexOf(socket);
    if (index < 0) return;
    this.sockets.splice(index, 1);
    if (this.sockets.length === 0) this.finish();
    else this.phase?.socketGone(socket);
  }

  acknowledge(envelopeId: string): void {
    this.phase?.acknowledge(envelopeId);
  }

  /** `disconnect` on every socket before it is closed: Slack's clients connect again at once. */
  end(why: DisconnectReason, code: number, reason: string): Promise<void> {
    for (const socket of [...this.sockets]) {
      socket.send(disconnectFrame(why, this.host));
      socket.close(code, reason);
    }
    return this.finish();
  }

  /** Renews the lease, or takes it; the phase follows whether this instance holds it. */
  private step(): void {
    // A step slower than the interval (a slow database) is not queued behind again.
    if (this.stepping) return;
    this.stepping = true;
    this.steps = this.steps
      .then(async () => {
        if (this.ended) return;
        try {
          if (this.lease) await this.renew();
          else await this.take();
        } catch (error) {
          this.deps.logger(errorLine("a Socket Mode app's lease could not be kept", error));
          // Unsure whether it still holds: it stops delivering before another may take over.
          if (this.lease && Date.now() + this.tickMs >= this.lease.until) this.lease = undefined;
        }
        if (this.ended) return;
        const holding = this.lease !== undefined;
        if (this.phase?.delivering !== holding) this.startPhase(holding);
      })
      .finally(() => {
        this.stepping = false;
      });
  }

  private async take(): Promise<void> {
    const key = leaseKey(this.bot.id);
    const now = Date.now();
    const found = await this.deps.db.findSetting(key);
    if (found !== undefined) {
      const held = readLease(found);
      if (held.instance !== this.instance && held.until > now) return;
    }
    const lease = {
      value: `${this.instance}:${now + this.timing.leaseMs}`,
      until: now + this.timing.leaseMs,
    };
    if (await this.deps.db.swapSetting(key, found, lease.value)) this.lease = lease;
  }

  /** From the value it wrote last: a lease another instance took over is not renewed. */
  private async renew(): Promise<void> {
    const held = this.lease as { value: string; until: number };
    const until = Date.now() + this.timing.leaseMs;
    const value = `${this.instance}:${until}`;
    const renewed = await this.deps.db.swapSetting(leaseKey(this.bot.id), held.value, value);
    this.lease = renewed ? { value, until } : undefined;
  }

  /**
   * The next phase's hub connection is attached (synchronously, in start) before the previous
   * one is detached, so the bot does not go offline and online between them.
   */
  private startPhase(delivering: boolean): void {
    const previous = this.phase;
    this.phase = new AppDelivery(this.deps, this.timing, this, delivering);
    void this.phase.start();
    void previous?.finish();
  }

  /** Once its cursor is saved, the lease is released: another instance takes over from there. */
  private finish(): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.ended = true;
    clearInterval(this.timer);
    const saved = this.phase?.finish();
    this.phase = undefined;
    const done = (async () => {
      await this.steps;
      await saved;
      const held = this.lease;
      this.lease = undefined;
      if (held) await this.deps.db.swapSetting(leaseKey(this.bot.id), held.value, undefined);
    })().catch((error) =>
      this.deps.logger(errorLine("a Socket Mode app's lease could not be released", error)),
    );
    this.onEnded(done);
    return done;
  }
}

type InFlight = { envelope: Envelope; socket: AppSocket; timer: ReturnType<typeof setTimeout> };

/**
 * One phase of an app's delivery on this instance, with a hub connection of its own. Delivering
 * (this instance holds the lease), the connection catches up and goes live, its chats following
 * the bot's membership, and its stored events become envelopes, kept in event order and handed to
 * the app's sockets in turn. Standing by, it goes live in no chat and delivers nothing: it is
 * there for what the hub tells every connection (revocation, shutdown).
 */
class AppDelivery implements Transport {
  readonly kind = "app";
  private readonly connection: Connection;
  private readonly bot: User;
  private turn = 0;
  /** Made, not yet sent (or to be sent again), in event order. */
  private readonly queue: Envelope[] = [];
  private readonly inFlight = new Map<string, InFlight>();
  /** Events are turned into envelopes one after another, in order. */
  private chain: Promise<void> = Promise.resolve();
  /** The last event turned into envelopes (or found to give none). */
  private seenUpTo = 0;
  /** The cursor as stored, and the store's write under way. */
  private saved = 0;
  private saving: Promise<void> | undefined;
  private saveAgain = false;
  private ended = false;
  private readonly chats = new Map<number, { type: ChatType; workspaceId: number }>();
  private readonly senders = new Map<number, boolean>();

  constructor(
    private readonly deps: SocketModeDeps,
    private readonly timing: SocketModeTiming,
    private readonly app: AppSockets,
    readonly delivering: boolean,
  ) {
    this.bot = app.bot;
    this.connection = new Connection(app.bot, this);
  }

  /** Replays the log past the app's cursor, then goes live, as a WebSocket client's catch-up does. */
  async start(): Promise<void> {
    const { db, hub } = this.deps;
    const { connection, bot } = this;
    try {
      const isFirst = hub.attach(connection);
      // Revoked between its ticket and now: the revocation did not find it attached.
      if ((await db.findUser(bot.id))?.deactivated !== false) {
        this.close(1008, "the app's token was revoked");
        return;
      }
      if (this.ended) return;
      hub.joinWorkspace(connection, isFirst);
      if (!this.delivering) {
        hub.goLive(connection, Number.MAX_SAFE_INTEGER);
        return;
      }
      for (const chatId of await db.listChatIdsOf(bot.id)) connection.chats.add(chatId);
      const cursor = (await db.findAppCursor(bot.id)) ?? 0;
      this.saved = cursor;
      this.seenUpTo = cursor;
      let read = cursor;
      while (!this.ended) {
        const page = await db.eventsSince(bot.id, read, replayPage);
        for (const event of page) {
          connection.followMembership(event);
          this.offer(event.id, event.type, event.json);
          read = event.id;
        }
        if (page.length < replayPage) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (this.ended) return;
      await hub.whenDelivered(read);
      hub.goLive(connection, read);
    } catch (error) {
      if (this.ended) return;
      this.deps.logger(errorLine("a Socket Mode app could not be caught up", error));
      this.end("refresh_requested", 1011, "could not replay: connect again");
    }
  }

  /** What was sent to a socket that closed and not acknowledged goes to the others. */
  socketGone(socket: AppSocket): void {
    for (const [id, sent] of this.inFlight) {
      if (sent.socket !== socket) continue;
      clearTimeout(sent.timer);
      this.inFlight.delete(id);
      this.requeue(sent.envelope);
    }
    this.pump();
  }

  acknowledge(envelopeId: string): void {
    const sent = this.inFlight.get(envelopeId);
    if (sent) {
      clearTimeout(sent.timer);
      this.inFlight.delete(envelopeId);
    } else {
      // A late acknowledgement of one waiting to be sent again.
      const index = this.queue.findIndex((envelope) => envelope.envelopeId === envelopeId);
      if (index < 0) return;
      this.queue.splice(index, 1);
    }
    this.cursorMoved();
    this.pump();
  }

  // The hub's side: stored events reach the app as frames; presence and typing are not Slack's.
  send(frame: Frame): void {
    if (frame.id !== undefined && this.delivering && !this.ended) {
      this.offer(frame.id, frame.type, frame.json);
    }
  }

  bufferedBytes(): number {
    return Math.max(0, ...this.app.sockets.map((socket) => socket.bufferedBytes()));
  }

  /**
   * The hub closes the app: its bot was revoked (1008), the server stops (1001), too slow (1013).
   * Resolves once its cursor is saved and its lease released (a graceful stop waits for that).
   */
  close(code: number, reason: string): Promise<void> {
    return this.end(code === 1008 ? "link_disabled" : "refresh_requested", code, reason);
  }

  private end(why: DisconnectReason, code: number, reason: string): Promise<void> {
    if (this.ended) return Promise.resolve();
    return this.app.end(why, code, reason);
  }

  /** Stops delivering; resolves once the cursor as it stands is saved (what is unacknowledged left after it). */
  finish(): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.ended = true;
    for (const sent of this.inFlight.values()) clearTimeout(sent.timer);
    this.deps.hub.detach(this.connection);
    if (!this.delivering) return Promise.resolve();
    return (async () => {
      await this.saving;
      await this.save();
    })().catch((error) =>
      this.deps.logger(errorLine("a Socket Mode app's cursor could not be saved", error)),
    );
  }

  private offer(id: number, type: string, json: string): void {
    this.chain = this.chain
      .then(() => this.take(id, type, json))
      .catch((error) => {
        if (this.ended) return;
        this.deps.logger(errorLine("a Socket Mode envelope could not be made", error));
        // Nothing is skipped: the app connects again and is replayed from its cursor.
        this.end("refresh_requested", 1011, "could not deliver: connect again");
      });
  }

  private async take(id: number, type: string, json: string): Promise<void> {
    if (this.ended || id <= this.seenUpTo) return;
    if (type === "message.created") {
      const { data: message } = JSON.parse(json) as { data: Message };
      const fresh = Date.parse(message.createdAt) >= Date.now() - this.timing.keepForMs;
      if (message.senderId !== this.bot.id && fresh) {
        const context = await this.contextOf(message);
        if (this.ended) return;
        this.queue.push(...messageEnvelopes(id, message, context));
      }
    }
    this.seenUpTo = id;
    this.pump();
    this.cursorMoved();
  }

  private async contextOf(message: Message): Promise<MessageContext> {
    const { db } = this.deps;
    let chat = this.chats.get(message.chatId);
    if (!chat) {
      const found = await db.findChat(message.chatId);
      chat = { type: found?.type ?? "public_channel", workspaceId: this.bot.workspaceId };
      this.chats.set(message.chatId, chat);
    }
    const root = message.threadId === null ? undefined : await db.findMessage(message.threadId);
    const ts = await db.messageTs(root ? [message.id, root.id] : [message.id]);
    return {
      botUserId: this.bot.id,
      workspaceId: chat.workspaceId,
      chatType: chat.type,
      ts: ts.get(message.id) as number,
      rootTs: root && ts.get(root.id),
      rootSenderId: root?.senderId,
      senderIsBot: await this.isBot(message.senderId),
    };
  }

  private async isBot(userId: number): Promise<boolean> {
    let bot = this.senders.get(userId);
    if (bot === undefined) {
      bot = (await this.deps.db.findUser(userId))?.bot === true;
      this.senders.set(userId, bot);
    }
    return bot;
  }

  /** Hands waiting envelopes to the sockets in turn, up to the bound on unacknowledged ones. */
  pump(): void {
    const { sockets } = this.app;
    while (this.queue.length > 0 && this.inFlight.size < maxInFlight && !this.ended) {
      const socket = sockets[this.turn++ % sockets.length];
      if (!socket) return;
      this.transmit(this.queue.shift() as Envelope, socket);
    }
  }

  private transmit(envelope: Envelope, socket: AppSocket): void {
    socket.send(envelopeFrame(envelope));
    const timer = setTimeout(() => this.timedOut(envelope.envelopeId), this.timing.ackTimeoutMs);
    this.inFlight.set(envelope.envelopeId, { envelope, socket, timer });
  }

  /** Unacknowledged in time: sent again with the next retry_attempt, or given up after the last. */
  private timedOut(envelopeId: string): void {
    const sent = this.inFlight.get(envelopeId);
    if (!sent || this.ended) return;
    this.inFlight.delete(envelopeId);
    const { envelope } = sent;
    if (envelope.attempt >= maxRetries) {
      this.deps.logger({
        time: new Date().toISOString(),
        level: "warn",
        msg: "a Socket Mode envelope was never acknowledged: given up, as Slack does",
        app: this.bot.id,
        envelopeId,
      });
      this.cursorMoved();
    } else {
      envelope.attempt += 1;
      this.requeue(envelope);
    }
    this.pump();
  }

  /** Back in the queue at its place in event order: sent again before anything newer. */
  private requeue(envelope: Envelope): void {
    const index = this.queue.findIndex((waiting) => waiting.eventId > envelope.eventId);
    if (index < 0) this.queue.push(envelope);
    else this.queue.splice(index, 0, envelope);
  }

  /** Every event up to it is acknowledged, given up, or gives the app nothing. */
  private cursor(): number {
    let cursor = this.seenUpTo;
    for (const sent of this.inFlight.values()) {
      cursor = Math.min(cursor, sent.envelope.eventId - 1);
    }
    const first = this.queue[0];
    return first ? Math.min(cursor, first.eventId - 1) : cursor;
  }

  /** One write at a time: acknowledgements that arrive meanwhile are saved by the next. */
  private cursorMoved(): void {
    if (this.saving) {
      this.saveAgain = true;
      return;
    }
    if (this.cursor() <= this.saved) return;
    this.saving = this.save()
      .catch((error) =>
        this.deps.logger(errorLine("a Socket Mode app's cursor could not be saved", error)),
      )
      .finally(() => {
        this.saving = undefined;
        if (this.saveAgain) {
          this.saveAgain = false;
          this.cursorMoved();
        }
      });
  }

  private async save(): Promise<void> {
    const cursor = this.cursor();
    if (cursor <= this.saved) return;
    await this.deps.db.keepAppCursor(this.bot.id, cursor);
    this.saved = Math.max(this.saved, cursor);
  }
}
