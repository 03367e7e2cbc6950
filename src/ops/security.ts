// Headers every answer carries, and CORS, closed unless origins are configured. Pages set their
// own Content-Security-Policy (a route's header wins over these defaults).
import { cors } from "@elysiajs/cors";
import { Elysia } from "elysia";
import type { Config } from "../config.ts";

/** For JSON answers: nothing in them may load, run or be framed. */
const apiPolicy = "default-src 'none'; frame-ancestors 'none'";

/** The web app: its own scripts and styles only, never inline script, never framed. */
export const appPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Swagger UI styles elements inline (style attributes), but runs no inline script. */
export const swaggerPolicy = appPolicy.replace(
  "style-src 'self'",
  "style-src 'self' 'unsafe-inline'",
);

export const security = (config: Config) => {
  const plugin = new Elysia({ name: "security" }).onRequest(({ set }) => {
    set.headers["x-content-type-options"] = "nosniff";
    set.headers["referrer-policy"] = "no-referrer";
    set.headers["x-frame-options"] = "DENY";
    set.headers["content-security-policy"] = apiPolicy;
  });
  const origins = config.server.corsOrigins;
  if (origins.length === 0) return plugin;
  return plugin.use(
    cors({
      origin: origins,
      methods: ["GET", "POST", "PATCH", "DELETE"],
      allowedHeaders: ["authorization", "content-type", "last-event-id"],
      exposeHeaders: [
        "retry-after",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-request-id",
      ],
      credentials: false,
      maxAge: 600,
    }),
  );
};
