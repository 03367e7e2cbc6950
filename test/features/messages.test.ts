import { describe, expect, test } from "bun:test";
import type { Message } from "../../src/features/messages/model.ts";
import { startTestApp } from "../support/app.ts";
import { type Person, people } from "../support/fixtures.ts";

const app = await startTestApp();
const { alice, bob, mallory, carol } = (await people(app, ["Carol"])) as Awaited<
  ReturnType<typeof people>
> & { carol: Person };

const newChat = async (by: Person, body: Record<string, unknown>) =>
  (await app.request("POST", "/api/chat", { token: by.token, body })).body;
const send = (by: Person, chatId: number, body: Record<string, unknown>) =>
  app.request("POST", `/api/chat/${chatId}`, { token: by.token, body });
const history = (by: Person, chatId: number, query = "") =>
  app.request("GET", `/api/chat/${chatId}/messages${query}`, { token: by.token });

const direct = await newChat(alice, { members: [bob.user.id] });
const general = await newChat(alice, { type: "public_channel", name: "general", members: [] });

describe("sending", () => {
  test("a member sends: 201 with the message, and the chat's lastMessageId follows", async () => {
    const reply = await send(bob, direct.id, { content: "hello alice" });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({
      id: expect.any(Number),
      chatId: direct.id,
      senderId: bob.user.id,
      content: "hello alice",
      files: [],
      clientId: null,
      createdAt: expect.stringMatching(/Z$/),
      threadId: null,
      replyCount: 0,
      lastReplyAt: null,
      editedAt: null,
      deleted: false,
      reactions: [],
      pinned: false,
      mentions: [],
      attachments: [],
    });
    const chat = await app.request("GET", `/api/chat/${direct.id}`, { token: alice.token });
    expect(chat.body.lastMessageId).toBe(reply.body.id);
  });

  test("message ids grow with time across chats", async () => {
    const first = await send(alice, direct.id, { content: "one" });
    const second = await send(alice, general.id, { content: "two" });
    const third = await send(bob, direct.id, { content: "three" });
    expect(second.body.id).toBeGreaterThan(first.body.id);
    expect(third.body.id).toBeGreaterThan(second.body.id);
  });

  test("a workspace member who has not joined a public channel gets 403, then may send after joining", async () => {
    const before = await send(carol, general.id, { content: "may I?" });
    expect(before.status).toBe(403);
    expect(before.body.error.code).toBe("forbidden");
    await app.request("POST", `/api/chat/${general.id}/join`, { token: carol.token });
    expect((await send(carol, general.id, { content: "now I may" })).status).toBe(201);
  });

  test("an outsider gets 404 and nothing is stored", async () => {
    const before = (await history(alice, direct.id)).body.length;
    expect((await send(carol, direct.id, { content: "let me in" })).status).toBe(404);
    expect((await send(mallory, general.id, { content: "let me in" })).status).toBe(404);
    expect((await history(alice, direct.id)).body.length).toBe(before);
  });

  test("who left a chat cannot send to it, not even a retry of a clientId sent before", async () => {
    const room = await newChat(alice, {
      type: "private_channel",
      name: "leavers",
      members: [bob.user.id],
    });
    const channel = await newChat(alice, {
      type: "public_channel",
      name: "open-door",
      members: [bob.user.id],
    });
    for (const chat of [room, channel]) {
      expect((await send(bob, chat.id, { content: "bye", clientId: "last" })).status).toBe(201);
      expect(
        (await app.request("POST", `/api/chat/${chat.id}/leave`, { token: bob.token })).status,
      ).toBe(204);
    }
    // Private: no longer visible, so 404; public: still visible, so 403.
    for (const [chat, status] of [
      [room, 404],
      [channel, 403],
    ] as const) {
      expect((await send(bob, chat.id, { content: "bye", clientId: "last" })).status).toBe(status);
      expect((await send(bob, chat.id, { content: "again" })).status).toBe(status);
      const bobs = (await history(alice, chat.id)).body.filter(
        (m: Message) => m.senderId === bob.user.id,
      );
      expect(bobs.map((m: Message) => m.content)).toEqual(["bye"]);
    }
  });

  test("who may not see a chat learns nothing from a bad message to it: 404 before 422", async () => {
    expect((await send(carol, direct.id, { content: "" })).status).toBe(404);
    expect((await send(carol, direct.id, { content: "", files: ["/files/nope.png"] })).status).toBe(
      404,
    );
    expect((await send(bob, direct.id, { content: "" })).status).toBe(422);
  });

  test("content is at most 8,000 UTF-16 code units, and empty content needs files", async () => {
    expect((await send(alice, direct.id, { content: "x".repeat(8000) })).status).toBe(201);
    expect((await send(alice, direct.id, { content: "😀".repeat(4000) })).status).toBe(201);
    for (const body of [
      { content: "x".repeat(8001) },
      { content: "😀".repeat(4001) },
      { content: "" },
      { content: "", files: [] },
      { content: 5 },
      {},
      { content: "ok", files: "nope" },
      { content: "ok", files: Array.from({ length: 11 }, (_, i) => `/api/files/1/${i}.txt`) },
      { content: "ok", files: ["https://evil.example/x.png"] },
      { content: "ok", clientId: "" },
      { content: "ok", clientId: "c".repeat(65) },
    ]) {
      const reply = await send(alice, direct.id, body);
      expect({ body, status: reply.status }).toEqual({ body, status: 422 });
      expect(reply.body.error.code).toBe("validation_failed");
    }
  });

  test("a repeated clientId answers 200 with the original message, even with other content", async () => {
    const first = await send(bob, direct.id, { content: "once", clientId: "bob-1" });
    const again = await send(bob, direct.id, { content: "twice?", clientId: "bob-1" });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const stored = (await history(bob, direct.id)).body.filter(
      (m: Message) => m.clientId === "bob-1",
    );
    expect(stored).toHaveLength(1);
  });

  test("a repeat that is invalid stays 422", async () => {
    await send(bob, direct.id, { content: "valid", clientId: "bob-2" });
    const invalid = await send(bob, direct.id, { content: "", clientId: "bob-2" });
    expect(invalid.status).toBe(422);
  });

  test("the same clientId from another sender or in another chat is another message", async () => {
    const mine = await send(alice, general.id, { content: "a", clientId: "shared" });
    const yours = await send(carol, general.id, { content: "b", clientId: "shared" });
    const elsewhere = await send(alice, direct.id, { content: "c", clientId: "shared" });
    expect([mine.status, yours.status, elsewhere.status]).toEqual([201, 201, 201]);
    expect(new Set([mine.body.id, yours.body.id, elsewhere.body.id]).size).toBe(3);
  });

  test("retries racing with one clientId store exactly one message", async () => {
    const replies = await Promise.all(
      Array.from({ length: 20 }, () =>
        send(bob, direct.id, { content: "race", clientId: "race-1" }),
      ),
    );
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(19);
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
  });

  test("message text is stored exactly as sent, markup and all", async () => {
    const content = `<script>alert("x")</script> & \u0001 \u202e 'quotes' "double" 🎉`;
    const reply = await send(alice, direct.id, { content });
    expect(reply.body.content).toBe(content);
    const [stored] = (await history(alice, direct.id, "?limit=1")).body;
    expect(stored.content).toBe(content);
  });

  test("text holding U+0000 is refused with 422 naming the field, and nothing is stored", async () => {
    const before = (await history(alice, direct.id, "?limit=1")).body[0]?.id;
    const reply = await send(alice, direct.id, { content: "a\u0000b" });
    expect(reply.status).toBe(422);
    expect(reply.body.error.message).toStartWith("content:");
    const nested = await send(alice, direct.id, {
      content: "ok",
      files: ["/files/a.png", "\u0000"],
    });
    expect(nested.status).toBe(422);
    expect(nested.body.error.message).toStartWith("files.1:");
    expect((await history(alice, direct.id, "?limit=1")).body[0]?.id).toBe(before);
  });
});

