// Reactions, pins and mentions (contract v2).
import { describe, expect, test } from "bun:test";
import { startTestApp } from "../support/app.ts";
import { type Person, people } from "../support/fixtures.ts";
import { openWebSocket } from "../support/live.ts";

const app = await startTestApp();
const { alice, bob, mallory, carol } = (await people(app, ["Carol"])) as Awaited<
  ReturnType<typeof people>
> & { carol: Person };

const newChat = async (by: Person, body: Record<string, unknown>) =>
  (await app.request("POST", "/api/chat", { token: by.token, body })).body;
const send = async (by: Person, chatId: number, body: Record<string, unknown>) =>
  (await app.request("POST", `/api/chat/${chatId}`, { token: by.token, body })).body;
const reaction = (method: string, by: Person, chatId: number, id: number, emoji: string) =>
  app.request(method, `/api/chat/${chatId}/messages/${id}/reactions/${emoji}`, {
    token: by.token,
  });
const pin = (method: string, by: Person, chatId: number, id: number) =>
  app.request(method, `/api/chat/${chatId}/pins/${id}`, { token: by.token });
const pins = (by: Person, chatId: number) =>
  app.request("GET", `/api/chat/${chatId}/pins`, { token: by.token });

const direct = await newChat(alice, { members: [bob.user.id] });
const general = await newChat(alice, { type: "public_channel", name: "lounge", members: [] });

describe("reactions", () => {
  test("emoji keep the order first added, users the order they reacted; an emoji re-added after its last user left goes last", async () => {
    const message = await send(alice, direct.id, { content: "react to me" });
    await reaction("PUT", bob, direct.id, message.id, "tada");
    await reaction("PUT", alice, direct.id, message.id, "%2B1");
    await reaction("PUT", alice, direct.id, message.id, "tada");
    const after = await reaction("PUT", bob, direct.id, message.id, "%2B1::skin-tone-3");
    expect(after.status).toBe(200);
    expect(after.body.reactions).toEqual([
      { emoji: "tada", userIds: [bob.user.id, alice.user.id] },
      { emoji: "+1", userIds: [alice.user.id] },
      { emoji: "+1::skin-tone-3", userIds: [bob.user.id] },
    ]);
    await reaction("DELETE", bob, direct.id, message.id, "tada");
    await reaction("DELETE", alice, direct.id, message.id, "tada");
    const back = await reaction("PUT", alice, direct.id, message.id, "tada");
    expect(back.body.reactions.map((r: { emoji: string }) => r.emoji)).toEqual([
      "+1",
      "+1::skin-tone-3",
      "tada",
    ]);
  });

  test("adding what is there or removing what is not answers 200 and sends nothing", async () => {
    const message = await send(alice, direct.id, { content: "once" });
    await reaction("PUT", bob, direct.id, message.id, "eyes");
    const socket = await openWebSocket(app.url, alice.token);
    await socket.take();
    expect((await reaction("PUT", bob, direct.id, message.id, "eyes")).status).toBe(200);
    expect((await reaction("DELETE", bob, direct.id, message.id, "fire")).status).toBe(200);
    expect((await socket.barrier()).filter((f) => f.type !== "presence")).toEqual([]);
    await reaction("DELETE", bob, direct.id, message.id, "eyes");
    const [event] = (await socket.barrier()).filter((f) => f.type !== "presence");
    expect(event).toMatchObject({
      type: "message.updated",
      data: { id: message.id, reactions: [] },
    });
    socket.close();
  });

  test("a bad emoji name is 422; thumbsup and +1 are two emoji", async () => {
    const message = await send(alice, direct.id, { content: "names" });
    for (const bad of [
      "Tada",
      "a%20b",
      "x::skin-tone-7",
      "x::skin-tone-1",
      "x".repeat(101),
      "🎉",
    ]) {
      const answer = await reaction("PUT", bob, direct.id, message.id, encodeURIComponent(bad));
      expect(answer.status).toBe(422);
      expect(answer.body.error.code).toBe("validation_failed");
    }
    await reaction("PUT", bob, direct.id, message.id, "thumbsup");
    const both = await reaction("PUT", bob, direct.id, message.id, "%2B1");
    expect(both.body.reactions.length).toBe(2);
    expect((await reaction("PUT", bob, direct.id, message.id, "it's")).status).toBe(200);
  });

  test("at most 50 different emoji per message: the 51st is 422", async () => {
    const message = await send(alice, direct.id, { content: "many" });
    for (let i = 0; i < 50; i++) {
      expect((await reaction("PUT", bob, direct.id, message.id, `e${i}`)).status).toBe(200);
    }
    expect((await reaction("PUT", bob, direct.id, message.id, "e50")).status).toBe(422);
    // Another user on an emoji already there is fine.
    expect((await reaction("PUT", alice, direct.id, message.id, "e0")).status).toBe(200);
  });

  test("members only: 403 in a public channel not joined, 404 hidden, 404 on a deleted message", async () => {
    const open = await send(alice, general.id, { content: "open" });
    expect((await reaction("PUT", bob, general.id, open.id, "tada")).status).toBe(403);
    expect((await reaction("PUT", mallory, general.id, open.id, "tada")).status).toBe(404);
    const hidden = await send(alice, direct.id, { content: "hidden" });
    expect((await reaction("PUT", carol, direct.id, hidden.id, "tada")).status).toBe(404);
    // A message of another chat is not in this one: 404, even before membership.
    expect((await reaction("PUT", bob, general.id, hidden.id, "tada")).status).toBe(404);
    await app.request("DELETE", `/api/chat/${direct.id}/messages/${hidden.id}`, {
      token: alice.token,
    });
    expect((await reaction("PUT", bob, direct.id, hidden.id, "tada")).status).toBe(404);
  });
});

