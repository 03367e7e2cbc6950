// Threads (contract v2): replies with threadId, their roots' counts, ?thread= and single reads.
import { describe, expect, test } from "bun:test";
import { startTestApp } from "../support/app.ts";
import { type Person, people } from "../support/fixtures.ts";
import { openEventStream, openWebSocket } from "../support/live.ts";

const app = await startTestApp();
const { alice, bob, mallory, carol } = (await people(app, ["Carol"])) as Awaited<
  ReturnType<typeof people>
> & { carol: Person };

const newChat = async (by: Person, body: Record<string, unknown>) =>
  (await app.request("POST", "/api/chat", { token: by.token, body })).body;
const send = (by: Person, chatId: number, body: Record<string, unknown>) =>
  app.request("POST", `/api/chat/${chatId}`, { token: by.token, body });
const get = (by: Person, path: string) => app.request("GET", path, { token: by.token });
const remove = (by: Person, chatId: number, id: number) =>
  app.request("DELETE", `/api/chat/${chatId}/messages/${id}`, { token: by.token });

const direct = await newChat(alice, { members: [bob.user.id] });
const general = await newChat(alice, { type: "public_channel", name: "general", members: [] });

describe("replying", () => {
  test("a reply names its root; the root counts it and its time, in the same transaction, after the reply's own event", async () => {
    const root = (await send(alice, direct.id, { content: "root" })).body;
    const socket = await openWebSocket(app.url, bob.token);
    const stream = await openEventStream(app.url, alice.token);
    await socket.take();
    await stream.take();
    const reply = await send(bob, direct.id, { content: "a reply", threadId: root.id });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ threadId: root.id, replyCount: 0, lastReplyAt: null });
    for (const live of [socket, stream]) {
      const [created, updated] = [await live.take(), await live.take()];
      expect(created).toMatchObject({ type: "message.created", data: { id: reply.body.id } });
      expect(updated).toMatchObject({
        type: "message.updated",
        id: (created.id as number) + 1,
        data: { id: root.id, replyCount: 1, lastReplyAt: reply.body.createdAt },
      });
    }
    socket.close();
    stream.close();
    const fetched = await get(alice, `/api/chat/${direct.id}/messages/${root.id}`);
    expect(fetched.body).toMatchObject({ replyCount: 1, lastReplyAt: reply.body.createdAt });
  });

  test("replies change neither the chat's lastMessageId nor its place in the chat list", async () => {
    const top = (await send(alice, direct.id, { content: "top" })).body;
    await send(alice, general.id, { content: "activity elsewhere" });
    await send(bob, direct.id, { content: "reply", threadId: top.id });
    const chat = (await get(alice, `/api/chat/${direct.id}`)).body;
    expect(chat.lastMessageId).toBe(top.id);
    const list = (await get(alice, "/api/chat")).body as { id: number }[];
    expect(list[0]?.id).toBe(general.id);
  });

  test("history lists top-level messages; ?thread= lists a root's replies newest first, paged", async () => {
    const root = (await send(alice, general.id, { content: "thread root" })).body;
    const replies = [];
    for (const n of [1, 2, 3]) {
      replies.push((await send(alice, general.id, { content: `r${n}`, threadId: root.id })).body);
    }
    const top = (await get(alice, `/api/chat/${general.id}/messages`)).body as { id: number }[];
    expect(top.map((m) => m.id)).not.toContain(replies[0].id);
    expect(top[0]?.id).toBe(root.id);
    const thread = await get(bob, `/api/chat/${general.id}/messages?thread=${root.id}&limit=2`);
    expect(thread.body.map((m: { content: string }) => m.content)).toEqual(["r3", "r2"]);
    const older = await get(
      bob,
      `/api/chat/${general.id}/messages?thread=${root.id}&before=${replies[1].id}`,
    );
    expect(older.body.map((m: { content: string }) => m.content)).toEqual(["r1"]);
  });

  test("a threadId that is a reply, another chat's message, unknown or deleted is 422, and nothing is stored", async () => {
    const root = (await send(alice, direct.id, { content: "root" })).body;
    const reply = (await send(alice, direct.id, { content: "r", threadId: root.id })).body;
    const elsewhere = (await send(alice, general.id, { content: "elsewhere" })).body;
    const gone = (await send(alice, direct.id, { content: "gone" })).body;
    expect((await remove(alice, direct.id, gone.id)).status).toBe(204);
    for (const threadId of [reply.id, elsewhere.id, 987_654_321, gone.id]) {
      const answer = await send(alice, direct.id, { content: "bad", threadId });
      expect(answer.status).toBe(422);
      expect(answer.body.error.code).toBe("validation_failed");
    }
    for (const threadId of ["1", 0, -3, 1.5]) {
      expect((await send(alice, direct.id, { content: "bad", threadId })).status).toBe(422);
    }
    const after = (await get(alice, `/api/chat/${direct.id}/messages/${root.id}`)).body;
    expect(after.replyCount).toBe(1);
  });

  test("a repeated clientId on a reply answers 200 with the original, and counts once", async () => {
    const root = (await send(alice, direct.id, { content: "root" })).body;
    const body = { content: "once", threadId: root.id, clientId: "reply-1" };
    const first = await send(bob, direct.id, body);
    const again = await send(bob, direct.id, { ...body, content: "twice" });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body).toEqual(first.body);
    expect((await get(bob, `/api/chat/${direct.id}/messages/${root.id}`)).body.replyCount).toBe(1);
  });

  test("replies over the socket's send are acknowledged like any message", async () => {
    const root = (await send(alice, direct.id, { content: "socket root" })).body;
    const socket = await openWebSocket(app.url, bob.token);
    await socket.take();
    socket.send({
      type: "send",
      chatId: direct.id,
      content: "hi",
      threadId: root.id,
      clientId: "s1",
    });
    const frames = await socket.takeUntil((frame) => frame.type === "ack");
    expect(frames.at(-1)?.data).toMatchObject({ threadId: root.id, content: "hi" });
    socket.send({
      type: "send",
      chatId: direct.id,
      content: "x",
      threadId: 99_999_999,
      clientId: "s2",
    });
    const error = (await socket.takeUntil((frame) => frame.type === "error")).at(-1);
    expect(error?.error.code).toBe("validation_failed");
    socket.close();
  });

  test("a deleted root with replies stays in history as a tombstone, and its thread still reads", async () => {
    const root = (await send(alice, direct.id, { content: "secret root" })).body;
    const reply = (await send(bob, direct.id, { content: "kept", threadId: root.id })).body;
    expect((await remove(alice, direct.id, root.id)).status).toBe(204);
    const top = (await get(bob, `/api/chat/${direct.id}/messages`)).body as { id: number }[];
    expect(top.find((m) => m.id === root.id)).toMatchObject({
      deleted: true,
      content: "",
      replyCount: 1,
    });
    const thread = (await get(bob, `/api/chat/${direct.id}/messages?thread=${root.id}`)).body;
    expect(thread.map((m: { id: number }) => m.id)).toEqual([reply.id]);
    // The reply goes too: the root has no replies left and leaves history.
    expect((await remove(bob, direct.id, reply.id)).status).toBe(204);
    const root2 = (await get(bob, `/api/chat/${direct.id}/messages/${root.id}`)).body;
    expect(root2).toMatchObject({ deleted: true, replyCount: 0, lastReplyAt: null });
    const after = (await get(bob, `/api/chat/${direct.id}/messages`)).body as { id: number }[];
    expect(after.map((m) => m.id)).not.toContain(root.id);
    expect((await get(bob, `/api/chat/${direct.id}/messages?thread=${root.id}`)).body).toEqual([]);
  });

  test("deleting a reply lowers its root's count and moves lastReplyAt back to the newest left", async () => {
    const root = (await send(alice, direct.id, { content: "root" })).body;
    const first = (await send(bob, direct.id, { content: "1", threadId: root.id })).body;
    const second = (await send(bob, direct.id, { content: "2", threadId: root.id })).body;
    const socket = await openWebSocket(app.url, alice.token);
    await socket.take();
    await remove(bob, direct.id, second.id);
    const [deleted, rootUpdated] = [await socket.take(), await socket.take()];
    expect(deleted).toMatchObject({
      type: "message.updated",
      data: { id: second.id, deleted: true },
    });
    expect(rootUpdated).toMatchObject({
      type: "message.updated",
      data: { id: root.id, replyCount: 1, lastReplyAt: first.createdAt },
    });
    socket.close();
  });
});

