// The peer a Node user would pick: Node's http with the `ws` package and rooms, each frame
// relayed to every socket of the room (the sender included), as Socket.IO rooms do.
import { createServer } from "node:http";
import { WebSocketServer } from "ws";

const rooms = new Map();
const http = createServer((_request, response) => response.end("ok"));
const wss = new WebSocketServer({ server: http, path: "/ws" });
wss.on("connection", (socket, request) => {
  const room = new URL(request.url, "http://x").searchParams.get("room") ?? "1";
  if (!rooms.has(room)) rooms.set(room, new Set());
  rooms.get(room).add(socket);
  socket.send('{"type":"ready"}');
  socket.on("message", (data, isBinary) => {
    for (const peer of rooms.get(room)) peer.send(data, { binary: isBinary });
  });
  socket.on("close", () => rooms.get(room).delete(socket));
});
http.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () =>
  console.log(`listening ${http.address().port}`),
);
