// The OpenAPI document at /swagger/json and the Swagger UI at /swagger, with its assets served
// from inside the binary: no CDN, no inline script.
import { toOpenAPISchema } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import cssPath from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
import bundlePath from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };
import packageJson from "../../package.json" with { type: "json" };
import { swaggerPolicy } from "./security.ts";

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Chat API</title>
  <link rel="stylesheet" href="/swagger/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/swagger/assets/swagger-ui-bundle.js"></script>
  <script src="/swagger/assets/init.js"></script>
</body>
</html>`;

const init = `window.ui = SwaggerUIBundle({ url: "/swagger/json", dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: true });`;

const asset = (path: string, type: string) => () =>
  new Response(Bun.file(path), {
    headers: { "content-type": type, "cache-control": "public, max-age=86400" },
  });

type RouteView = { method: string; path: string; hooks?: Record<string, unknown> };
export type DocumentedApp = { getGlobalRoutes(): RouteView[]; getGlobalDefinitions?(): unknown };

const info = {
  title: "Chat API",
  version: packageJson.version,
  description:
    "Workspaces, chats and messages, with live delivery over WebSocket and Server-Sent Events. Every error is `{error: {code, message}}`.",
};

/** Routes the generator cannot see as HTTP operations: the WebSocket upgrade. */
const realtimePaths = {
  "/api/ws": {
    get: {
      tags: ["Real time"],
      summary: "Live events over WebSocket",
      description:
        "Upgrades to a WebSocket. The first frame is `ready` with `lastEventId`; resume with `since=<event id>` (`reset` follows `ready` when it cannot be honoured). Clients may send `send` (answered by `ack` or `error`), `typing` and `ping` frames.",
      parameters: [
        {
          name: "ticket",
          in: "query",
          required: false,
          description: "A single-use ticket from `POST /api/tickets` (or send the header)",
          schema: { type: "string" },
        },
        {
          name: "token",
          in: "query",
          required: false,
          description: "v1: the session token itself; kept for existing clients",
          schema: { type: "string" },
        },
        { name: "since", in: "query", required: false, schema: { type: "integer", minimum: 0 } },
      ],
      responses: {
        101: { description: "Switching to the WebSocket protocol" },
        401: { description: "No or bad token or ticket: the upgrade is refused" },
      },
    },
  },
  "/api/slack/apps.connections.open": {
    post: {
      tags: ["Integrations"],
      summary: "Open a Socket Mode connection (Slack's apps.connections.open)",
      description:
        "With an app token (`xapp-…`) as a Bearer header or a `token` argument (form-encoded or JSON), answers `{ok: true, url}`: a one-use WebSocket URL (`wss://…/api/slack/socket?ticket=…`, from `server.publicUrl` when set) good for a minute; see `GET /api/slack/socket` for what it carries. Slack's wire rules: HTTP 200 with `{ok: false, error}` for `not_authed` (no token) and `invalid_auth` (any other token, or a revoked bot's), and 429 `ratelimited` with `Retry-After` past the `connects` limit.",
      requestBody: {
        required: false,
        content: {
          "application/x-www-form-urlencoded": {
            schema: { type: "object", properties: { token: { type: "string" } } },
          },
          "application/json": {
            schema: { type: "object", properties: { token: { type: "string" } } },
          },
        },
      },
      responses: {
        200: {
          description: "`{ok: true, url}`, or `{ok: false, error}`",
          content: {
            "application/json": {
              schema: {
                type: "object",
                required: ["ok"],
                properties: {
                  ok: { type: "boolean" },
                  url: { type: "string" },
                  error: { type: "string" },
                },
              },
            },
          },
        },
        429: {
          description: '`{ok: false, error: "ratelimited"}` with `Retry-After` in whole seconds',
        },
      },
    },
  },
  "/api/slack/socket": {
    get: {
      tags: ["Integrations"],
      summary: "Slack Socket Mode's WebSocket",
      description:
        'The one-use URL `apps.connections.open` answers. The server sends `hello` (`num_connections`, `debug_info`, `connection_info.app_id`), then an `events_api` envelope for each message in a chat the bot is a member of (not its own; replies included) and an `app_mention` when it mentions the bot, with Slack\'s fields. The app acknowledges each with `{envelope_id, payload}`; one not acknowledged within `socketMode.ackTimeout` (10 s) is sent again with the same `envelope_id`, `retry_attempt` 1–3 and `retry_reason: "timeout"`. Events that arise while the app has no connection wait for it `socketMode.keepFor` (24 h) and follow its next `hello`, in order; with several sockets, each envelope goes to one of them. `disconnect` (`refresh_requested`, `link_disabled` when the bot is revoked, `too_many_websockets` past 10 sockets) comes before the server closes a socket.',
      parameters: [
        {
          name: "ticket",
          in: "query",
          required: true,
          description: "From the URL `apps.connections.open` answered; good once, for a minute",
          schema: { type: "string" },
        },
      ],
      responses: {
        101: { description: "Switching to the WebSocket protocol" },
        401: { description: "The ticket is unknown, used or expired, or the bot was revoked" },
      },
    },
  },
};

