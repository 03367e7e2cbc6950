// GET /api/ws: the WebSocket transport. Thin: it adapts Bun's socket to the hub's Transport and
// hands every frame to the service.
import type { ServerWebSocket } from "bun";
import { Elysia, t } from "elysia";
import { badRequest } from "../../errors.ts";
import { errorLine, type Logger } from "../../ops/logging.ts";
import { rateLimits } from "../../rate-limit.ts";
import { type AuthDeps, authenticated } from "../accounts/auth.ts";
import type { Frame } from "./events.ts";
import { Connection, type LocalHub, type Transport } from "./hub.ts";
import {
  closeConnection,
  handleFrame,
  openConnection,
  parseSince,
  type RealtimeCtx,
} from "./service.ts";

/** Sockets owed replies in this turn of the event loop, written together at its end. */
const replying = new Set<SocketTransport>();

function writeReplies(): void {
  // Taken first, so that one failing socket neither stops the others nor every later reply.
  const transports = [...replying];
  replying.clear();
  for (const transport of transports) {
    try {
      transport.writeReplies();
    } catch (error) {
      transport.logger(errorLine("replies could not be written to a socket", error));
    }
  }
}

/** Bun's socket as the hub's Transport. A class: tens of thousands are held at once. */
class SocketTransport implements Transport {
  readonly kind = "ws";
  private replies: string[] | undefined;
  constructor(
    private readonly socket: ServerWebSocket<unknown>,
    readonly logger: Logger,
  ) {}
  send(frame: Frame): void {
    this.socket.send(frame.json);
  }
  /**
   * A group commit answers many sends at once, several per socket: written one by one, each
   * ack was a write of its own (a quarter of a fan-out burst's time); corked together, a
   * socket's acks of one turn are one write.
   */
  reply(frame: Frame): void {
    if (this.replies) {
      this.replies.push(frame.json);
      return;
    }
    this.replies = [frame.json];
    if (replying.size === 0) setImmediate(writeReplies);
    replying.add(this);
  }
  writeReplies(): void {
    const replies = this.replies ?? [];
    this.replies = undefined;
    if (this.socket.readyState !== 1) return;
    this.socket.cork(() => {
      for (const json of replies) this.socket.send(json);
    });
  }
  subscribe(topic: string): void {
    if (this.socket.readyState === 1) this.socket.subscribe(topic);
  }
  unsubscribe(topic: string): void {
    if (this.socket.readyState === 1) this.socket.unsubscribe(topic);
  }
  bufferedBytes(): number {
    return this.socket.getBufferedAmount();
  }
  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }
}

/** Text frames are JSON objects; anything else is handed on as it came, to be answered with an error. */
function parseFrame(message: string | Buffer): unknown {
  if (typeof message !== "string") return message;
  try {
    return JSON.parse(message);
  } catch {
    return message;
  }
}

/**
 * The upgrade is a plain GET route that hands Bun its own socket handlers. Elysia's ws() wraps
 * every incoming frame in a new object with a dozen bound methods and an async parse step: a
 * tenth of the send path's time in a profile, for nothing this protocol uses.
 */
export const websocketRoutes = (deps: AuthDeps & { hub: LocalHub }) =>
  new Elysia({ name: "websocket" })
    .use(authenticated(deps, { queryToken: true, ticket: true }))
    .use(rateLimits(deps))
    .get(
      "/api/ws",
      ({ request, server, ctx, query }) => {
        const data = new SocketSession(ctx, parseSince(query.since));
        if (!server?.upgrade(request, { data })) {
          throw badRequest("this route speaks WebSocket: send an Upgrade: websocket request");
        }
        // Bun answers an upgraded request itself; the handler returns nothing.
        return undefined;
      },
      {
        query: t.Object({
          token: t.Optional(t.String()),
          ticket: t.Optional(t.String()),
          since: t.Optional(t.String()),
        }),
        limit: "connects",
        // Documented by hand in src/ops/openapi.ts, as the generator cannot describe an upgrade.
        detail: { hide: true },
      },
    );

/**
 * One socket's handlers, kept for its lifetime on its data: they hold the user and the deps, not
 * the request they came with.
 */
class SocketSession implements SocketHandlers {
  private connection: Connection | undefined;
  constructor(
    private readonly ctx: RealtimeCtx,
    private readonly since: number | null | undefined,
  ) {}
  open(socket: ServerWebSocket<unknown>): void {
    this.connection = new Connection(this.ctx.user, new SocketTransport(socket, this.ctx.logger));
    void openConnection(this.ctx, this.connection, this.since);
  }
  message(_socket: ServerWebSocket<unknown>, message: string | Buffer): void {
    if (this.connection) void handleFrame(this.ctx, this.connection, parseFrame(message));
  }
  close(): void {
    if (this.connection) closeConnection(this.ctx.hub, this.connection);
  }
}

/** What Elysia's app-wide WebSocket handler calls, found on each socket's data. */
type SocketHandlers = {
  open(socket: ServerWebSocket<unknown>): void;
  message(socket: ServerWebSocket<unknown>, message: string | Buffer): void;
  close(socket: ServerWebSocket<unknown>, code: number, reason: string): void;
};
