// The ceiling: what Bun.serve does with no framework, no database, no auth. Every frame a client
// sends is published once to its room's topic (the sender included), and GET /page answers a
// fixed JSON page.
const page = JSON.stringify(
  Array.from({ length: 50 }, (_, id) => ({
    id,
    chatId: 1,
    senderId: 1,
    content: "x".repeat(40),
    files: [],
    clientId: null,
    createdAt: new Date(0).toISOString(),
  })),
);

const server = Bun.serve({
  port: Number(process.env.PORT ?? 0),
  hostname: "127.0.0.1",
  fetch(request, server) {
    const url = new URL(request.url);
    if (url.pathname === "/ws") {
      return server.upgrade(request, { data: { room: url.searchParams.get("room") ?? "1" } })
        ? undefined
        : new Response("no", { status: 400 });
    }
    if (url.pathname === "/page")
      return new Response(page, { headers: { "content-type": "application/json" } });
    return new Response("ok");
  },
  websocket: {
    data: {} as { room: string },
    open(ws) {
      ws.subscribe(ws.data.room);
      ws.send('{"type":"ready"}');
    },
    message(ws, message) {
      server.publish(ws.data.room, message);
    },
  },
});
console.log(`listening ${server.port}`);
