import { afterEach, describe, expect, test } from "bun:test";
import { startTestApp } from "../support/app.ts";
import { type Person, people, signup } from "../support/fixtures.ts";
import { type LiveFrame, type LiveWebSocket, openWebSocket } from "../support/live.ts";

const app = await startTestApp();
const { alice, bob, carol, mallory, code } = (await people(app, ["Carol"])) as Awaited<
  ReturnType<typeof people>
> & {
  carol: Person;
};

const open: LiveWebSocket[] = [];
async function connect(person: Person, since?: number | string) {
  const socket = await openWebSocket(app.url, person.token, since);
  open.push(socket);
  return socket;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((socket) => socket.close()));
});

const post = (by: Person, path: string, body?: unknown) =>
  app.request("POST", path, { token: by.token, body });
const send = async (by: Person, chatId: number, content: string) =>
  (await post(by, `/api/chat/${chatId}`, { content })).body;
let channels = 0;
const channel = async (by: Person, members: Person[]) =>
  (
    await post(by, "/api/chat", {
      type: "private_channel",
      name: `resume-${++channels}`,
      members: members.map((p) => p.user.id),
    })
  ).body;
const latestEventId = () => app.db.latestEventId();
const ids = (frames: LiveFrame[]) => frames.map((frame) => frame.id);