describe("pins", () => {
  test("pin and unpin; the list is most recently pinned first, replies included, open to readers", async () => {
    const chat = await newChat(alice, { type: "public_channel", name: "pins", members: [] });
    const first = await send(alice, chat.id, { content: "first" });
    const second = await send(alice, chat.id, { content: "second" });
    const reply = await send(alice, chat.id, { content: "reply", threadId: first.id });
    for (const m of [second, first, reply]) {
      const answer = await pin("PUT", alice, chat.id, m.id);
      expect(answer.status).toBe(200);
      expect(answer.body.pinned).toBe(true);
    }
    const listed = await pins(carol, chat.id);
    expect(listed.body.map((m: { id: number }) => m.id)).toEqual([reply.id, first.id, second.id]);
    expect((await pin("DELETE", alice, chat.id, first.id)).body.pinned).toBe(false);
    expect((await pins(bob, chat.id)).body.map((m: { id: number }) => m.id)).toEqual([
      reply.id,
      second.id,
    ]);
    expect((await pins(mallory, chat.id)).status).toBe(404);
    // carol has not joined: 403.
    expect((await pin("PUT", carol, chat.id, first.id)).status).toBe(403);
    // Deleting unpins.
    await app.request("DELETE", `/api/chat/${chat.id}/messages/${second.id}`, {
      token: alice.token,
    });
    expect((await pins(bob, chat.id)).body.map((m: { id: number }) => m.id)).toEqual([reply.id]);
    expect((await pin("PUT", alice, chat.id, second.id)).status).toBe(404);
  });

  test("pinning twice records nothing; at most 100 pins per chat", async () => {
    const chat = await newChat(alice, { members: [bob.user.id, carol.user.id] });
    const messages = [];
    for (let i = 0; i < 101; i++) messages.push(await send(alice, chat.id, { content: `${i}` }));
    for (const m of messages.slice(0, 100)) {
      expect((await pin("PUT", bob, chat.id, m.id)).status).toBe(200);
    }
    const socket = await openWebSocket(app.url, alice.token);
    await socket.take();
    expect((await pin("PUT", bob, chat.id, messages[0].id)).status).toBe(200);
    expect((await socket.barrier()).filter((f) => f.type !== "presence")).toEqual([]);
    const over = await pin("PUT", bob, chat.id, messages[100].id);
    expect(over.status).toBe(422);
    socket.close();
  });
});

describe("mentions", () => {
  test("<@id> of a workspace user, once each in order; others are plain text; <!channel> is stored; one's own mention is not counted", async () => {
    const content = `<@${bob.user.id}> and <@${mallory.user.id}> <@${alice.user.id}> \`<@${bob.user.id}>\` <@0> <!channel>`;
    const message = await send(alice, direct.id, { content });
    expect(message.mentions).toEqual([bob.user.id, alice.user.id]);
    expect(message.content).toBe(content);
    const rows = await app.sql(
      "select user_id from message_mentions where message_id = ? order by user_id",
      [message.id],
    );
    // The index of mentions that count holds bob only: a sender's mention of themselves is in
    // the message (above) but never counts for them, so it has no row.
    expect(rows.map((row) => Number(row.user_id))).toEqual([bob.user.id]);
    const flag = await app.sql("select mentions_all from messages where id = ?", [message.id]);
    expect(Number(flag[0]?.mentions_all)).toBe(1);
  });
});
