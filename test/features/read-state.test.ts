// Read state (contract v2): read markers, unread and mention counts, chat.read, notify levels.
import { afterEach, describe, expect, test } from "bun:test";
import { startTestApp } from "../support/app.ts";
import { type Person, people, signup } from "../support/fixtures.ts";
import { type LiveWebSocket, openWebSocket } from "../support/live.ts";

const app = await startTestApp();
const { alice, bob, mallory, carol, code } = (await people(app, ["Carol"])) as Awaited<
  ReturnType<typeof people>
> & { carol: Person };

const open: LiveWebSocket[] = [];
const connect = async (person: Person, since?: number) => {
  const socket = await openWebSocket(app.url, person.token, since);
  open.push(socket);
  await socket.takeUntil((frame) => frame.type === "ready");
  return socket;
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((socket) => socket.close()));
});

const post = (by: Person, path: string, body?: unknown) =>
  app.request("POST", path, { token: by.token, body });
const send = async (by: Person, chatId: number, content: string, threadId?: number) =>
  (await post(by, `/api/chat/${chatId}`, { content, ...(threadId && { threadId }) })).body;
const read = (by: Person, chatId: number, messageId: number) =>
  post(by, `/api/chat/${chatId}/read`, { messageId });
const stateOf = async (by: Person, chatId: number) =>
  (await app.request("GET", `/api/chat/${chatId}`, { token: by.token })).body.state;
const listedState = async (by: Person, chatId: number) => {
  const list = (await app.request("GET", "/api/chat", { token: by.token })).body as {
    id: number;
    state: unknown;
  }[];
  return list.find((chat) => chat.id === chatId)?.state;
};
let made = 0;
const channel = async (by: Person, members: Person[], type = "private_channel") =>
  (
    await post(by, "/api/chat", {
      type,
      name: `read-${++made}`,
      members: members.map((p) => p.user.id),
    })
  ).body;

describe("counts", () => {
  test("bob's unread count is alice's top-level messages above his marker; alice has none of her own", async () => {
    const chat = await channel(alice, [bob]);
    expect(await stateOf(bob, chat.id)).toEqual({
      lastReadMessageId: 0,
      unreadCount: 0,
      mentionCount: 0,
      notify: "mentions",
    });
    await send(alice, chat.id, "one");
    await send(alice, chat.id, "two");
    const last = await send(alice, chat.id, "three");
    expect(await listedState(bob, chat.id)).toMatchObject({ unreadCount: 3, mentionCount: 0 });
    expect(await stateOf(alice, chat.id)).toMatchObject({
      lastReadMessageId: last.id,
      unreadCount: 0,
    });
  });

  test("replies count as mentions only; <@id>, <!channel> and <!here> count; edits and deletes change the counts", async () => {
    const chat = await channel(alice, [bob]);
    const root = await send(alice, chat.id, `hi <@${bob.user.id}>`);
    await send(alice, chat.id, "plain", root.id);
    await send(alice, chat.id, `reply for <@${bob.user.id}>`, root.id);
    const everyone = await send(alice, chat.id, "<!channel> look");
    await send(alice, chat.id, "<!here> now");
    expect(await stateOf(bob, chat.id)).toMatchObject({ unreadCount: 3, mentionCount: 4 });
    const edit = await app.request("PATCH", `/api/chat/${chat.id}/messages/${everyone.id}`, {
      token: alice.token,
      body: { content: "no longer for everyone" },
    });
    expect(edit.status).toBe(200);
    expect(await stateOf(bob, chat.id)).toMatchObject({ unreadCount: 3, mentionCount: 3 });
    const gone = await app.request("DELETE", `/api/chat/${chat.id}/messages/${root.id}`, {
      token: alice.token,
    });
    expect(gone.status).toBe(204);
    expect(await stateOf(bob, chat.id)).toMatchObject({ unreadCount: 2, mentionCount: 2 });
  });

  test("a new member starts read up to the chat's last top-level message, replies after it aside", async () => {
    const chat = await channel(alice, [bob], "public_channel");
    const before = await send(alice, chat.id, "before carol");
    await send(bob, chat.id, "a reply", before.id);
    const join = await post(carol, `/api/chat/${chat.id}/join`);
    expect(join.status).toBe(200);
    expect(await stateOf(carol, chat.id)).toEqual({
      lastReadMessageId: before.id,
      unreadCount: 0,
      mentionCount: 0,
      notify: "mentions",
    });
    await send(alice, chat.id, "after carol");
    expect(await stateOf(carol, chat.id)).toMatchObject({ unreadCount: 1 });
  });

  test("someone who left and joined again starts afresh, and a non-member has no state", async () => {
    const chat = await channel(alice, [bob, carol], "public_channel");
    await send(alice, chat.id, "while carol is in");
    expect((await post(carol, `/api/chat/${chat.id}/leave`)).status).toBe(204);
    expect(await stateOf(carol, chat.id)).toBeUndefined();
    expect(await listedState(carol, chat.id)).toBeUndefined();
    const missed = await send(alice, chat.id, "while carol is out");
    await post(carol, `/api/chat/${chat.id}/join`);
    expect(await stateOf(carol, chat.id)).toMatchObject({
      lastReadMessageId: missed.id,
      unreadCount: 0,
    });
  });
});

