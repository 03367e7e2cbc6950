// The one place the plugins are composed. Never listens: serve.ts does, and tests import this.
import { Elysia } from "elysia";
import { jsonBodies } from "./body.ts";
import type { Deps } from "./context.ts";
import { errorHandler } from "./errors.ts";
import { accountRoutes } from "./features/accounts/routes.ts";
import { chatRoutes } from "./features/chats/routes.ts";
import { maxFilesPerUpload } from "./features/files/model.ts";
import { maxUploadBytes } from "./features/files/multipart.ts";
import { fileRoutes } from "./features/files/routes.ts";
import { botRoutes, slackImportRoutes } from "./features/integrations/routes.ts";
import { slackApiRoutes } from "./features/integrations/slack-api-routes.ts";
import { socketModeRoutes } from "./features/integrations/socket-mode-routes.ts";
import { webhookRoutes } from "./features/integrations/webhook-routes.ts";
import { messageRoutes } from "./features/messages/routes.ts";
import { notificationRoutes } from "./features/notifications/routes.ts";
import { peopleRoutes } from "./features/people/routes.ts";
import type { LocalHub } from "./features/realtime/hub.ts";
import { presenceRoutes } from "./features/realtime/routes.ts";
import { eventStreamRoutes } from "./features/realtime/sse.ts";
import { websocketRoutes } from "./features/realtime/ws.ts";
import { searchRoutes } from "./features/search/routes.ts";
import { health } from "./ops/health.ts";
import { errorLine, requestLog } from "./ops/logging.ts";
import { Metrics, metricsRoute } from "./ops/metrics.ts";
import { type DocumentedApp, openapiDocs } from "./ops/openapi.ts";
import { security } from "./ops/security.ts";
import { webApp } from "./web.ts";

export type AppDeps = Deps & {
  hub: LocalHub;
  /** The token signing secret, resolved from config or the database before the app is built. */
  secret: string;
  metrics?: Metrics;
};

export function createApp(deps: AppDeps) {
  const { logger } = deps;
  const metrics = deps.metrics ?? new Metrics();
  const log = (error: unknown) => logger(errorLine("unexpected error", error));
  const { realtime } = deps.config;
  // The document describes the composed app, which exists only once composition is done.
  let composed: DocumentedApp | undefined;
  const app = new Elysia({
    // Bun refuses bodies past this before any handler runs; uploads are the largest.
    serve: {
      maxRequestBodySize: maxUploadBytes({
        maxSize: deps.config.files.maxSize,
        maxFiles: maxFilesPerUpload,
      }),
    },
    websocket: {
      maxPayloadLength: realtime.maxPayloadLength,
      idleTimeout: realtime.idleTimeout,
      perMessageDeflate: realtime.perMessageDeflate,
      // The hub closes a slow socket with 1013 at the configured limit, checking as soon as a
      // publish reports backpressure. Bun's limit is only a backstop far above it: past it Bun
      // drops frames, and its own close (closeOnBackpressureLimit) sends 1006 with no reason.
      backpressureLimit: realtime.backpressureLimit * 2 + 16 * 1024 * 1024,
      closeOnBackpressureLimit: true,
    },
  })
    // WebSocket topics are published on Bun's server, which exists once the app listens.
    .onStart(({ server }) => {
      if (server) deps.hub.useServer(server);
    })
    .use(requestLog({ logger, metrics }))
    .use(security(deps.config))
    .use(errorHandler(log))
    .use(jsonBodies())
    .use(openapiDocs(() => composed as DocumentedApp))
    .use(health(deps))
    .use(metricsRoute({ ...deps, metrics }))
    .use(accountRoutes(deps))
    .use(peopleRoutes(deps))
    .use(chatRoutes(deps))
    .use(messageRoutes(deps))
    .use(fileRoutes(deps))
    .use(searchRoutes(deps))
    .use(notificationRoutes(deps))
    .use(botRoutes(deps))
    .use(webhookRoutes(deps))
    .use(socketModeRoutes(deps))
    .use(slackApiRoutes(deps))
    .use(slackImportRoutes(deps))
    .use(websocketRoutes(deps))
    .use(eventStreamRoutes(deps))
    .use(presenceRoutes(deps))
    .use(webApp());
  composed = app as unknown as DocumentedApp;
  return app;
}

export type App = ReturnType<typeof createApp>;
