// Slack Socket Mode (API.md § Integrations): apps.connections.open, hello, events_api envelopes
// with Slack's fields, acknowledgements, redelivery, and nothing lost across reconnects.
import { describe, expect, test } from "bun:test";
import { SocketModeClient } from "@slack/socket-mode";
import { startTestApp } from "../support/app.ts";
import { type Person, people } from "../support/fixtures.ts";
import { postJson, signupPair } from "../support/process.ts";
import { type Bot, openApp as openSlackApp, startTargetProcess, textOf } from "../support/slack.ts";

const ackTimeoutMs = 400;
const app = await startTestApp({ socketMode: { ackTimeout: `${ackTimeoutMs}ms` } });
const { alice, bob, mallory } = await people(app);

let bots = 0;
async function makeBot(by: Person): Promise<Bot> {
  const reply = await app.request("POST", "/api/bots", {
    token: by.token,
    body: { name: `App ${++bots}` },
  });
  expect(reply.status).toBe(201);
  return reply.body;
}

let channels = 0;
async function channel(by: Person, members: number[], type = "public_channel") {
  const reply = await app.request("POST", "/api/chat", {
    token: by.token,
    body: { type, name: `socket-${++channels}`, members },
  });
  expect(reply.status).toBe(201);
  return reply.body.id as number;
}

async function send(by: { token: string }, chatId: number, content: string, threadId?: number) {
  const reply = await app.request("POST", `/api/chat/${chatId}`, {
    token: by.token,
    body: { content, ...(threadId && { threadId }) },
  });
  expect(reply.status).toBe(201);
  return reply.body as { id: number; createdAt: string };
}

const connectionsOpen = (options: Parameters<typeof app.request>[2] = {}) =>
  app.request("POST", "/api/slack/apps.connections.open", options);

const openApp = (appToken: string) => openSlackApp(app.url, appToken);

describe("apps.connections.open", () => {
  test("answers Slack's way: not_authed without a token, invalid_auth for anything but a standing app token", async () => {
    const bot = await makeBot(alice);
    const none = await connectionsOpen();
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ ok: false, error: "not_authed" });
    for (const token of ["xapp-nope", bot.token, alice.token, `${bot.appToken}0`]) {
      const wrong = await connectionsOpen({ token });
      expect(wrong.status).toBe(200);
      expect(wrong.body).toEqual({ ok: false, error: "invalid_auth" });
    }
  });

  test("takes the app token as a Bearer header, a JSON field or a form field, and answers a one-use WebSocket URL", async () => {
    const bot = await makeBot(alice);
    const port = new URL(app.url).port;
    const urls = [
      (await connectionsOpen({ token: bot.appToken })).body,
      (await connectionsOpen({ body: { token: bot.appToken } })).body,
      (
        await connectionsOpen({
          body: `token=${bot.appToken}`,
          headers: { "content-type": "application/x-www-form-urlencoded" },
        })
      ).body,
    ];
    for (const answer of urls) {
      expect(answer.ok).toBe(true);
      expect(answer.url).toMatch(
        new RegExp(`^ws://127\\.0\\.0\\.1:${port}/api/slack/socket\\?ticket=[A-Za-z0-9_-]{40,}$`),
      );
    }
    const client = await openApp(bot.appToken);
    // Its URL was used: it opens nothing again.
    const again = await fetch(client.url.replace(/^ws/, "http"));
    expect(again.status).toBe(401);
    await client.close();
  });

  test("a ticket of POST /api/tickets opens no app socket, and an app's ticket no /api/ws", async () => {
    const bot = await makeBot(alice);
    const streamTicket = (await app.request("POST", "/api/tickets", { token: bot.token })).body
      .ticket;
    expect((await fetch(`${app.url}/api/slack/socket?ticket=${streamTicket}`)).status).toBe(401);
    const opened = (await connectionsOpen({ token: bot.appToken })).body;
    const appTicket = new URL(opened.url).searchParams.get("ticket");
    expect((await fetch(`${app.url}/api/ws?ticket=${appTicket}`)).status).toBe(401);
    expect((await fetch(`${app.url}/api/slack/socket`)).status).toBe(401);
  });

  test("past the connects limit: 429 ratelimited with Retry-After, after the token is checked", async () => {
    const limited = await startTestApp({ limits: { connects: 2 } });
    const { alice: owner } = await people(limited);
    const bot = (
      await limited.request("POST", "/api/bots", { token: owner.token, body: { name: "b" } })
    ).body as Bot;
    const open = (token?: string) =>
      limited.request("POST", "/api/slack/apps.connections.open", { token });
    expect((await open(bot.appToken)).body.ok).toBe(true);
    expect((await open(bot.appToken)).body.ok).toBe(true);
    const refused = await open(bot.appToken);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ ok: false, error: "ratelimited" });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // A bad token is told so first.
    expect((await open("xapp-nope")).body).toEqual({ ok: false, error: "invalid_auth" });
    await limited.stop();
  });

  test("the URL starts from server.publicUrl when it is set", async () => {
    const behind = await startTestApp({ server: { publicUrl: "https://chat.example.com" } });
    const { alice: owner } = await people(behind);
    const bot = (
      await behind.request("POST", "/api/bots", { token: owner.token, body: { name: "b" } })
    ).body as Bot;
    const opened = await behind.request("POST", "/api/slack/apps.connections.open", {
      token: bot.appToken,
    });
    expect(opened.body.url).toMatch(/^wss:\/\/chat\.example\.com\/api\/slack\/socket\?ticket=/);
    await behind.stop();
  });
});