describe("state in every Chat answer", () => {
  test("create, PATCH, join, archive, unarchive and the channel list carry the member's state; a non-member's and every event's have none", async () => {
    const socket = await connect(bob);
    const created = await post(alice, "/api/chat", {
      type: "public_channel",
      name: `read-${++made}`,
      members: [bob.user.id],
    });
    expect(created.status).toBe(201);
    const chatId = created.body.id as number;
    const fresh = { lastReadMessageId: 0, unreadCount: 0, mentionCount: 0, notify: "mentions" };
    expect(created.body.state).toEqual(fresh);
    const last = await send(bob, chatId, "from bob");
    const unread = { lastReadMessageId: 0, unreadCount: 1, mentionCount: 0, notify: "mentions" };
    const patched = await app.request("PATCH", `/api/chat/${chatId}`, {
      token: alice.token,
      body: { name: `read-${++made}` },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.state).toEqual(unread);
    const joined = await post(carol, `/api/chat/${chatId}/join`);
    expect(joined.body.state).toMatchObject({ lastReadMessageId: last.id, unreadCount: 0 });
    expect((await post(carol, `/api/chat/${chatId}/join`)).body.state).toMatchObject({
      lastReadMessageId: last.id,
    });
    const archived = await post(alice, `/api/chat/${chatId}/archive`);
    expect(archived.body).toMatchObject({ archived: true, state: unread });
    expect((await post(alice, `/api/chat/${chatId}/unarchive`)).body.state).toEqual(unread);
    const channels = async (by: Person) =>
      ((await app.request("GET", "/api/channels", { token: by.token })).body as any[]).find(
        (chat) => chat.id === chatId,
      );
    expect((await channels(alice)).state).toEqual(unread);
    // Dave is in the workspace but not in the channel: it is listed for him without a state.
    const dave = await signup(app, "Dave", "Acme", code);
    const listed = await channels(dave);
    expect(listed).toBeDefined();
    expect(listed.state).toBeUndefined();
    const events = await socket.takeUntil(
      (frame) => frame.type === "chat.updated" && (frame.data as any)?.archived === false,
    );
    expect(events.some((frame) => frame.type === "chat.created")).toBe(true);
    for (const frame of events) expect(JSON.stringify(frame)).not.toContain('"state"');
  });
});

describe("marking read", () => {
  test("the marker moves forward with chat.read to the reader's connections only, and never back", async () => {
    const chat = await channel(alice, [bob]);
    const first = await send(alice, chat.id, `one <@${bob.user.id}>`);
    const second = await send(alice, chat.id, "two");
    const bobs = [await connect(bob), await connect(bob)];
    const alices = await connect(alice);
    for (const socket of [...bobs, alices]) await socket.barrier();
    const moved = await read(bob, chat.id, first.id);
    expect(moved.status).toBe(200);
    expect(moved.body).toEqual({
      chatId: chat.id,
      lastReadMessageId: first.id,
      unreadCount: 1,
      mentionCount: 0,
    });
    for (const socket of bobs) {
      const frame = await socket.take();
      expect(frame).toMatchObject({
        type: "chat.read",
        chatId: chat.id,
        data: { chatId: chat.id, lastReadMessageId: first.id },
      });
    }
    expect(await alices.barrier()).toEqual([]);
    await read(bob, chat.id, second.id);
    const back = await read(bob, chat.id, first.id);
    expect(back.body).toEqual({
      chatId: chat.id,
      lastReadMessageId: second.id,
      unreadCount: 0,
      mentionCount: 0,
    });
    for (const socket of bobs) {
      expect((await socket.barrier()).map((frame) => frame.data?.lastReadMessageId)).toEqual([
        second.id,
      ]);
    }
  });

  test("a reply or a tombstone may be read up to; a message of another chat is 422", async () => {
    const chat = await channel(alice, [bob]);
    const other = await channel(alice, [bob]);
    const root = await send(alice, chat.id, "root");
    const reply = await send(alice, chat.id, "reply", root.id);
    const elsewhere = await send(alice, other.id, "elsewhere");
    expect((await read(bob, chat.id, reply.id)).body.lastReadMessageId).toBe(reply.id);
    const doomed = await send(alice, chat.id, "doomed");
    await app.request("DELETE", `/api/chat/${chat.id}/messages/${doomed.id}`, {
      token: alice.token,
    });
    expect((await read(bob, chat.id, doomed.id)).body.lastReadMessageId).toBe(doomed.id);
    const wrong = await read(bob, chat.id, elsewhere.id);
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe("validation_failed");
    expect((await read(bob, chat.id, 999_999_999)).status).toBe(422);
    expect((await post(bob, `/api/chat/${chat.id}/read`, { messageId: "x" })).status).toBe(422);
  });

  test("mallory gets 404, a non-member of a public channel 403, and neither learns of the read", async () => {
    const open = await channel(alice, [bob], "public_channel");
    const closed = await channel(alice, [bob]);
    const message = await send(alice, open.id, "hello");
    const closedMessage = await send(alice, closed.id, "hello");
    const watching = await connect(bob);
    await watching.barrier();
    expect((await read(mallory, open.id, message.id)).status).toBe(404);
    expect((await read(mallory, closed.id, closedMessage.id)).status).toBe(404);
    expect((await read(carol, closed.id, closedMessage.id)).status).toBe(404);
    const outsider = await read(carol, open.id, message.id);
    expect(outsider.status).toBe(403);
    expect(outsider.body.error.code).toBe("forbidden");
    expect(await watching.barrier()).toEqual([]);
  });

  test("a sender's marker moves to their own top-level message without chat.read", async () => {
    const chat = await channel(alice, [bob]);
    await send(bob, chat.id, "from bob");
    const socket = await connect(alice);
    await socket.barrier();
    const mine = await send(alice, chat.id, "mine");
    const frames = await socket.barrier();
    expect(frames.map((frame) => frame.type)).toEqual(["message.created"]);
    expect(await stateOf(alice, chat.id)).toMatchObject({
      lastReadMessageId: mine.id,
      unreadCount: 0,
    });
    await send(alice, chat.id, "a reply of mine", mine.id);
    expect((await stateOf(alice, chat.id)).lastReadMessageId).toBe(mine.id);
  });

  test("a client that missed chat.read gets it on resume", async () => {
    const chat = await channel(alice, [bob]);
    const message = await send(alice, chat.id, "read me");
    const since = await app.db.latestEventId();
    await read(bob, chat.id, message.id);
    const resumed = await connect(bob, since);
    const frames = await resumed.takeUntil((frame) => frame.type === "chat.read");
    expect(frames.filter((frame) => frame.type !== "presence")).toMatchObject([
      { type: "chat.read", data: { chatId: chat.id, lastReadMessageId: message.id } },
    ]);
  });
});

describe("notification levels", () => {
  test("defaults are all in single and group chats, mentions in channels; PUT sets the caller's own", async () => {
    const single = (await post(alice, "/api/chat", { members: [bob.user.id] })).body;
    const group = (await post(alice, "/api/chat", { members: [bob.user.id, carol.user.id] })).body;
    const chan = await channel(alice, [bob]);
    expect((await stateOf(bob, single.id)).notify).toBe("all");
    expect((await stateOf(bob, group.id)).notify).toBe("all");
    expect((await stateOf(bob, chan.id)).notify).toBe("mentions");
    const set = await app.request("PUT", `/api/chat/${chan.id}/notify`, {
      token: bob.token,
      body: { level: "none" },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ id: chan.id, state: { notify: "none" } });
    expect((await stateOf(bob, chan.id)).notify).toBe("none");
    expect((await stateOf(alice, chan.id)).notify).toBe("mentions");
  });

  test("a bad level is 422; mallory 404; a public channel not joined 403", async () => {
    const chan = await channel(alice, [bob], "public_channel");
    const put = (by: Person, level: unknown) =>
      app.request("PUT", `/api/chat/${chan.id}/notify`, { token: by.token, body: { level } });
    expect((await put(bob, "loud")).status).toBe(422);
    expect((await put(mallory, "all")).status).toBe(404);
    expect((await put(carol, "all")).status).toBe(403);
  });
});