const documentedResponses = "x-documented-responses";

/**
 * Response schemas for the document only, not checked at run time: for hot routes whose bodies
 * our own typed mappers build. Checking each of 50 messages of a history page cost about a
 * quarter of the read (docs/performance.md).
 */
export const documentedOnly = (response: Record<number, unknown>) => ({
  [documentedResponses]: response,
});

/**
 * The document is generated from the routes' own schemas. Our JSON body parser is a function,
 * which the generator skips when listing content types, so it is shown the routes with that
 * parser named as the JSON it is.
 */
function buildDocument(app: DocumentedApp) {
  const view: DocumentedApp = {
    getGlobalRoutes: () =>
      app.getGlobalRoutes().map((route) => {
        const { [documentedResponses]: response, ...detail } = (route.hooks?.detail ??
          {}) as Record<string, unknown>;
        return {
          ...route,
          hooks: {
            ...route.hooks,
            detail,
            response: response ?? route.hooks?.response,
            parse: route.hooks?.body ? [{ fn: "json" }] : undefined,
          },
        };
      }),
    getGlobalDefinitions: () => app.getGlobalDefinitions?.(),
  };
  const generated = toOpenAPISchema(
    view as never,
    { methods: ["options", "ws"] },
    undefined,
    undefined,
    "3.1.0",
  );
  return {
    openapi: "3.1.0",
    info,
    tags: [
      { name: "Accounts", description: "Sign-up, sign-in, invites, people" },
      { name: "Chats", description: "Direct messages, groups and channels" },
      { name: "Messages", description: "Sending and history" },
      { name: "Files", description: "Uploads and downloads" },
      { name: "Real time", description: "WebSocket and Server-Sent Events" },
      { name: "Operations", description: "Health and metrics" },
    ],
    paths: { ...generated.paths, ...realtimePaths },
    components: {
      ...generated.components,
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
    },
    security: [{ bearer: [] }],
  };
}

/** `app` is the composed application, read when the document is first asked for. */
export const openapiDocs = (app: () => DocumentedApp) => {
  let document: ReturnType<typeof buildDocument> | undefined;
  const hidden = { detail: { hide: true } };
  return new Elysia({ name: "openapi" })
    .get("/swagger/json", () => (document ??= buildDocument(app())), hidden)
    .get(
      "/swagger",
      () =>
        new Response(page, {
          headers: {
            "content-type": "text/html; charset=utf-8",
            "content-security-policy": swaggerPolicy,
          },
        }),
      hidden,
    )
    .get(
      "/swagger/assets/swagger-ui-bundle.js",
      asset(bundlePath, "text/javascript; charset=utf-8"),
      hidden,
    )
    .get("/swagger/assets/swagger-ui.css", asset(cssPath, "text/css; charset=utf-8"), hidden)
    .get(
      "/swagger/assets/init.js",
      () => new Response(init, { headers: { "content-type": "text/javascript; charset=utf-8" } }),
      hidden,
    );
};
