// Web Push (contract v2): the VAPID key, subscriptions, and pushes to notified users with no open
// connection, through a real local push service that decrypts what it receives (RFC 8291).
import { afterAll, describe, expect, test } from "bun:test";
import { Notifier } from "../../src/features/notifications/notifier.ts";
import { PushSender } from "../../src/features/notifications/push.ts";
import { LocalHub } from "../../src/features/realtime/hub.ts";
import { startTestApp } from "../support/app.ts";
import { testConfig } from "../support/config.ts";
import { type Person, people, signup } from "../support/fixtures.ts";
import { openWebSocket } from "../support/live.ts";
import { PushService } from "../support/push-service.ts";

const service = new PushService();
const app = await startTestApp({ push: { allowHttp: true } });
const { alice, bob, carol } = (await people(app, ["Carol"])) as Awaited<
  ReturnType<typeof people>
> & { carol: Person };
afterAll(() => service.server.stop(true));

const post = (by: Person, path: string, body?: unknown) =>
  app.request("POST", path, { token: by.token, body });
const subscribe = (by: Person, body: unknown) => post(by, "/api/push/subscriptions", body);
const send = async (by: Person, chatId: number, content: string, threadId?: number) =>
  (await post(by, `/api/chat/${chatId}`, { content, ...(threadId && { threadId }) })).body;

const bobs = service.subscription("/bob");
expect((await subscribe(bob, bobs)).status).toBe(201);
const direct = (await post(alice, "/api/chat", { members: [bob.user.id] })).body;

/** Sends a last message to bob's direct chat and waits for its push: what came before is in. */
async function settle() {
  const last = await send(alice, direct.id, "sentinel");
  await service.delivered((delivery) => delivery.payload.messageId === last.id);
}

describe("the VAPID key", () => {
  test("is the unpadded base64url of a 65-byte uncompressed P-256 point, the same every time", async () => {
    const first = await app.request("GET", "/api/push/key", { token: bob.token });
    expect(first.status).toBe(200);
    const key = first.body.publicKey as string;
    expect(key).toMatch(/^[A-Za-z0-9_-]+$/);
    const point = Buffer.from(key, "base64url");
    expect(point.length).toBe(65);
    expect(point[0]).toBe(4);
    expect((await app.request("GET", "/api/push/key", { token: alice.token })).body).toEqual({
      publicKey: key,
    });
    expect((await app.request("GET", "/api/push/key")).status).toBe(401);
  });
});

