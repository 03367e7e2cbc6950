// GET /api/events: the Server-Sent Events transport, with the same protocol as the WebSocket.
import { Elysia, t } from "elysia";
import { durationMs } from "../../config.ts";
import { errorResponses } from "../../errors.ts";
import { rateLimits } from "../../rate-limit.ts";
import { type AuthDeps, authenticated } from "../accounts/auth.ts";
import type { Frame } from "./events.ts";
import { Connection, type LocalHub, type Transport } from "./hub.ts";
import { closeConnection, openConnection, parseSince } from "./service.ts";

const encoder = new TextEncoder();

/** A stored event gets an `id:` line, so the browser resumes with Last-Event-ID by itself. */
export const sseText = (frame: Frame) =>
  `${frame.id === undefined ? "" : `id: ${frame.id}\n`}event: ${frame.type}\ndata: ${frame.json}\n\n`;

export const eventStreamRoutes = (deps: AuthDeps & { hub: LocalHub }) =>
  new Elysia({ name: "event-stream" })
    .use(authenticated(deps, { queryToken: true, ticket: true }))
    .use(rateLimits(deps))
    .get(
      "/api/events",
      ({ ctx, query, headers, request }) => {
        // An empty header names no event (as EventSource would never send it): `since` stands.
        const since = parseSince(headers["last-event-id"] || query.since);
        let connection: Connection | undefined;
        let keepAlive: ReturnType<typeof setInterval> | undefined;
        const stop = () => {
          clearInterval(keepAlive);
          if (connection) closeConnection(deps.hub, connection);
        };
        const stream = new ReadableStream<Uint8Array>(
          {
            start(controller) {
              const write = (text: string) => {
                try {
                  controller.enqueue(encoder.encode(text));
                } catch {
                  stop();
                }
              };
              const transport: Transport = {
                kind: "sse",
                send: (frame) => write(sseText(frame)),
                // With a high-water mark of 0, the queue's shortfall is exactly what waits unsent.
                bufferedBytes: () => -(controller.desiredSize ?? 0),
                close: () => {
                  stop();
                  try {
                    controller.close();
                  } catch {}
                },
              };
              connection = new Connection(ctx.user, transport);
              keepAlive = setInterval(
                () => write(": keep-alive\n\n"),
                durationMs(deps.config.realtime.sseKeepAlive),
              );
              void openConnection(ctx, connection, since);
            },
            cancel: stop,
          },
          { highWaterMark: 0, size: (chunk) => chunk?.byteLength ?? 0 },
        );
        request.signal.addEventListener("abort", stop);
        return new Response(stream, {
          headers: {
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-cache, no-transform",
            "x-accel-buffering": "no",
          },
        });
      },
      {
        query: t.Object({
          token: t.Optional(t.String()),
          ticket: t.Optional(t.String()),
          since: t.Optional(t.String()),
        }),
        limit: "connects",
        response: { 200: t.String({ description: "text/event-stream" }), ...errorResponses },
        detail: {
          tags: ["Real time"],
          summary: "Live events as Server-Sent Events",
          description:
            "A ticket from `POST /api/tickets` in `?ticket=` (or the header; v1's `?token=` still works). First `event: ready`; stored events carry `id:`; resume with `since` or the `Last-Event-ID` header (which wins). Comment lines keep an idle stream open.",
        },
      },
    );