describe("envelopes", () => {
  test("hello first, with the connection count and the app's id", async () => {
    const bot = await makeBot(alice);
    const client = await openApp(bot.appToken);
    expect(client.hello).toEqual({
      type: "hello",
      num_connections: 1,
      debug_info: { host: expect.any(String) },
      connection_info: { app_id: `A${bot.user.id}` },
    });
    await client.close();
  });

  test("a top-level message in a channel the bot is in arrives as Slack's events_api envelope", async () => {
    const bot = await makeBot(alice);
    const chatId = await channel(alice, [bob.user.id, bot.user.id]);
    const client = await openApp(bot.appToken);
    const sent = await send(alice, chatId, "ship **it** now");
    const envelope = await client.received();
    const team = `T${alice.workspace.id}`;
    expect(envelope).toEqual({
      envelope_id: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      ),
      type: "events_api",
      accepts_response_payload: false,
      retry_attempt: 0,
      retry_reason: "",
      payload: {
        token: expect.any(String),
        team_id: team,
        api_app_id: `A${bot.user.id}`,
        type: "event_callback",
        event_id: expect.stringMatching(/^Ev/),
        event_time: Math.floor(Date.parse(sent.createdAt) / 1000),
        authorizations: [
          {
            enterprise_id: null,
            team_id: team,
            user_id: `U${bot.user.id}`,
            is_bot: true,
            is_enterprise_install: false,
          },
        ],
        is_ext_shared_channel: false,
        event: {
          type: "message",
          channel: `C${chatId}`,
          channel_type: "channel",
          user: `U${alice.user.id}`,
          text: "ship *it* now",
          ts: expect.stringMatching(/^[0-9]{10}\.[0-9]{6}$/),
          event_ts: envelope.payload.event.ts,
          team,
        },
      },
    });
    expect(Number(envelope.payload.event.ts.split(".")[0])).toBe(
      Math.floor(Date.parse(sent.createdAt) / 1000),
    );
    await client.close();
  });

  test("a reply carries thread_ts, its root's ts, and parent_user_id", async () => {
    const bot = await makeBot(alice);
    const chatId = await channel(alice, [bob.user.id, bot.user.id]);
    const client = await openApp(bot.appToken);
    const root = await send(alice, chatId, "deploy?");
    const rootEvent = (await client.received()).payload.event;
    await send(bob, chatId, "yes", root.id);
    const reply = (await client.received()).payload.event;
    expect(reply).toMatchObject({
      type: "message",
      user: `U${bob.user.id}`,
      text: "yes",
      thread_ts: rootEvent.ts,
      parent_user_id: `U${alice.user.id}`,
    });
    expect(reply.ts > rootEvent.ts).toBe(true);
    await client.close();
  });

  test("a mention of the bot gives a message and an app_mention, each with its own envelope", async () => {
    const bot = await makeBot(alice);
    const chatId = await channel(alice, [bob.user.id, bot.user.id]);
    const client = await openApp(bot.appToken);
    await send(bob, chatId, `<@${bot.user.id}> status please`);
    const first = await client.received();
    const second = await client.received();
    expect(first.payload.event.type).toBe("message");
    expect(second.payload.event).toMatchObject({
      type: "app_mention",
      user: `U${bob.user.id}`,
      text: `<@U${bot.user.id}> status please`,
      channel: `C${chatId}`,
      ts: first.payload.event.ts,
    });
    expect(second.payload.event.channel_type).toBeUndefined();
    expect(second.envelope_id).not.toBe(first.envelope_id);
    expect(second.payload.event_id).not.toBe(first.payload.event_id);
    // A mention of someone else is a plain message.
    await send(bob, chatId, `<@${alice.user.id}> hi`);
    expect((await client.received()).payload.event.type).toBe("message");
    await send(bob, chatId, "barrier");
    expect(textOf(await client.received())).toBe("barrier");
    await client.close();
  });

  test("channel types: private channel is group, a group chat mpim, a direct chat im with a D id", async () => {
    const bot = await makeBot(alice);
    const client = await openApp(bot.appToken);
    const privateId = await channel(alice, [bot.user.id], "private_channel");
    const group = await app.request("POST", "/api/chat", {
      token: alice.token,
      body: { members: [bob.user.id, bot.user.id] },
    });
    const single = await app.request("POST", "/api/chat", {
      token: alice.token,
      body: { members: [bot.user.id] },
    });
    await send(alice, privateId, "p");
    await send(alice, group.body.id, "g");
    await send(alice, single.body.id, "d");
    const events = [
      (await client.received()).payload.event,
      (await client.received()).payload.event,
      (await client.received()).payload.event,
    ];
    expect(events.map((event) => [event.channel, event.channel_type])).toEqual([
      [`C${privateId}`, "group"],
      [`C${group.body.id}`, "mpim"],
      [`D${single.body.id}`, "im"],
    ]);
    await client.close();
  });

  test("another bot's message carries bot_id and subtype bot_message", async () => {
    const bot = await makeBot(alice);
    const other = await makeBot(alice);
    const chatId = await channel(alice, [bot.user.id, other.user.id]);
    const client = await openApp(bot.appToken);
    await send(other, chatId, "build green");
    expect((await client.received()).payload.event).toMatchObject({
      type: "message",
      subtype: "bot_message",
      bot_id: `B${other.user.id}`,
      user: `U${other.user.id}`,
      text: "build green",
    });
    await client.close();
  });

  test("nothing for the bot's own messages, chats it is not in, or another workspace's bot", async () => {
    const bot = await makeBot(alice);
    const theirs = await makeBot(mallory);
    const chatId = await channel(alice, [bob.user.id, bot.user.id]);
    const elsewhere = await channel(alice, [bob.user.id]);
    const client = await openApp(bot.appToken);
    const outsider = await openApp(theirs.appToken);
    await send(bot, chatId, "my own");
    await send(alice, elsewhere, "not for the bot");
    await send(alice, chatId, "for the bot");
    expect(textOf(await client.received())).toBe("for the bot");
    // The outsider's own workspace speaks last: it is the first thing it hears.
    const globexChat = await channel(mallory, [theirs.user.id]);
    await send(mallory, globexChat, "globex only");
    expect(textOf(await outsider.received())).toBe("globex only");
    await client.close();
    await outsider.close();
  });

  test("the bot starts hearing a chat when added and stops when removed, without reconnecting", async () => {
    const bot = await makeBot(alice);
    const chatId = await channel(alice, [bob.user.id]);
    const client = await openApp(bot.appToken);
    await send(alice, chatId, "before");
    const added = await app.request("PATCH", `/api/chat/${chatId}`, {
      token: alice.token,
      body: { members: [bob.user.id, bot.user.id] },
    });
    expect(added.status).toBe(200);
    await send(alice, chatId, "while a member");
    expect(textOf(await client.received())).toBe("while a member");
    await app.request("PATCH", `/api/chat/${chatId}`, {
      token: alice.token,
      body: { members: [bob.user.id] },
    });
    await send(alice, chatId, "after");
    const other = await channel(alice, [bot.user.id]);
    await send(alice, other, "barrier");
    expect(textOf(await client.received())).toBe("barrier");
    await client.close();
  });
});