describe("pushes", () => {
  test("bob with no open connection gets alice's message, encrypted for his subscription and signed with the server's key", async () => {
    const message = await send(alice, direct.id, "are you there?");
    const delivery = await service.delivered((d) => d.payload.messageId === message.id);
    expect(delivery.path).toBe("/bob");
    expect(delivery.payload).toEqual({
      type: "message",
      chatId: direct.id,
      messageId: message.id,
      title: "Alice",
      body: "are you there?",
    });
    expect(delivery.headers.get("content-encoding")).toBe("aes128gcm");
    expect(Number(delivery.headers.get("ttl"))).toBeGreaterThan(0);
    const { publicKey } = (await app.request("GET", "/api/push/key", { token: bob.token })).body;
    expect(delivery.headers.get("authorization")).toContain(`k=${publicKey}`);
  });

  test("nobody is pushed their own message, nor while they have a connection open", async () => {
    const socket = await openWebSocket(app.url, bob.token);
    await socket.takeUntil((frame) => frame.type === "ready");
    const whileOnline = await send(alice, direct.id, "you are online");
    await socket.close();
    // The hub forgets the connection as its close arrives.
    await Bun.sleep(100);
    const own = await send(bob, direct.id, "my own");
    await settle();
    expect(service.forMessage(whileOnline.id)).toEqual([]);
    expect(service.forMessage(own.id)).toEqual([]);
  });

  test("a body names whom it mentions, @channel for everyone, and no chat a link points to; <@N> of no one stays as written", async () => {
    const secret = (
      await post(alice, "/api/chat", { type: "private_channel", name: "secret-plans", members: [] })
    ).body;
    const content = `<@${bob.user.id}> and <@${carol.user.id}>, <!channel>: see <#${secret.id}>, <@999999>`;
    const message = await send(alice, direct.id, content);
    const delivery = await service.delivered((d) => d.payload.messageId === message.id);
    expect(delivery.payload.body).toBe("@Bob and @Carol, @channel: see #channel, <@999999>");
  });

  test("a long message's body is cut to 200 characters", async () => {
    const message = await send(alice, direct.id, "x".repeat(3000));
    const delivery = await service.delivered((d) => d.payload.messageId === message.id);
    expect(delivery.payload.body.length).toBeLessThanOrEqual(200);
    expect(delivery.payload.body.startsWith("xxxx")).toBe(true);
  });

  test("in a channel (level mentions): a mention, <!here> and a reply in bob's thread push; plain messages do not; none silences all", async () => {
    const channel = (
      await post(alice, "/api/chat", {
        type: "private_channel",
        name: "pushy",
        members: [bob.user.id, carol.user.id],
      })
    ).body;
    const plain = await send(alice, channel.id, "nothing for bob");
    const named = await send(alice, channel.id, `hey <@${bob.user.id}>`);
    const here = await send(alice, channel.id, "<!here> standup");
    const root = await send(carol, channel.id, "a thread");
    const unrelated = await send(alice, channel.id, "a reply bob is not in", root.id);
    await send(bob, channel.id, "bob joins the thread", root.id);
    const followUp = await send(alice, channel.id, "a reply bob is in", root.id);
    await settle();
    expect(service.forMessage(plain.id)).toEqual([]);
    expect(service.forMessage(unrelated.id)).toEqual([]);
    for (const pushed of [named, here, followUp]) {
      expect(service.forMessage(pushed.id)).toHaveLength(1);
    }
    expect(service.forMessage(named.id)[0]?.payload.title).toBe("Alice in #pushy");
    // Mentions read as a person sees them, not as markup.
    expect(service.forMessage(named.id)[0]?.payload.body).toBe("hey @Bob");
    expect(service.forMessage(here.id)[0]?.payload.body).toBe("@here standup");
    await app.request("PUT", `/api/chat/${channel.id}/notify`, {
      token: bob.token,
      body: { level: "none" },
    });
    const silenced = await send(alice, channel.id, `still <@${bob.user.id}>`);
    await settle();
    expect(service.forMessage(silenced.id)).toEqual([]);
  });

  test("a failing push service is retried until it answers; a slow one never delays a send", async () => {
    const flaky = service.subscription("/carol-flaky");
    service.answers.set("/carol-flaky", [500]);
    const slow = service.subscription("/carol-slow");
    service.hanging.add("/carol-slow");
    await subscribe(carol, flaky);
    await subscribe(carol, slow);
    const chat = (await post(alice, "/api/chat", { members: [carol.user.id] })).body;
    const started = performance.now();
    const message = await send(alice, chat.id, "for carol");
    expect(performance.now() - started).toBeLessThan(1000);
    const delivery = await service.delivered(
      (d) => d.path === "/carol-flaky" && d.payload.messageId === message.id,
    );
    expect(delivery.payload.body).toBe("for carol");
    expect(service.hits.get("/carol-flaky")).toBe(2);
    await app.request("DELETE", "/api/push/subscriptions", {
      token: carol.token,
      body: { endpoint: slow.endpoint },
    });
  });

  test("a 410 removes the subscription: it is pushed to no more", async () => {
    const gone = service.subscription("/bob-gone");
    service.answers.set("/bob-gone", [410]);
    await subscribe(bob, gone);
    const first = await send(alice, direct.id, "to every subscription of bob");
    await service.delivered((d) => d.path === "/bob" && d.payload.messageId === first.id);
    while ((service.hits.get("/bob-gone") ?? 0) === 0) await Bun.sleep(20);
    await Bun.sleep(100);
    await send(alice, direct.id, "after the 410");
    await settle();
    expect(service.hits.get("/bob-gone")).toBe(1);
    const rows = await app.sql("select id from push_subscriptions where endpoint = ?", [
      gone.endpoint,
    ]);
    expect(rows).toEqual([]);
  });

  test("a push claimed by a sender that died is sent once its lease ends", async () => {
    const payload = (messageId: number) =>
      JSON.stringify({ type: "message", chatId: direct.id, messageId, title: "T", body: "B" });
    // A sender claims the push and dies before sending it (this claim is never finished).
    let claimed = 0;
    let messageId = 1_000_000;
    while (claimed === 0) {
      messageId++;
      await app.db.queuePushes([bob.user.id], payload(messageId), Date.now());
      claimed = (await app.db.claimPushes(Date.now(), Date.now() + 300, 10)).length;
    }
    const delivery = await service.delivered((d) => d.payload.messageId === messageId);
    expect(delivery.path).toBe("/bob");
    await settle();
    expect(service.forMessage(messageId)).toHaveLength(1);
  });

  test("two senders on one queue send each push once", async () => {
    const second = new PushSender(app.db, testConfig({ push: { allowHttp: true } }), () => {}, {
      intervalMs: 10,
    });
    second.start();
    const sent = [];
    for (let n = 0; n < 20; n++) sent.push(await send(alice, direct.id, `burst ${n}`));
    await settle();
    await second.stop();
    for (const message of sent) expect(service.forMessage(message.id)).toHaveLength(1);
  });

  test("two instances deciding pushes from one event log queue each message's pushes once", async () => {
    // A second instance's decisions, woken again and again while the server's own run too.
    const hub = new LocalHub({ backpressureLimit: 1024, logger: () => {} });
    const second = new Notifier(app.db, hub, () => {}, { pollMs: 10 });
    await second.start();
    const racing = setInterval(() => second.wake(), 1);
    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, n) => send(alice, direct.id, `raced ${n}`)),
    );
    clearInterval(racing);
    await second.stop();
    // Every push arrives (the second instance queues without waking this one's sender, and the
    // sender sends a claim's pushes at once, so the sentinel's own may come first), and once.
    for (const message of sent) {
      await service.delivered((delivery) => delivery.payload.messageId === message.id);
    }
    await settle();
    for (const message of sent) expect(service.forMessage(message.id)).toHaveLength(1);
  });
});