describe("history", () => {
  test("newest first, paged backwards with before, limit 1 to 100 with a default of 50", async () => {
    const chat = await newChat(alice, {
      type: "private_channel",
      name: "paging",
      members: [bob.user.id],
    });
    const sent: number[] = [];
    for (let i = 0; i < 60; i++)
      sent.push((await send(alice, chat.id, { content: `m${i}` })).body.id);
    const newestFirst = [...sent].reverse();

    const firstPage = await history(bob, chat.id);
    expect(firstPage.body.map((m: Message) => m.id)).toEqual(newestFirst.slice(0, 50));
    const older = await history(bob, chat.id, `?before=${newestFirst[49]}`);
    expect(older.body.map((m: Message) => m.id)).toEqual(newestFirst.slice(50));
    const small = await history(bob, chat.id, `?limit=3&before=${newestFirst[10]}`);
    expect(small.body.map((m: Message) => m.id)).toEqual(newestFirst.slice(11, 14));
    const all = await history(bob, chat.id, "?limit=100");
    expect(all.body).toHaveLength(60);
  });

  test("a limit or before outside its range is 422, never clamped", async () => {
    for (const query of [
      "?limit=0",
      "?limit=101",
      "?limit=-5",
      "?limit=abc",
      "?before=0",
      "?before=x",
    ]) {
      const reply = await history(alice, direct.id, query);
      expect({ query, status: reply.status }).toEqual({ query, status: 422 });
      expect(reply.body.error.code).toBe("validation_failed");
    }
  });

  test("a public channel may be read by any workspace member, joined or not", async () => {
    const channel = await newChat(alice, { type: "public_channel", name: "readable", members: [] });
    await send(alice, channel.id, { content: "for everyone" });
    const reply = await history(bob, channel.id);
    expect(reply.status).toBe(200);
    expect(reply.body.map((m: Message) => m.content)).toEqual(["for everyone"]);
  });

  test("history of a private chat is 404 to non-members and to other workspaces", async () => {
    expect((await history(carol, direct.id)).status).toBe(404);
    expect((await history(mallory, direct.id)).status).toBe(404);
  });

  test("deleting a chat deletes its messages", async () => {
    const chat = await newChat(alice, { type: "private_channel", name: "doomed", members: [] });
    await send(alice, chat.id, { content: "soon gone" });
    await app.request("DELETE", `/api/chat/${chat.id}`, { token: alice.token });
    expect(await app.sql("select id from messages where chat_id = ?", [chat.id])).toEqual([]);
  });
});