describe("at least once", () => {
  test("an unacknowledged envelope is sent again with the same envelope_id, retry_attempt 1 to 3, then given up", async () => {
    const bot = await makeBot(alice);
    const chatId = await channel(alice, [bot.user.id]);
    const client = await openApp(bot.appToken);
    await send(alice, chatId, "ack me");
    const first = await client.next();
    expect(first.retry_attempt).toBe(0);
    const started = Date.now();
    const retries = [await client.next(), await client.next(), await client.next()];
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * ackTimeoutMs - 50);
    for (const [index, retry] of retries.entries()) {
      expect(retry.envelope_id).toBe(first.envelope_id);
      expect(retry.payload).toEqual(first.payload);
      expect(retry.retry_attempt).toBe(index + 1);
      expect(retry.retry_reason).toBe("timeout");
    }
    await client.nothingFor(ackTimeoutMs * 2);
    await client.close();
  });

  test("an acknowledged envelope is not sent again, and a late acknowledgement stops the retries", async () => {
    const bot = await makeBot(alice);
    const chatId = await channel(alice, [bot.user.id]);
    const client = await openApp(bot.appToken);
    await send(alice, chatId, "acked at once");
    await client.received();
    await send(alice, chatId, "acked late");
    const late = await client.next();
    const retry = await client.next();
    expect(retry.envelope_id).toBe(late.envelope_id);
    client.ack(retry);
    await client.nothingFor(ackTimeoutMs * 2);
    await client.close();
  });

  test("what arises while the app is away follows its next hello, in order; what it did not acknowledge comes again", async () => {
    const bot = await makeBot(alice);
    const chatId = await channel(alice, [bot.user.id]);
    const first = await openApp(bot.appToken);
    await send(alice, chatId, "seen");
    await first.received();
    await send(alice, chatId, "unacknowledged");
    const unacknowledged = await first.next();
    await first.close();
    for (const text of ["away 1", "away 2", "away 3"]) await send(alice, chatId, text);
    const second = await openApp(bot.appToken);
    const again = await second.received();
    expect(again.envelope_id).toBe(unacknowledged.envelope_id);
    expect(textOf(again)).toBe("unacknowledged");
    const texts = [];
    for (let i = 0; i < 3; i++) texts.push(textOf(await second.received()));
    expect(texts).toEqual(["away 1", "away 2", "away 3"]);
    await send(alice, chatId, "live again");
    expect(textOf(await second.received())).toBe("live again");
    await second.close();
  });

  test("with several sockets, each envelope goes to one of them", async () => {
    const bot = await makeBot(alice);
    const chatId = await channel(alice, [bot.user.id]);
    const one = await openApp(bot.appToken);
    const two = await openApp(bot.appToken);
    expect(two.hello.num_connections).toBe(2);
    const texts = ["a", "b", "c", "d", "e", "f"];
    for (const text of texts) await send(alice, chatId, text);
    const got: { one: string[]; two: string[] } = { one: [], two: [] };
    const deadline = Date.now() + 5000;
    while (got.one.length + got.two.length < texts.length && Date.now() < deadline) {
      for (const [name, client] of [
        ["one", one],
        ["two", two],
      ] as const) {
        const frame = await client.frames.take({ timeoutMs: 100 }).catch(() => undefined);
        if (frame) {
          client.ack(frame);
          got[name].push(textOf(frame));
        }
      }
    }
    expect(got.one.length).toBeGreaterThan(0);
    expect(got.two.length).toBeGreaterThan(0);
    expect([...got.one, ...got.two].sort()).toEqual(texts);
    await one.nothingFor(ackTimeoutMs * 2);
    await two.nothingFor(10);
    await one.close();
    await two.close();
  });

  test("revoking the bot sends disconnect, closes its sockets, and apps.connections.open says invalid_auth", async () => {
    const bot = await makeBot(alice);
    const client = await openApp(bot.appToken);
    const revoked = await app.request("DELETE", `/api/bots/${bot.user.id}`, { token: alice.token });
    expect(revoked.status).toBe(204);
    expect(await client.next()).toMatchObject({ type: "disconnect", reason: "link_disabled" });
    expect((await client.closed).code).toBe(1008);
    expect((await connectionsOpen({ token: bot.appToken })).body).toEqual({
      ok: false,
      error: "invalid_auth",
    });
  });
});

