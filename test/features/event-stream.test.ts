import { afterEach, describe, expect, test } from "bun:test";
import { startTestApp } from "../support/app.ts";
import { type Person, people } from "../support/fixtures.ts";
import { type LiveStream, openEventStream, openWebSocket } from "../support/live.ts";

const app = await startTestApp({ realtime: { sseKeepAlive: "100ms" } });
const { alice, bob, carol, mallory } = (await people(app, ["Carol"])) as Awaited<
  ReturnType<typeof people>
> & { carol: Person };

const open: LiveStream[] = [];
async function stream(
  person: Person,
  options: { since?: number | string; lastEventId?: number | string } = {},
) {
  const connection = await openEventStream(app.url, person.token, options);
  open.push(connection);
  return connection;
}
afterEach(() => {
  for (const connection of open.splice(0)) connection.close();
});

const post = (by: Person, path: string, body?: unknown) =>
  app.request("POST", path, { token: by.token, body });
let channels = 0;
const channel = async (by: Person, members: Person[]) =>
  (
    await post(by, "/api/chat", {
      type: "private_channel",
      name: `sse-${++channels}`,
      members: members.map((p) => p.user.id),
    })
  ).body;
/** A barrier for a stream: a chat made for `person` alone; returns what came before it. */
async function barrier(connection: LiveStream, person: Person) {
  const marker = await channel(person, []);
  const frames = await connection.takeUntil(
    (f) => f.type === "chat.created" && f.chatId === marker.id,
  );
  return frames.slice(0, -1);
}

describe("the event stream", () => {
  test("is text/event-stream; ready first without an id line; events with id, event and data", async () => {
    const chat = await channel(alice, [bob]);
    const latest = await app.db.latestEventId();
    const bobs = await stream(bob);
    expect(bobs.response.status).toBe(200);
    expect(bobs.response.headers.get("content-type")).toStartWith("text/event-stream");
    expect(await bobs.take()).toEqual({
      type: "ready",
      lastEventId: latest,
      sseEvent: "ready",
      sseId: undefined,
    });

    const message = (await post(alice, `/api/chat/${chat.id}`, { content: "over SSE" })).body;
    const frame = await bobs.take();
    expect(frame).toEqual({
      id: expect.any(Number),
      type: "message.created",
      chatId: chat.id,
      data: message,
      sseId: String(frame.id),
      sseEvent: "message.created",
    });
    const block = bobs.raw.find((text) => text.startsWith(`id: ${frame.id}\n`));
    expect(block).toBe(
      `id: ${frame.id}\nevent: message.created\ndata: {"id":${frame.id},"type":"message.created","chatId":${chat.id},"data":${JSON.stringify(message)}}`,
    );
  });

  test("carries the same text as the WebSocket for the same event", async () => {
    const chat = await channel(alice, [bob]);
    const bobs = await stream(bob);
    const socket = await openWebSocket(app.url, bob.token);
    await Promise.all([bobs.take(), socket.take()]);
    await post(alice, `/api/chat/${chat.id}`, { content: "same text" });
    const [viaStream, viaSocket] = await Promise.all([bobs.take(), socket.take()]);
    const { sseId: _, sseEvent: __, ...event } = viaStream;
    expect(event).toEqual(viaSocket);
    await socket.close();
  });

  test("reaches members and nobody else", async () => {
    const chat = await channel(alice, [bob]);
    const [bobs, carols, mallorys] = await Promise.all([
      stream(bob),
      stream(carol),
      stream(mallory),
    ]);
    for (const connection of [bobs, carols, mallorys]) await connection.take();
    await post(alice, `/api/chat/${chat.id}`, { content: "members only" });
    expect((await bobs.take()).type).toBe("message.created");
    expect(await barrier(carols, carol)).toEqual([]);
    expect(await barrier(mallorys, mallory)).toEqual([]);
  });

  test("follows membership without reconnecting", async () => {
    const chat = await channel(alice, []);
    const carols = await stream(carol);
    await carols.take();
    await app.request("PATCH", `/api/chat/${chat.id}`, {
      token: alice.token,
      body: { members: [carol.user.id] },
    });
    expect(await carols.take()).toMatchObject({ type: "chat.created", chatId: chat.id });
    await post(alice, `/api/chat/${chat.id}`, { content: "hello carol" });
    expect((await carols.take()).type).toBe("message.created");
    await app.request("PATCH", `/api/chat/${chat.id}`, {
      token: alice.token,
      body: { members: [] },
    });
    expect((await carols.take()).type).toBe("chat.removed");
    await post(alice, `/api/chat/${chat.id}`, { content: "carol is gone" });
    expect(await barrier(carols, carol)).toEqual([]);
  });

  test("resumes from Last-Event-ID, which wins over since", async () => {
    const chat = await channel(alice, [bob]);
    const mark = await app.db.latestEventId();
    const missed = (await post(alice, `/api/chat/${chat.id}`, { content: "missed" })).body;
    const resumed = await stream(bob, { since: 0, lastEventId: mark });
    expect(await resumed.take()).toMatchObject({ type: "ready", lastEventId: mark });
    expect(await resumed.take()).toMatchObject({
      type: "message.created",
      data: missed,
      sseId: String(mark + 1),
    });
  });

  test("an empty Last-Event-ID names no event: since still resumes", async () => {
    const chat = await channel(alice, [bob]);
    const mark = await app.db.latestEventId();
    const missed = (await post(alice, `/api/chat/${chat.id}`, { content: "missed too" })).body;
    const resumed = await stream(bob, { since: mark, lastEventId: "" });
    expect(await resumed.take()).toMatchObject({ type: "ready" });
    expect(await resumed.take()).toMatchObject({ type: "message.created", data: missed });
  });

  test("a since it cannot honour gives ready then reset, neither with an id line", async () => {
    const resumed = await stream(bob, { since: 10_000_000 });
    expect((await resumed.take()).sseEvent).toBe("ready");
    expect(await resumed.take()).toEqual({ type: "reset", sseEvent: "reset", sseId: undefined });
  });

  test("comment lines keep an idle stream open", async () => {
    const idle = await stream(carol);
    await idle.take();
    const deadline = Date.now() + 5000;
    while (idle.comments.length < 2 && Date.now() < deadline) await Bun.sleep(20);
    expect(idle.comments.length).toBeGreaterThanOrEqual(2);
    expect(idle.comments[0]).toStartWith(":");
  });

  test("a bad token is 401 in the error envelope", async () => {
    const reply = await fetch(`${app.url}/api/events?token=garbage`);
    expect(reply.status).toBe(401);
    expect(((await reply.json()) as any).error.code).toBe("unauthorized");
  });
});
