// GET /api/ws: the WebSocket transport. Thin: it adapts Bun's socket to the hub's Transport and
// hands every frame to the service.
import type { ServerWebSocket } from "bun";
import { Elysia, t } from "elysia";
import { requestIp } from "../../rate-limit.ts";
import { type AuthDeps, authenticated } from "../accounts/auth.ts";
import { Connection, type LocalHub, type Transport } from "./hub.ts";
import { closeConnection, handleFrame, openConnection, parseSince } from "./service.ts";

const socketTransport = (socket: ServerWebSocket<unknown>): Transport => ({
  kind: "ws",
  send: (frame) => {
    socket.send(frame.json);
  },
  subscribe: (topic) => {
    if (socket.readyState === 1) socket.subscribe(topic);
  },
  unsubscribe: (topic) => {
    if (socket.readyState === 1) socket.unsubscribe(topic);
  },
  bufferedBytes: () => socket.getBufferedAmount(),
  close: (code, reason) => socket.close(code, reason),
});

export const websocketRoutes = (deps: AuthDeps & { hub: LocalHub }) => {
  const connections = new WeakMap<object, Connection>();
  // Elysia runs a ws route's beforeHandle twice per upgrade: count each request once.
  const counted = new WeakSet<Request>();
  return new Elysia({ name: "websocket" })
    .use(authenticated(deps, { queryToken: true }))
    .ws("/api/ws", {
      query: t.Object({ token: t.Optional(t.String()), since: t.Optional(t.String()) }),
      beforeHandle({ request, server }) {
        if (counted.has(request)) return;
        counted.add(request);
        const ip = requestIp(server, request, deps.config.server.trustedProxies);
        deps.limits.take(`connects:ip:${ip}`, deps.config.limits.connects);
      },
      detail: {
        tags: ["Real time"],
        summary: "Live events over WebSocket",
        description:
          "Token in `?token=`. The first frame is `ready`; resume with `since=<event id>`. Clients may send `send`, `typing` and `ping` frames.",
      },
      open(ws) {
        // Elysia types `raw` with an older ServerWebSocket; it is Bun's own socket.
        const socket = ws.raw as unknown as ServerWebSocket<unknown>;
        const connection = new Connection(ws.data.user, socketTransport(socket));
        connections.set(ws.raw, connection);
        void openConnection(
          { ...deps, user: ws.data.user },
          connection,
          parseSince(ws.data.query.since),
        );
      },
      message(ws, message) {
        const connection = connections.get(ws.raw);
        if (connection) void handleFrame({ ...deps, user: connection.user }, connection, message);
      },
      close(ws) {
        const connection = connections.get(ws.raw);
        if (connection) closeConnection(deps.hub, connection);
      },
    });
};