describe("reading one message", () => {
  test("any message of the chat answers 200; another chat's id, an unknown one or a bad id is 404", async () => {
    const root = (await send(alice, direct.id, { content: "one" })).body;
    const reply = (await send(alice, direct.id, { content: "r", threadId: root.id })).body;
    expect((await get(bob, `/api/chat/${direct.id}/messages/${reply.id}`)).body).toEqual(reply);
    expect((await get(bob, `/api/chat/${general.id}/messages/${root.id}`)).status).toBe(404);
    expect((await get(bob, `/api/chat/${direct.id}/messages/987654321`)).status).toBe(404);
    expect((await get(bob, `/api/chat/${direct.id}/messages/0`)).status).toBe(404);
    expect((await get(bob, `/api/chat/${direct.id}/messages/abc`)).status).toBe(404);
  });

  test("outsiders get 404 for messages, threads and pins; a non-member reads a public channel", async () => {
    const root = (await send(alice, direct.id, { content: "private" })).body;
    for (const path of [
      `/api/chat/${direct.id}/messages/${root.id}`,
      `/api/chat/${direct.id}/messages?thread=${root.id}`,
      `/api/chat/${direct.id}/messages/${root.id}/edits`,
      `/api/chat/${direct.id}/pins`,
    ]) {
      for (const who of [carol, mallory]) expect((await get(who, path)).status).toBe(404);
    }
    const open = (await send(alice, general.id, { content: "public" })).body;
    expect((await get(carol, `/api/chat/${general.id}/messages/${open.id}`)).status).toBe(200);
    expect((await get(mallory, `/api/chat/${general.id}/messages/${open.id}`)).status).toBe(404);
  });

  test("?thread= of a reply or another chat's message is 404", async () => {
    const root = (await send(alice, direct.id, { content: "root" })).body;
    const reply = (await send(alice, direct.id, { content: "r", threadId: root.id })).body;
    expect((await get(bob, `/api/chat/${direct.id}/messages?thread=${reply.id}`)).status).toBe(404);
    expect((await get(bob, `/api/chat/${general.id}/messages?thread=${root.id}`)).status).toBe(404);
    expect((await get(bob, `/api/chat/${direct.id}/messages?thread=x`)).status).toBe(422);
  });

  test("an outsider's socket receives nothing of a thread", async () => {
    const socket = await openWebSocket(app.url, mallory.token);
    const carols = await openWebSocket(app.url, carol.token);
    await socket.take();
    await carols.take();
    const root = (await send(alice, direct.id, { content: "root" })).body;
    await send(bob, direct.id, { content: "r", threadId: root.id });
    expect((await socket.barrier()).filter((f) => f.type !== "presence")).toEqual([]);
    expect((await carols.barrier()).filter((f) => f.type !== "presence")).toEqual([]);
    socket.close();
    carols.close();
  });
});
