// The one place the plugins are composed. Never listens: main.ts does, and tests import this.
import { Elysia } from "elysia";
import { jsonBodies } from "./body.ts";
import type { Deps } from "./context.ts";
import { errorHandler } from "./errors.ts";
import { accountRoutes } from "./features/accounts/routes.ts";
import { chatRoutes } from "./features/chats/routes.ts";
import { messageRoutes } from "./features/messages/routes.ts";
import { health } from "./ops/health.ts";
import { openapiDocs } from "./ops/openapi.ts";

export type AppDeps = Deps & {
  /** The token signing secret, resolved from config or the database before the app is built. */
  secret: string;
  log?: (error: unknown) => void;
};

export function createApp(deps: AppDeps) {
  const log = deps.log ?? ((error: unknown) => console.error(error));
  return new Elysia()
    .use(errorHandler(log))
    .use(jsonBodies())
    .use(openapiDocs())
    .use(health(deps))
    .use(accountRoutes(deps))
    .use(chatRoutes(deps))
    .use(messageRoutes(deps));
}

export type App = ReturnType<typeof createApp>;
