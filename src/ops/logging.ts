// One line per request: JSON for machines, or a short human line on a terminal. It carries the
// route's template, never a path's ids or query (tokens ride in ?token=), nor any body.
import { Elysia } from "elysia";
import type { Metrics } from "./metrics.ts";

export type LogLine = {
  time: string;
  level: "info" | "warn" | "error";
  msg: string;
  [field: string]: unknown;
};

export type Logger = (line: LogLine) => void;

/** A failure as a log line: the error's name and message, and its stack for whoever debugs it. */
export function errorLine(
  msg: string,
  error: unknown,
  fields: Record<string, unknown> = {},
): LogLine {
  return {
    time: new Date().toISOString(),
    level: "error",
    msg,
    ...fields,
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    stack: error instanceof Error ? error.stack : undefined,
  };
}

/** JSON lines, or readable ones when the output is a terminal. */
export function consoleLogger(pretty: boolean): Logger {
  return (line) => {
    if (!pretty) {
      console.log(JSON.stringify(line));
      return;
    }
    const { time, level, msg, ...fields } = line;
    const rest = Object.entries(fields).map(
      ([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`,
    );
    console.log(`${time.slice(11, 23)} ${level.padEnd(5)} ${msg} ${rest.join(" ")}`);
  };
}

export const requestLog = (deps: { logger: Logger; metrics: Metrics }) => {
  const started = new WeakMap<Request, { at: number; id: string }>();
  return (
    new Elysia({ name: "request-log" })
      .onRequest(({ request, set }) => {
        const id = request.headers.get("x-request-id")?.slice(0, 64) || crypto.randomUUID();
        started.set(request, { at: performance.now(), id });
        set.headers["x-request-id"] = id;
      })
      // Destructured in the parameter list: Elysia fills `route` only for hooks it sees ask for it.
      .onAfterResponse({ as: "global" }, ({ request, set, route, response }) => {
        const start = started.get(request);
        if (!start) return;
        const seconds = (performance.now() - start.at) / 1000;
        const status = response instanceof Response ? response.status : Number(set.status ?? 200);
        const template = route || "unmatched";
        deps.metrics.observeRequest(request.method, template, status, seconds);
        deps.logger({
          time: new Date().toISOString(),
          level: status >= 500 ? "error" : "info",
          msg: "request",
          method: request.method,
          route: template,
          status,
          durationMs: Math.round(seconds * 100_000) / 100,
          requestId: start.id,
        });
      })
  );
};
