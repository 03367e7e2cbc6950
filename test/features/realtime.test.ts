import { afterEach, describe, expect, test } from "bun:test";
import { startTestApp } from "../support/app.ts";
import { type Person, people } from "../support/fixtures.ts";
import { type LiveFrame, type LiveWebSocket, openWebSocket } from "../support/live.ts";

const app = await startTestApp();
const { alice, bob, mallory, carol, dave } = (await people(app, ["Carol", "Dave"])) as Awaited<
  ReturnType<typeof people>
> & { carol: Person; dave: Person };

const open: LiveWebSocket[] = [];
async function connect(person: Person, since?: number | string) {
  const socket = await openWebSocket(app.url, person.token, since);
  open.push(socket);
  return socket;
}
/** Connects and reads up to `ready` (and the replay, when there is none). */
async function live(person: Person) {
  const socket = await connect(person);
  expect((await socket.take()).type).toBe("ready");
  return socket;
}
/** Several people connected at once, in the order given. */
const liveAll = <T extends Person[]>(...who: T) =>
  Promise.all(who.map(live)) as Promise<{ [K in keyof T]: LiveWebSocket }>;
afterEach(async () => {
  await Promise.all(open.splice(0).map((socket) => socket.close()));
});

const post = (by: Person, path: string, body?: unknown) =>
  app.request("POST", path, { token: by.token, body });
const newChat = async (by: Person, body: Record<string, unknown>) =>
  (await post(by, "/api/chat", body)).body;
const send = async (by: Person, chatId: number, content: string) =>
  (await post(by, `/api/chat/${chatId}`, { content })).body;
const types = (frames: LiveFrame[]) => frames.map((frame) => frame.type);
let channels = 0;
const channel = (by: Person, type: string, members: Person[]) =>
  newChat(by, { type, name: `rt-${++channels}`, members: members.map((p) => p.user.id) });