describe("subscriptions", () => {
  test("at most 10 per user: the oldest goes", async () => {
    const dave = await signup(app, "Dave", "Davesco");
    const paths = Array.from({ length: 11 }, (_, n) => `/dave-${n}`);
    for (const path of paths) {
      expect((await subscribe(dave, service.subscription(path))).status).toBe(201);
      await Bun.sleep(2);
    }
    const rows = await app.sql<{ endpoint: string }>(
      "select endpoint from push_subscriptions where user_id = ? order by id",
      [dave.user.id],
    );
    expect(rows.map((row) => new URL(row.endpoint).pathname)).toEqual(paths.slice(1));
  });

  test("endpoints must be https:// unless push.allowHttp; bad keys are 422", async () => {
    const strict = await startTestApp();
    try {
      const { alice: someone } = await people(strict);
      const subscription = service.subscription("/strict");
      const refused = await strict.request("POST", "/api/push/subscriptions", {
        token: someone.token,
        body: subscription,
      });
      expect(refused.status).toBe(422);
      expect(refused.body.error.message).toContain("https");
      const secure = { ...subscription, endpoint: "https://push.example.test/abc" };
      const accepted = await strict.request("POST", "/api/push/subscriptions", {
        token: someone.token,
        body: secure,
      });
      expect(accepted.status).toBe(201);
      const removed = await strict.request("DELETE", "/api/push/subscriptions", {
        token: someone.token,
        body: { endpoint: secure.endpoint },
      });
      expect(removed.status).toBe(204);
    } finally {
      await strict.stop();
    }
    const badKey = await subscribe(bob, {
      endpoint: "http://127.0.0.1:1/x",
      keys: { p256dh: "AAAA", auth: "AAAA" },
    });
    expect(badKey.status).toBe(422);
    expect(badKey.body.error.code).toBe("validation_failed");
  });
});
