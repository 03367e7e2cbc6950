// Slack Socket Mode (API.md § Integrations): apps.connections.open answers a one-use WebSocket
// URL, and /api/slack/socket is that socket. Thin: the delivery is socket-mode.ts's.
import type { ServerWebSocket } from "bun";
import { Elysia, t } from "elysia";
import { durationMs } from "../../config.ts";
import { AppError, badRequest } from "../../errors.ts";
import { errorLine, type Logger } from "../../ops/logging.ts";
import { requestIp } from "../../rate-limit.ts";
import { type AuthDeps, bearerToken, botForSocketModeTicket } from "../accounts/auth.ts";
import type { User } from "../accounts/model.ts";
import type { LocalHub } from "../realtime/hub.ts";
import { publicBaseUrl } from "./public-url.ts";
import { type AppSocket, openAppConnection, SocketModeApps } from "./socket-mode.ts";

const SlackFailure = t.Object({ ok: t.Literal(false), error: t.String() });

export const socketModeRoutes = (deps: AuthDeps & { hub: LocalHub }) => {
  const apps = new SocketModeApps(deps, {
    ackTimeoutMs: durationMs(deps.config.socketMode.ackTimeout),
    keepForMs: durationMs(deps.config.socketMode.keepFor),
  });
  // A static path: it wins over the Web API's /api/slack/:method.
  return new Elysia({ name: "socket-mode", prefix: "/api/slack", detail: { tags: ["Slack"] } })
    .post(
      "/apps.connections.open",
      async ({ request, server, body, set }) => {
        const token =
          bearerToken(request.headers.get("authorization") ?? undefined) ??
          fieldToken(body as Record<string, unknown> | undefined);
        try {
          const url = await openAppConnection(deps, {
            token,
            ip: requestIp(server, request, deps.config.server.trustedProxies),
            base: publicBaseUrl(deps.config, request, server?.requestIP(request)?.address),
          });
          return { ok: true as const, url };
        } catch (error) {
          return slackFailure(error, token, set, deps.logger);
        }
      },
      {
        body: t.Optional(
          t.Object(
            {
              token: t.Optional(
                t.Unknown({ description: "The app token, if not a Bearer header" }),
              ),
            },
            { additionalProperties: true },
          ),
        ),
        response: {
          200: t.Union([t.Object({ ok: t.Literal(true), url: t.String() }), SlackFailure]),
          429: SlackFailure,
        },
        detail: {
          summary: "Open a Socket Mode connection (Slack's apps.connections.open)",
          description:
            "With an app token (`xapp-…`) as a Bearer header or a `token` field (JSON or form-encoded), answers `{ok: true, url}`: a one-use WebSocket URL (`wss://…/api/slack/socket?ticket=…`, from `server.publicUrl` when set) good for a minute. Slack's wire rules: HTTP 200 with `{ok: false, error}` for `not_authed` (no token) and `invalid_auth` (any other token, or a revoked bot's), and 429 `ratelimited` with `Retry-After` past the `connects` limit.",
        },
      },
    )
    .get(
      "/socket",
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

const fieldToken = (body: Record<string, unknown> | undefined) =>
  typeof body?.token === "string" ? body.token : undefined;

/** Slack's answer to a failure: 200 `{ok: false}`, or 429 `ratelimited` with Retry-After. */
function slackFailure(
  error: unknown,
  token: string | undefined,
  set: { status?: number | string; headers: Record<string, unknown> },
  logger: Logger,
): { ok: false; error: string } {
  if (error instanceof AppError && error.code === "rate_limited") {
    set.status = 429;
    set.headers["retry-after"] = error.headers["retry-after"];
    return { ok: false, error: "ratelimited" };
  }
  if (error instanceof AppError && error.code === "unauthorized") {
    return { ok: false, error: token ? "invalid_auth" : "not_authed" };
  }
  logger(errorLine("apps.connections.open failed", error));
  return { ok: false, error: "internal_error" };
}

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