describe("connecting", () => {
  test("the first frame is ready with the newest event id", async () => {
    await channel(alice, "private_channel", []);
    const latest = await app.db.latestEventId();
    const socket = await connect(bob);
    expect(await socket.take()).toEqual({ type: "ready", lastEventId: latest });
  });

  test("a plain GET with a good token, asking no upgrade, is 400 in the envelope", async () => {
    const reply = await fetch(`${app.url}/api/ws?token=${alice.token}`);
    expect(reply.status).toBe(400);
    expect(((await reply.json()) as any).error.code).toBe("bad_request");
  });

  test("a bad or missing token refuses the upgrade with 401", async () => {
    for (const token of ["garbage", ""]) {
      const reply = await fetch(`${app.url}/api/ws?token=${token}`, {
        headers: {
          upgrade: "websocket",
          connection: "Upgrade",
          "sec-websocket-version": "13",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
      });
      expect(reply.status).toBe(401);
      expect(((await reply.json()) as any).error.code).toBe("unauthorized");
    }
    expect(openWebSocket(app.url, "garbage")).rejects.toThrow();
  });

  test("ping is answered with pong", async () => {
    const socket = await live(alice);
    socket.send({ type: "ping" });
    expect(await socket.take()).toEqual({ type: "pong" });
  });
});

describe("delivery", () => {
  test("a message reaches every member's connections, the sender's own too, and nobody else", async () => {
    const chat = await channel(alice, "private_channel", [bob]);
    const [aliceOne, aliceTwo, bobs, carols, mallorys] = await liveAll(
      alice,
      alice,
      bob,
      carol,
      mallory,
    );
    const message = await send(alice, chat.id, "for alice and bob");
    for (const socket of [aliceOne, aliceTwo, bobs]) {
      const frame = (await socket.take()) as LiveFrame;
      expect(frame).toEqual({
        id: expect.any(Number),
        type: "message.created",
        chatId: chat.id,
        data: message,
      });
    }
    for (const outsider of [carols, mallorys]) expect(await outsider.barrier()).toEqual([]);
  });

  test("a public channel's messages reach its members only, not the workspace", async () => {
    const chat = await channel(alice, "public_channel", [bob]);
    const [bobs, carols] = await liveAll(bob, carol);
    await send(alice, chat.id, "members only");
    expect((await bobs.take()).type).toBe("message.created");
    expect(await carols.barrier()).toEqual([]);
  });

  test("chat.created reaches every member when a chat is created; the outsider gets nothing", async () => {
    const [bobs, carols] = await liveAll(bob, carol);
    const { state, ...chat } = await channel(alice, "private_channel", [bob]);
    expect(state).toBeDefined();
    // The event is the answer without the answerer's own state.
    const event = await bobs.take();
    expect(event).toMatchObject({ type: "chat.created", chatId: chat.id, data: chat });
    expect(event.data).not.toHaveProperty("state");
    expect(await carols.barrier()).toEqual([]);
  });

  test("a repeated single chat, or a PATCH that changes nothing, sends no event", async () => {
    await newChat(dave, { members: [carol.user.id] });
    const carols = await live(carol);
    const again = await post(dave, "/api/chat", { members: [carol.user.id] });
    expect(again.status).toBe(200);
    const chat = await channel(dave, "private_channel", [carol]);
    expect((await carols.take()).type).toBe("chat.created");
    await app.request("PATCH", `/api/chat/${chat.id}`, {
      token: dave.token,
      body: { name: chat.name, members: [carol.user.id] },
    });
    expect(await carols.barrier()).toEqual([]);
  });
});

describe("membership follows live, without reconnecting", () => {
  test("added then removed: chat.created, the chat's messages, chat.removed, then nothing more", async () => {
    const chat = await channel(alice, "private_channel", []);
    const carols = await live(carol);
    await app.request("PATCH", `/api/chat/${chat.id}`, {
      token: alice.token,
      body: { members: [carol.user.id] },
    });
    expect(await carols.take()).toMatchObject({ type: "chat.created", chatId: chat.id });
    const hello = await send(alice, chat.id, "welcome");
    expect(await carols.take()).toMatchObject({ type: "message.created", data: hello });

    await app.request("PATCH", `/api/chat/${chat.id}`, {
      token: alice.token,
      body: { members: [] },
    });
    expect(await carols.take()).toMatchObject({
      type: "chat.removed",
      chatId: chat.id,
      data: { id: chat.id },
    });
    await send(alice, chat.id, "after carol left");
    expect(await carols.barrier()).toEqual([]);
  });

  test("chat.updated goes to those who stay, the author included; the added get chat.created, the removed chat.removed", async () => {
    const chat = await channel(alice, "private_channel", [bob, carol]);
    const [alices, bobs, carols, daves] = await liveAll(alice, bob, carol, dave);
    const reply = await app.request("PATCH", `/api/chat/${chat.id}`, {
      token: alice.token,
      body: { name: "reshaped", members: [bob.user.id, dave.user.id] },
    });
    const { state: _, ...updated } = reply.body;
    expect(await alices.take()).toMatchObject({ type: "chat.updated", data: updated });
    expect(await bobs.take()).toMatchObject({ type: "chat.updated", data: updated });
    expect(await carols.take()).toMatchObject({ type: "chat.removed", data: { id: chat.id } });
    expect(await daves.take()).toMatchObject({ type: "chat.created", data: updated });
    for (const socket of [alices, bobs, carols, daves]) expect(await socket.barrier()).toEqual([]);
  });

  test("join: the joiner gets chat.created, the members chat.updated; leave: the reverse", async () => {
    const chat = await channel(alice, "public_channel", [bob]);
    const [alices, daves] = await liveAll(alice, dave);
    const { state: _, ...joined } = (await post(dave, `/api/chat/${chat.id}/join`)).body;
    expect(await daves.take()).toMatchObject({ type: "chat.created", data: joined });
    expect(await alices.take()).toMatchObject({ type: "chat.updated", data: joined });
    await send(bob, chat.id, "hi dave");
    expect((await daves.take()).type).toBe("message.created");
    expect((await alices.take()).type).toBe("message.created");

    await post(dave, `/api/chat/${chat.id}/leave`);
    expect(await daves.take()).toMatchObject({ type: "chat.removed", data: { id: chat.id } });
    expect(await alices.take()).toMatchObject({
      type: "chat.updated",
      data: { members: joined.members.filter((id: number) => id !== dave.user.id) },
    });
    await send(bob, chat.id, "bye dave");
    expect(await daves.barrier()).toEqual([]);
  });

  test("deleting a chat sends chat.removed to every member", async () => {
    const chat = await channel(alice, "private_channel", [bob]);
    const [alices, bobs] = await liveAll(alice, bob);
    await app.request("DELETE", `/api/chat/${chat.id}`, { token: alice.token });
    for (const socket of [alices, bobs]) {
      expect(await socket.take()).toMatchObject({
        type: "chat.removed",
        chatId: chat.id,
        data: { id: chat.id },
      });
    }
  });
});

describe("sending on the socket", () => {
  test("send is acknowledged with the stored message, which also arrives as message.created", async () => {
    const chat = await channel(alice, "private_channel", [bob]);
    const [alices, bobs] = await liveAll(alice, bob);
    alices.send({
      type: "send",
      chatId: chat.id,
      content: "over the socket",
      files: [],
      clientId: "ws-1",
    });
    const frames = await alices.takeUntil((frame) => frame.type === "ack");
    const ack = frames.at(-1) as LiveFrame;
    expect(ack).toEqual({
      type: "ack",
      clientId: "ws-1",
      data: expect.objectContaining({
        content: "over the socket",
        senderId: alice.user.id,
        clientId: "ws-1",
      }),
    });
    expect(types(frames)).toEqual(["message.created", "ack"]);
    expect(await bobs.take()).toMatchObject({ type: "message.created", data: ack.data });
  });

  test("the ack goes to the sending connection alone, whether its user has one or several", async () => {
    const chat = await channel(alice, "private_channel", [bob]);
    const [only, bobs] = await liveAll(alice, bob);
    only.send({ type: "send", chatId: chat.id, content: "one connection", clientId: "one-1" });
    expect(types(await only.takeUntil((frame) => frame.type === "ack"))).toEqual([
      "message.created",
      "ack",
    ]);
    const [second] = await liveAll(alice);
    second.send({ type: "send", chatId: chat.id, content: "two connections", clientId: "two-1" });
    expect(types(await second.takeUntil((frame) => frame.type === "ack"))).toEqual([
      "message.created",
      "ack",
    ]);
    // Alice's other connection and bob get the message, and no ack.
    for (const socket of [only, bobs]) {
      expect(types(await socket.takeUntil((frame) => frame.data?.clientId === "two-1"))).toEqual(
        socket === bobs ? ["message.created", "message.created"] : ["message.created"],
      );
      expect(await socket.barrier()).toEqual([]);
    }
  });

  test("an ack never overtakes its message, even while an earlier event is still on its way", async () => {
    const chat = await channel(alice, "private_channel", [bob]);
    const [alices] = await liveAll(alice);
    // An event committed but not (yet) published: where events are ordered by id (several
    // instances), the next one is held until this one is read back.
    await app.db.insertMessage({
      chatId: chat.id,
      senderId: bob.user.id,
      content: "committed elsewhere",
      files: [],
      clientId: null,
    });
    alices.send({ type: "send", chatId: chat.id, content: "mine", clientId: "held-1" });
    const frames = await alices.takeUntil((frame) => frame.type === "ack", { timeoutMs: 15_000 });
    const own = frames.findIndex(
      (frame) => frame.type === "message.created" && frame.data.clientId === "held-1",
    );
    expect(own).toBeGreaterThanOrEqual(0);
    expect(own).toBeLessThan(frames.length - 1);
  });

  test("a burst of sends on one socket gets one ack each, and the socket closing first costs nothing stored", async () => {
    const chat = await channel(alice, "private_channel", [bob]);
    const [alices, bobs] = await liveAll(alice, bob);
    // Sent in one go, so that group commits answer several at once and their acks go together.
    for (let i = 0; i < 20; i++) {
      alices.send({ type: "send", chatId: chat.id, content: `burst ${i}`, clientId: `b-${i}` });
    }
    const count = (frames: LiveFrame[], type: string) =>
      frames.filter((frame) => frame.type === type).length;
    const frames: LiveFrame[] = [];
    while (count(frames, "ack") < 20 || count(frames, "message.created") < 20) {
      frames.push(await alices.take());
    }
    const acks = frames.filter((frame) => frame.type === "ack");
    // Concurrent sends may be stored in any order (PostgreSQL); each is acknowledged once.
    expect(acks.map((ack) => ack.clientId).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `b-${i}`).sort(),
    );
    for (const ack of acks) expect(ack.data.clientId).toBe(ack.clientId);
    const created = frames.filter((frame) => frame.type === "message.created");
    expect(new Set(acks.map((ack) => ack.data.id))).toEqual(
      new Set(created.map((frame) => frame.data.id)),
    );
    // Nothing more: no ack twice.
    alices.send({ type: "ping" });
    expect(types(await alices.takeUntil((frame) => frame.type === "pong"))).toEqual(["pong"]);

    // A socket that closes while its acks wait: the messages are stored all the same.
    for (let i = 0; i < 5; i++) {
      alices.send({ type: "send", chatId: chat.id, content: `late ${i}`, clientId: `l-${i}` });
    }
    await alices.close();
    const received: LiveFrame[] = [];
    while (count(received, "message.created") < 25) received.push(await bobs.take());
    const stored = received.filter((frame) => frame.type === "message.created");
    expect(stored.map((frame) => frame.data.clientId).sort()).toEqual(
      [...acks.map((ack) => ack.clientId), "l-0", "l-1", "l-2", "l-3", "l-4"].sort(),
    );
  });

  test("a repeated clientId is acknowledged with the original and stored once", async () => {
    const chat = await channel(alice, "private_channel", []);
    const alices = await live(alice);
    const frame = { type: "send", chatId: chat.id, content: "once", clientId: "ws-dup" };
    alices.send(frame);
    const first = (await alices.takeUntil((f) => f.type === "ack")).at(-1);
    alices.send({ ...frame, content: "twice?" });
    const again = await alices.takeUntil((f) => f.type === "ack");
    expect(again).toEqual([first as LiveFrame]);
    const history = await app.request("GET", `/api/chat/${chat.id}/messages`, {
      token: alice.token,
    });
    expect(history.body).toHaveLength(1);
  });

  test("the rules of the HTTP route apply, with its codes, and the socket stays open", async () => {
    const secret = await channel(alice, "private_channel", []);
    const open = await channel(alice, "public_channel", []);
    const mine = await channel(bob, "private_channel", []);
    const bobs = await live(bob);
    const cases: [unknown, string][] = [
      [{ type: "send", chatId: secret.id, content: "let me in", clientId: "e1" }, "not_found"],
      [{ type: "send", chatId: open.id, content: "not joined", clientId: "e2" }, "forbidden"],
      [{ type: "send", chatId: mine.id, content: "", clientId: "e3" }, "validation_failed"],
      [
        { type: "send", chatId: mine.id, content: "x".repeat(8001), clientId: "e4" },
        "validation_failed",
      ],
      [{ type: "send", chatId: "one", content: "x", clientId: "e5" }, "not_found"],
      [{ type: "send", chatId: String(mine.id), content: "x", clientId: "e6" }, "not_found"],
      [{ type: "typing", chatId: 1.5 }, "not_found"],
      [{ type: "send", chatId: mine.id, content: 42, clientId: "e7" }, "validation_failed"],
      ["this is not JSON", "bad_request"],
      [{ type: "dance" }, "bad_request"],
      [[1, 2, 3], "bad_request"],
      [{ type: "typing", chatId: secret.id }, "not_found"],
    ];
    for (const [frame, code] of cases) {
      bobs.send(frame);
      const error = await bobs.take();
      expect({ frame, error }).toMatchObject({ frame, error: { type: "error", error: { code } } });
      if (typeof frame === "object" && frame && "clientId" in frame)
        expect(error.clientId).toBe(frame.clientId);
    }
    expect(await bobs.barrier()).toEqual([]);
  });

  test("a frame over the configured size closes the socket with 1009", async () => {
    const socket = await live(carol);
    socket.send({
      type: "send",
      chatId: 1,
      content: "x".repeat(app.config.realtime.maxPayloadLength),
    });
    expect((await socket.closed).code).toBe(1009);
  });
});