describe("Slack's SocketModeClient", () => {
  const quiet = {
    debug() {},
    info() {},
    warn() {},
    error() {},
    setLevel() {},
    getLevel: () => "error" as never,
    setName() {},
  };

  test("connects, hears a message, and its ack keeps it from coming again", async () => {
    const bot = await makeBot(alice);
    const chatId = await channel(alice, [bot.user.id]);
    const client = new SocketModeClient({
      appToken: bot.appToken,
      logger: quiet,
      clientOptions: { slackApiUrl: `${app.url}/api/slack/` },
    });
    const heard: { text: string; retry: number }[] = [];
    const arrived = new Promise<void>((resolve) => {
      client.on("message", async ({ event, ack, retry_num }) => {
        heard.push({ text: event.text, retry: retry_num });
        await ack();
        resolve();
      });
    });
    await client.start();
    await send(alice, chatId, "hello *sdk*");
    await arrived;
    await Bun.sleep(ackTimeoutMs * 2);
    expect(heard).toEqual([{ text: "hello _sdk_", retry: 0 }]);
    await client.disconnect();
  });

  test("a revoked app's client is disconnected, and connecting again is refused with invalid_auth, which stops it", async () => {
    const bot = await makeBot(alice);
    // Its own reconnection would end in the same refusal, which the SDK leaves unhandled.
    const client = new SocketModeClient({
      appToken: bot.appToken,
      logger: quiet,
      autoReconnectEnabled: false,
      clientOptions: { slackApiUrl: `${app.url}/api/slack/` },
    });
    await client.start();
    const disconnected = new Promise<void>((resolve) => client.once("disconnected", resolve));
    await app.request("DELETE", `/api/bots/${bot.user.id}`, { token: alice.token });
    await disconnected;
    const refused = await client
      .start()
      .then(() => "connected")
      .catch((error) => error.data?.error);
    expect(refused).toBe("invalid_auth");
  });
});