describe("resuming with since", () => {
  test("ready carries since, then every event missed while away, in order, then live", async () => {
    const chat = await channel(alice, [bob]);
    const first = await connect(bob);
    const ready = await first.take();
    await first.close();

    const missed = [await send(alice, chat.id, "one"), await send(alice, chat.id, "two")];
    const resumed = await connect(bob, ready.lastEventId);
    expect(await resumed.take()).toEqual({ type: "ready", lastEventId: ready.lastEventId });
    const replayed = [await resumed.take(), await resumed.take()];
    expect(replayed.map((frame) => frame.data)).toEqual(missed);
    expect(replayed[1]?.id).toBeGreaterThan(replayed[0]?.id as number);
    const fresh = await send(alice, chat.id, "three");
    expect((await resumed.take()).data).toEqual(fresh);
  });

  test("every event exactly once and in order, even while messages are sent during the replay", async () => {
    const chat = await channel(alice, [bob]);
    const since = await latestEventId();
    for (let i = 0; i < 1200; i++) await send(alice, chat.id, `before ${i}`);

    // One sender keeps going while bob connects and is replayed, so sends commit before, during
    // and after the replay's reads (it yields between pages).
    const during: { id: number }[] = [];
    const sender = (async () => {
      for (let i = 0; i < 400; i++) during.push(await send(alice, chat.id, `during ${i}`));
    })();
    while (during.length < 20) await Bun.sleep(1);
    const resumed = await connect(bob, since);
    await sender;
    const lastId = during.at(-1)?.id;
    const frames = await resumed.takeUntil(
      (frame) => frame.type === "message.created" && frame.data.id === lastId,
      { timeoutMs: 20_000 },
    );
    expect(frames[0]).toEqual({ type: "ready", lastEventId: since });
    const eventIds = ids(frames.slice(1)) as number[];
    expect(eventIds).toHaveLength(1600);
    expect(new Set(eventIds).size).toBe(1600);
    expect(eventIds).toEqual([...eventIds].sort((a, b) => a - b));
    expect(await resumed.barrier()).toEqual([]);
  });

  test("a user added while away is replayed chat.created and what followed, nothing from before", async () => {
    const chat = await channel(alice, [bob]);
    await send(alice, chat.id, "before carol");
    const since = await latestEventId();
    await send(alice, chat.id, "still before carol");
    await app.request("PATCH", `/api/chat/${chat.id}`, {
      token: alice.token,
      body: { members: [bob.user.id, carol.user.id] },
    });
    const welcome = await send(alice, chat.id, "welcome carol");

    const resumed = await connect(carol, since);
    await resumed.take();
    const created = await resumed.take();
    expect(created).toMatchObject({ type: "chat.created", chatId: chat.id });
    expect(await resumed.take()).toMatchObject({ type: "message.created", data: welcome });
    expect(await resumed.barrier()).toEqual([]);
  });

  test("a user removed while away is replayed what came before, then chat.removed, nothing after", async () => {
    const chat = await channel(alice, [bob, carol]);
    const since = await latestEventId();
    const last = await send(alice, chat.id, "last words for carol");
    await app.request("PATCH", `/api/chat/${chat.id}`, {
      token: alice.token,
      body: { members: [bob.user.id] },
    });
    await send(alice, chat.id, "carol is gone");

    const resumed = await connect(carol, since);
    await resumed.take();
    expect(await resumed.take()).toMatchObject({ type: "message.created", data: last });
    expect(await resumed.take()).toMatchObject({ type: "chat.removed", data: { id: chat.id } });
    expect(await resumed.barrier()).toEqual([]);
  });

  test("a chat deleted while away is replayed as it was seen live: its messages, then chat.removed", async () => {
    const chat = await channel(alice, [carol]);
    const since = await latestEventId();
    const last = await send(alice, chat.id, "before the end");
    await app.request("DELETE", `/api/chat/${chat.id}`, { token: alice.token });

    const resumed = await connect(carol, since);
    await resumed.take();
    expect(await resumed.take()).toMatchObject({ type: "message.created", data: last });
    expect(await resumed.take()).toMatchObject({ type: "chat.removed", data: { id: chat.id } });
    expect(await resumed.barrier()).toEqual([]);
  });

  test("every reply, edit, reaction, pin and delete missed while away is replayed once, in order, as it went live", async () => {
    const chat = await channel(alice, [bob]);
    const root = await send(alice, chat.id, "root");
    const watcher = await connect(alice);
    await watcher.take();
    const since = await latestEventId();
    const on = (path: string) => `/api/chat/${chat.id}${path}`;
    const reply = (await post(bob, on(""), { content: "reply", threadId: root.id })).body;
    await app.request("PATCH", on(`/messages/${root.id}`), {
      token: alice.token,
      body: { content: "root, edited" },
    });
    await app.request("PUT", on(`/messages/${root.id}/reactions/tada`), { token: bob.token });
    await app.request("PUT", on(`/pins/${root.id}`), { token: bob.token });
    await app.request("DELETE", on(`/messages/${reply.id}`), { token: bob.token });
    const live = (await watcher.barrier()).filter((frame) => frame.type !== "presence");
    expect(live.map((frame) => frame.type)).toEqual([
      "message.created",
      "message.updated",
      "message.updated",
      "message.updated",
      "message.updated",
      "message.updated",
      "message.updated",
    ]);

    const resumed = await connect(bob, since);
    expect(await resumed.take()).toEqual({ type: "ready", lastEventId: since });
    const replayed: LiveFrame[] = [];
    while (replayed.length < live.length) {
      const frame = await resumed.take();
      if (frame.type !== "presence") replayed.push(frame);
    }
    // As live, except that a deleted message's past events carry its tombstone: erased for good.
    const tombstone = live.at(-2)?.data;
    expect(tombstone).toMatchObject({ id: reply.id, deleted: true, content: "" });
    expect(replayed).toEqual(
      live.map((frame) => (frame.data.id === reply.id ? { ...frame, data: tombstone } : frame)),
    );
    expect((await resumed.barrier()).filter((frame) => frame.type !== "presence")).toEqual([]);
    // The last update of the root is the root as HTTP answers it.
    const rootNow = (await app.request("GET", on(`/messages/${root.id}`), { token: bob.token }))
      .body;
    expect(live.at(-1)?.data).toEqual(rootNow);
    expect(rootNow).toMatchObject({ replyCount: 0, pinned: true, content: "root, edited" });
  });

  test("a read on another device while away is replayed in order among the chat's events, to the reader alone", async () => {
    const chat = await channel(alice, [bob]);
    const since = await latestEventId();
    const first = await send(alice, chat.id, "first");
    await post(bob, `/api/chat/${chat.id}/read`, { messageId: first.id });
    const second = await send(alice, chat.id, "second");
    const isSecond = (frame: LiveFrame) =>
      frame.type === "message.created" && frame.data.id === second.id;
    const bobs = await connect(bob, since);
    const replayed = (await bobs.takeUntil(isSecond)).filter((frame) => frame.type !== "presence");
    expect(
      replayed.map((frame) => [frame.type, frame.data?.id ?? frame.data?.lastReadMessageId]),
    ).toEqual([
      ["ready", undefined],
      ["message.created", first.id],
      ["chat.read", first.id],
      ["message.created", second.id],
    ]);
    const alices = await connect(alice, since);
    const theirs = (await alices.takeUntil(isSecond)).filter((frame) => frame.type !== "presence");
    expect(theirs.map((frame) => frame.type)).toEqual([
      "ready",
      "message.created",
      "message.created",
    ]);
  });

  test("a user removed while away is replayed the updates of their membership, none after", async () => {
    const chat = await channel(alice, [bob, carol]);
    const message = await send(alice, chat.id, "to be changed");
    const since = await latestEventId();
    const path = `/api/chat/${chat.id}/messages/${message.id}`;
    await app.request("PATCH", path, { token: alice.token, body: { content: "seen by carol" } });
    await app.request("PATCH", `/api/chat/${chat.id}`, {
      token: alice.token,
      body: { members: [bob.user.id] },
    });
    await app.request("PATCH", path, { token: alice.token, body: { content: "not for carol" } });
    await app.request("PUT", `${path}/reactions/eyes`, { token: bob.token });

    const resumed = await connect(carol, since);
    await resumed.take();
    expect(await resumed.take()).toMatchObject({
      type: "message.updated",
      data: { id: message.id, content: "seen by carol" },
    });
    expect(await resumed.take()).toMatchObject({ type: "chat.removed", data: { id: chat.id } });
    expect(await resumed.barrier()).toEqual([]);
  });

  test("the workspace's events are replayed to everyone in it, in order among the chat events, and to nobody outside", async () => {
    const chat = await channel(alice, [bob]);
    const since = await latestEventId();
    await app.request("PATCH", "/api/me", { token: alice.token, body: { title: "Founder" } });
    const message = await send(alice, chat.id, "between the workspace's events");
    await app.request("PATCH", "/api/workspace", {
      token: alice.token,
      body: { settings: { retentionDays: 365 } },
    });
    const newcomer = await signup(app, "Nell", "Acme", code);
    await app.request("PATCH", `/api/users/${newcomer.user.id}`, {
      token: alice.token,
      body: { deactivated: true },
    });

    const resumed = await connect(bob, since);
    await resumed.take();
    const frames = await resumed.takeUntil(
      (frame) => frame.type === "user.updated" && frame.data.deactivated === true,
    );
    expect(await resumed.barrier()).toEqual([]);
    expect(frames.map((frame) => [frame.type, frame.chatId === null])).toEqual([
      ["user.updated", true],
      ["message.created", false],
      ["workspace.updated", true],
      ["user.updated", true],
      ["chat.updated", false],
      ["user.updated", true],
    ]);
    expect(ids(frames)).toEqual([...ids(frames)].sort((a, b) => (a as number) - (b as number)));
    expect(frames[0]?.data).toMatchObject({ id: alice.user.id, title: "Founder" });
    expect(frames[1]?.data).toEqual(message);
    expect(frames[2]?.data.settings.retentionDays).toBe(365);
    expect(frames[3]?.data).toMatchObject({ id: newcomer.user.id, deactivated: false });
    expect(frames[4]?.data.members).toContain(newcomer.user.id);
    expect(frames[5]?.data).toMatchObject({ id: newcomer.user.id, deactivated: true });

    // Mallory's replay is her own events only: none of acme's, before a message of her own.
    const own = await channel(mallory, []);
    const mine = await send(mallory, own.id, "only mine");
    const outsider = await connect(mallory, since);
    await outsider.take();
    const seen = await outsider.takeUntil((frame) => frame.data?.id === mine.id);
    expect(seen.map((frame) => frame.type)).toEqual(["chat.created", "message.created"]);
  });

  test("a since newer than the newest event, or not a number, gives ready then reset", async () => {
    const latest = await latestEventId();
    for (const since of [latest + 1000, "yesterday", -1]) {
      const socket = await connect(bob, since);
      expect(await socket.take()).toEqual({ type: "ready", lastEventId: latest });
      expect(await socket.take()).toEqual({ type: "reset" });
      await socket.close();
    }
  });

  test("a since older than the events kept gives reset; since at the edge is honoured", async () => {
    const chat = await channel(alice, [bob]);
    const before = await latestEventId();
    await send(alice, chat.id, "old");
    const kept = await send(alice, chat.id, "kept");
    await app.sql("update events set created_at = 0 where id <= ?", [before + 1]);
    await app.db.pruneEvents(Date.now() - 60_000);
    const oldest = (await app.db.oldestEventId()) as number;
    expect(oldest).toBe(before + 2);

    const tooOld = await connect(bob, oldest - 2);
    expect((await tooOld.take()).type).toBe("ready");
    expect(await tooOld.take()).toEqual({ type: "reset" });

    const edge = await connect(bob, oldest - 1);
    expect(await edge.take()).toEqual({ type: "ready", lastEventId: oldest - 1 });
    expect(await edge.take()).toMatchObject({ type: "message.created", data: kept });
  });
});