describe("typing and presence", () => {
  test("typing reaches the other members' connections, never the typist's own", async () => {
    const chat = await channel(alice, "private_channel", [bob]);
    const [aliceOne, aliceTwo, bobs, carols] = await liveAll(alice, alice, bob, carol);
    aliceOne.send({ type: "typing", chatId: chat.id });
    expect(await bobs.take()).toEqual({
      type: "typing",
      chatId: chat.id,
      data: { chatId: chat.id, userId: alice.user.id },
    });
    for (const socket of [aliceOne, aliceTwo, carols]) expect(await socket.barrier()).toEqual([]);
  });

  test("typing while a member's connection is still replaying reaches it once it is live", async () => {
    const chat = await channel(alice, "private_channel", [bob]);
    const from = await app.db.latestEventId();
    // Enough history that bob's replay takes several pages, yielding between them.
    await Promise.all(Array.from({ length: 1200 }, (_, i) => send(alice, chat.id, `backlog ${i}`)));
    const aliceSocket = await live(alice);
    const bobSocket = await connect(bob, from);
    expect((await bobSocket.take()).type).toBe("ready");
    aliceSocket.send({ type: "typing", chatId: chat.id });
    const frames = await bobSocket.takeUntil((frame) => frame.type === "typing", {
      timeoutMs: 15_000,
    });
    expect(frames.filter((frame) => frame.type === "message.created")).toHaveLength(1200);
    expect(frames.at(-1)?.data).toEqual({ chatId: chat.id, userId: alice.user.id });
  });

  test("online at the first connection, offline when the last closes, to the workspace only", async () => {
    const watcher = await live(bob);
    const globex = await live(mallory);
    const first = await connect(dave);
    expect(await first.take({ presence: true })).toMatchObject({ type: "ready" });
    const online = { type: "presence", data: { userId: dave.user.id, status: "online" } };
    expect(await first.take({ presence: true })).toEqual(online);
    const isDave = (frame: LiveFrame) =>
      frame.type === "presence" && frame.data.userId === dave.user.id;
    expect((await watcher.takeUntil(isDave, { presence: true })).at(-1)).toEqual(online);
    const second = await connect(dave);
    await second.take();
    await second.close();
    await first.close();
    expect(await watcher.take({ presence: true })).toEqual({
      ...online,
      data: { ...online.data, status: "offline" },
    });
    const seen = await globex.barrier();
    expect(
      globex.frames.all.filter((f) => f.type === "presence" && f.data.userId === dave.user.id),
    ).toEqual([]);
    expect(seen).toEqual([]);
  });
});