describe("across a server restart", () => {
  test("the server says disconnect before it stops; after it starts again, what was not acknowledged and what arose meanwhile come, in order, with their envelope ids", async () => {
    const server = await startTargetProcess("socketMode:\n  ackTimeout: 2s");
    try {
      const { alice } = await signupPair(server.url, "Restart");
      const bot = (await postJson(server.url, "/api/bots", alice.token, { name: "Ops" }))
        .body as Bot;
      const chatId = (
        await postJson(server.url, "/api/chat", alice.token, {
          type: "public_channel",
          name: "ops",
          members: [bot.user.id],
        })
      ).body.id;
      const say = (content: string) =>
        postJson(server.url, `/api/chat/${chatId}`, alice.token, { content });
      const before = await openSlackApp(server.url, bot.appToken);
      await say("acknowledged");
      expect(textOf(await before.received())).toBe("acknowledged");
      await say("not acknowledged");
      const pending = await before.next();
      expect(textOf(pending)).toBe("not acknowledged");

      await server.terminate();
      expect(await before.next()).toMatchObject({
        type: "disconnect",
        reason: "refresh_requested",
      });
      await before.closed;

      await server.restart();
      await say("while the app was away");
      const after = await openSlackApp(server.url, bot.appToken);
      const again = await after.received();
      expect(again.envelope_id).toBe(pending.envelope_id);
      expect(again.payload).toEqual(pending.payload);
      expect(textOf(await after.received())).toBe("while the app was away");
      await say("live");
      expect(textOf(await after.received())).toBe("live");
      await after.close();
    } finally {
      await server.dispose();
    }
  });
});
