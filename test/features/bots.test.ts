// Bots (API.md § Integrations): made and revoked by the owner and admins, acting through their
// tokens on every route like any member, never signing in.
import { describe, expect, test } from "bun:test";
import { startTestApp } from "../support/app.ts";
import { type Person, people } from "../support/fixtures.ts";
import { openWebSocket } from "../support/live.ts";

const app = await startTestApp();
const { alice, bob, mallory } = await people(app);

type Bot = { user: { id: number; [key: string]: unknown }; token: string; appToken: string };
const makeBot = async (by: Person, name = "Deploy bot"): Promise<Bot> => {
  const reply = await app.request("POST", "/api/bots", { token: by.token, body: { name } });
  expect(reply.status).toBe(201);
  return reply.body;
};
const as = (token: string, method: string, path: string, body?: unknown) =>
  app.request(method, path, { token, body });

describe("making bots", () => {
  test("the owner makes a bot: a bot user with no email, and two tokens shown once", async () => {
    const bot = await makeBot(alice);
    expect(bot.user).toMatchObject({
      fullname: "Deploy bot",
      email: null,
      bot: true,
      role: "member",
      deactivated: false,
      workspaceId: alice.workspace.id,
    });
    expect(bot.token).toMatch(/^xoxb-[0-9a-f]{64}$/);
    expect(bot.appToken).toMatch(/^xapp-[0-9a-f]{64}$/);
    const listed = await as(alice.token, "GET", "/api/bots");
    expect(listed.status).toBe(200);
    const mine = listed.body.find((user: { id: number }) => user.id === bot.user.id);
    expect(mine).toEqual(bot.user);
    // The tokens are nowhere in what the server answers again.
    expect(JSON.stringify(listed.body)).not.toContain(bot.token.slice(5));
    const users = await as(bob.token, "GET", "/api/users");
    expect(users.body.map((user: { id: number }) => user.id)).toContain(bot.user.id);
  });

  test("a member may not make, list or revoke bots; another workspace sees none of acme's", async () => {
    const bot = await makeBot(alice);
    expect((await as(bob.token, "POST", "/api/bots", { name: "x" })).status).toBe(403);
    expect((await as(bob.token, "GET", "/api/bots")).status).toBe(403);
    expect((await as(bob.token, "DELETE", `/api/bots/${bot.user.id}`)).status).toBe(403);
    const theirs = await as(mallory.token, "GET", "/api/bots");
    expect(theirs.status).toBe(200);
    expect(theirs.body).toEqual([]);
    expect((await as(mallory.token, "DELETE", `/api/bots/${bot.user.id}`)).status).toBe(404);
    expect((await as(alice.token, "DELETE", `/api/bots/${bob.user.id}`)).status).toBe(404);
    expect((await as(bot.token, "GET", "/api/me")).status).toBe(200);
  });

  test("a bot's name is checked like a person's", async () => {
    for (const name of ["", "   ", "x".repeat(65)]) {
      const reply = await as(alice.token, "POST", "/api/bots", { name });
      expect(reply.status).toBe(422);
      expect(reply.body.error.code).toBe("validation_failed");
    }
    expect((await as(alice.token, "POST", "/api/bots", {})).status).toBe(422);
  });
});

describe("a bot's token", () => {
  test("opens the API as the bot, which joins chats like anyone and whose messages reach the members live", async () => {
    const bot = await makeBot(alice, "CI");
    const me = await as(bot.token, "GET", "/api/me");
    expect(me.body.user.id).toBe(bot.user.id);
    const created = await as(alice.token, "POST", "/api/chat", {
      type: "private_channel",
      name: `builds-${bot.user.id}`,
      members: [bob.user.id],
    });
    const chatId = created.body.id;
    // Not a member yet: the chat does not exist for the bot.
    const early = await as(bot.token, "POST", `/api/chat/${chatId}`, { content: "hi" });
    expect(early.status).toBe(404);
    expect(
      (
        await as(alice.token, "PATCH", `/api/chat/${chatId}`, {
          members: [alice.user.id, bob.user.id, bot.user.id],
        })
      ).status,
    ).toBe(200);
    const bobSocket = await openWebSocket(app.url, bob.token);
    const malloryLive = await openWebSocket(app.url, mallory.token);
    await bobSocket.take();
    await malloryLive.take();
    const sent = await as(bot.token, "POST", `/api/chat/${chatId}`, {
      content: "build 42 passed",
    });
    expect(sent.body.error).toBeUndefined();
    expect(sent.status).toBe(201);
    expect(sent.body.senderId).toBe(bot.user.id);
    const frames = await bobSocket.takeUntil((frame) => frame.type === "message.created");
    expect(frames.at(-1)?.data.content).toBe("build 42 passed");
    expect(await malloryLive.barrier()).toEqual([]);
    await bobSocket.close();
    await malloryLive.close();
  });

  test("signs nobody in, and the app token opens no API route", async () => {
    const bot = await makeBot(alice);
    expect((await as(bot.appToken, "GET", "/api/me")).status).toBe(401);
    expect((await as(`xoxb-${"0".repeat(64)}`, "GET", "/api/me")).status).toBe(401);
    const password = await as(bot.token, "POST", "/api/me/password", {
      currentPassword: "whatever1",
      newPassword: "whatever2",
    });
    expect([403, 404]).toContain(password.status);
  });

  test("signing out with a bot token ends that token, and everywhere ends both", async () => {
    const socketMode = (appToken: string) =>
      app.request("POST", "/api/slack/apps.connections.open", { token: appToken });
    const bot = await makeBot(alice, "Short-lived bot");
    expect((await as(bot.token, "POST", "/api/signout")).status).toBe(204);
    expect((await as(bot.token, "GET", "/api/me")).status).toBe(401);
    expect((await socketMode(bot.appToken)).body.ok).toBe(true);
    const other = await makeBot(alice, "Another bot");
    expect((await as(other.token, "POST", "/api/signout/everywhere")).status).toBe(204);
    expect((await as(other.token, "GET", "/api/me")).status).toBe(401);
    expect((await socketMode(other.appToken)).body).toMatchObject({ ok: false });
    // The people who made them are not signed out.
    expect((await as(alice.token, "GET", "/api/me")).status).toBe(200);
  });

  test("revoking a bot ends its tokens and its open socket at once, deactivates it and keeps its messages", async () => {
    const bot = await makeBot(alice, "Old bot");
    const socket = await openWebSocket(app.url, bot.token);
    await socket.take();
    const revoked = await as(alice.token, "DELETE", `/api/bots/${bot.user.id}`);
    expect(revoked.status).toBe(204);
    await socket.closed;
    expect((await as(bot.token, "GET", "/api/me")).status).toBe(401);
    const listed = await as(alice.token, "GET", "/api/bots");
    expect(listed.body.find((user: { id: number }) => user.id === bot.user.id).deactivated).toBe(
      true,
    );
    expect((await as(alice.token, "DELETE", `/api/bots/${bot.user.id}`)).status).toBe(204);
    const audit = await as(alice.token, "GET", "/api/audit");
    const actions = audit.body.map((entry: { action: string }) => entry.action);
    expect(actions).toContain("bot.created");
    expect(actions).toContain("bot.revoked");
  });
});
