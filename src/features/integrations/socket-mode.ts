// Slack Socket Mode's delivery (API.md § Integrations; docs/adr/0015-socket-mode-from-the-event-log.md):
// at least once, derived from the event log. An app (its bot user) is replayed what the log holds
// for the bot past its acknowledged cursor (app_cursors), then follows the hub live like any
// connection; an acknowledgement moves the cursor, so a reconnect or a restart sends again only
// what no socket acknowledged. One delivery per app per instance, shared by its sockets.
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

/** Every app delivered from this instance, by its bot user. */
export class SocketModeApps {
  private readonly deliveries = new Map<number, AppDelivery>();
  /** Deliveries that ended, until their cursor is saved: the app's next one starts from it. */
  private readonly ending = new Map<number, Promise<void>>();
  private readonly closed = new WeakSet<AppSocket>();
  private readonly host = hostname();

  constructor(
    private readonly deps: SocketModeDeps,
    private readonly timing: SocketModeTiming,
  ) {}

  /** A new socket of the bot's app: `hello`, then its share of the app's envelopes. */
  async open(bot: User, socket: AppSocket): Promise<void> {
    let delivery = this.deliveries.get(bot.id);
    if (!delivery) {
      await this.ending.get(bot.id);
      delivery = this.deliveries.get(bot.id);
      if (!delivery) {
        const started = new AppDelivery(this.deps, this.timing, bot, this.host, (saved) =>
          this.ended(bot.id, started, saved),
        );
        this.deliveries.set(bot.id, started);
        void started.start();
        delivery = started;
      }
    }
    // It may have closed while the previous delivery saved its cursor.
    if (!this.closed.has(socket)) delivery.add(socket);
  }

  /** What the app sent: `{envelope_id, payload}` acknowledges an envelope; anything else is ignored. */
  receive(bot: User, message: unknown): void {
    const id = (message as { envelope_id?: unknown } | null)?.envelope_id;
    if (typeof id === "string") this.deliveries.get(bot.id)?.acknowledge(id);
  }

  close(bot: User, socket: AppSocket): void {
    this.closed.add(socket);
    this.deliveries.get(bot.id)?.remove(socket);
  }

  private ended(botId: number, delivery: AppDelivery, saved: Promise<void>): void {
    if (this.deliveries.get(botId) === delivery) this.deliveries.delete(botId);
    const done: Promise<void> = saved.finally(() => {
      if (this.ending.get(botId) === done) this.ending.delete(botId);
    });
    this.ending.set(botId, done);
  }
}

type InFlight = { envelope: Envelope; socket: AppSocket; timer: ReturnType<typeof setTimeout> };

/**
 * One app's delivery on this instance: a connection of the hub (catching up, then live, its
 * chats following the bot's membership), whose stored events become envelopes, kept in event
 * order and handed to the app's sockets in turn.
 */
class AppDelivery implements Transport {
  readonly kind = "app";
  private readonly connection: Connection;
  private readonly sockets: AppSocket[] = [];
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
    private readonly bot: User,
    private readonly host: string,
    private readonly onEnded: (saved: Promise<void>) => void,
  ) {
    this.connection = new Connection(bot, this);
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
      hub.joinWorkspace(connection, isFirst);
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

  add(socket: AppSocket): void {
    if (this.ended || this.sockets.length >= maxSockets) {
      const reason = this.ended ? "refresh_requested" : "too_many_websockets";
      socket.send(disconnectFrame(reason, this.host));
      socket.close(1008, reason);
      return;
    }
    this.sockets.push(socket);
    socket.send(helloFrame(this.bot.id, this.sockets.length, this.host));
    this.pump();
  }

  remove(socket: AppSocket): void {
    const index = this.sockets.indexOf(socket);
    if (index < 0) return;
    this.sockets.splice(index, 1);
    // What it was sent and did not acknowledge goes to the others, or to the next socket.
    for (const [id, sent] of this.inFlight) {
      if (sent.socket !== socket) continue;
      clearTimeout(sent.timer);
      this.inFlight.delete(id);
      this.requeue(sent.envelope);
    }
    if (this.sockets.length === 0) this.finish();
    else this.pump();
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
    if (frame.id !== undefined && !this.ended) this.offer(frame.id, frame.type, frame.json);
  }

  bufferedBytes(): number {
    return Math.max(0, ...this.sockets.map((socket) => socket.bufferedBytes()));
  }

  /** The hub closes the app: its bot was revoked (1008), the server stops (1001), too slow (1013). */
  close(code: number, reason: string): void {
    this.end(code === 1008 ? "link_disabled" : "refresh_requested", code, reason);
  }

  /** `disconnect` on every socket before it is closed: Slack's clients connect again at once. */
  private end(why: DisconnectReason, code: number, reason: string): void {
    for (const socket of [...this.sockets]) {
      socket.send(disconnectFrame(why, this.host));
      socket.close(code, reason);
    }
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    for (const sent of this.inFlight.values()) clearTimeout(sent.timer);
    this.deps.hub.detach(this.connection);
    // The cursor as it stands, what is unacknowledged left before it for the next delivery.
    const saved = (async () => {
      await this.saving;
      await this.save();
    })().catch((error) =>
      this.deps.logger(errorLine("a Socket Mode app's cursor could not be saved", error)),
    );
    this.onEnded(saved);
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
  private pump(): void {
    while (this.queue.length > 0 && this.inFlight.size < maxInFlight && !this.ended) {
      const socket = this.sockets[this.turn++ % this.sockets.length];
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
