// Slack Socket Mode (API.md § Integrations): apps.connections.open answers a one-use WebSocket
// URL, and /api/slack/socket is that socket. Thin: the delivery is socket-mode.ts's.
import type { ServerWebSocket } from "bun";
import { Elysia, t } from "elysia";
import { durationMs } from "../../config.ts";
import { badRequest } from "../../errors.ts";
import { errorLine, type Logger } from "../../ops/logging.ts";
import { requestOrigin } from "../../ops/origin.ts";
import { requestIp } from "../../rate-limit.ts";
import { type AuthDeps, bearerToken, botForSocketModeTicket } from "../accounts/auth.ts";
import type { User } from "../accounts/model.ts";
import type { LocalHub } from "../realtime/hub.ts";
import type { SlackBody } from "./slack-api.ts";
import { slackFailure } from "./slack-api-errors.ts";
import { readSlackBody } from "./slack-api-routes.ts";
import { type AppSocket, openAppConnection, SocketModeApps } from "./socket-mode.ts";

/** Its bodies are its own, as the Web API's (src/body.ts leaves /api/slack/ alone). */
export const socketModeRoute = "/api/slack/apps.connections.open";

export const socketModeRoutes = (deps: AuthDeps & { hub: LocalHub }) => {
  const apps = new SocketModeApps(deps, {
    ackTimeoutMs: durationMs(deps.config.socketMode.ackTimeout),
    keepForMs: durationMs(deps.config.socketMode.keepFor),
    leaseMs: durationMs(deps.config.socketMode.lease),
  });
  // A static path: it wins over the Web API's /api/slack/:method.
  return new Elysia({ name: "socket-mode", detail: { tags: ["Integrations"] } })
    .post(
      socketModeRoute,
      async ({ request, server, body, set }) => {
        const read = body as SlackBody;
        if ("refusal" in read) return { ok: false as const, error: read.refusal };
        const field = read.args.token;
        const token =
          bearerToken(request.headers.get("authorization") ?? undefined) ??
          (typeof field === "string" && field !== "" ? field : undefined);
        if (!token) return { ok: false as const, error: "not_authed" };
        try {
          const url = await openAppConnection(deps, {
            token,
            ip: requestIp(server, request, deps.config.server.trustedProxies),
            base: requestOrigin(server, request, deps.config.server),
          });
          return { ok: true as const, url };
        } catch (error) {
          const failure = slackFailure("apps.connections.open", error);
          if (failure.unexpected) deps.logger(errorLine("unexpected error", failure.unexpected));
          if (failure.retryAfter) {
            set.status = 429;
            set.headers["retry-after"] = failure.retryAfter;
          }
          return { ok: false as const, error: failure.error };
        }
      },
      {
        parse: ({ request, contentType }) => readSlackBody(request, contentType ?? ""),
        // The generator leaves out paths with a dot (as static files): documented by hand in
        // src/ops/openapi.ts.
        detail: { hide: true },
      },
    )
    .get(
      "/api/slack/socket",
      async ({ request, server, query }) => {
        const bot = await botForSocketModeTicket(deps, query.ticket ?? "");
        const data = new AppSocketSession(apps, bot, deps.logger);
        if (!server?.upgrade(request, { data })) {
          throw badRequest("this route speaks WebSocket: send an Upgrade: websocket request");
        }
        return undefined;
      },
      {
        query: t.Object({ ticket: t.Optional(t.String()) }),
        // Documented by hand in src/ops/openapi.ts, as the generator cannot describe an upgrade.
        detail: { hide: true },
      },
    );
};

/** Bun's socket as the delivery's AppSocket. */
class BunAppSocket implements AppSocket {
  constructor(private readonly socket: ServerWebSocket<unknown>) {}
  send(json: string): void {
    if (this.socket.readyState === 1) this.socket.send(json);
  }
  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }
  bufferedBytes(): number {
    return this.socket.getBufferedAmount();
  }
}

/** One socket's handlers, found on its data by the app-wide WebSocket handler (as in realtime/ws.ts). */
class AppSocketSession {
  private socket: BunAppSocket | undefined;
  constructor(
    private readonly apps: SocketModeApps,
    private readonly bot: User,
    private readonly logger: Logger,
  ) {}
  open(socket: ServerWebSocket<unknown>): void {
    this.socket = new BunAppSocket(socket);
    this.apps
      .open(this.bot, this.socket)
      .catch((error) => this.logger(errorLine("a Socket Mode socket could not open", error)));
  }
  message(_socket: ServerWebSocket<unknown>, message: string | Buffer): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(message));
    } catch {
      return;
    }
    this.apps.receive(this.bot, parsed);
  }
  close(): void {
    if (this.socket) this.apps.close(this.bot, this.socket);
  }
}
