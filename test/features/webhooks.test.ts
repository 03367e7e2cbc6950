// Incoming webhooks (API.md § Integrations): made by a chat's members, posted to with Slack's own
// client (@slack/webhook) and raw requests, answering exactly as Slack does.
import { describe, expect, test } from "bun:test";
import {
  IncomingWebhook,
  type IncomingWebhookHTTPError,
  type IncomingWebhookSendArguments,
} from "@slack/webhook";
import { formatTs } from "../../src/features/integrations/slack-ids.ts";
import { startTestApp } from "../support/app.ts";
import { type Person, people } from "../support/fixtures.ts";
import { openWebSocket } from "../support/live.ts";

const app = await startTestApp();
const { alice, bob, mallory, carol } = (await people(app, ["Carol"])) as Awaited<
  ReturnType<typeof people>
> & { carol: Person };

type NewWebhook = {
  id: number;
  name: string;
  chatId: number;
  userId: number;
  createdBy: number;
  createdAt: string;
  url: string;
};

const as = (by: Person, method: string, path: string, body?: unknown) =>
  app.request(method, path, { token: by.token, body });
const newChat = async (by: Person, body: Record<string, unknown>) => {
  const reply = await as(by, "POST", "/api/chat", body);
  expect(reply.status).toBe(201);
  return reply.body as { id: number; members: number[] };
};
const makeWebhook = async (by: Person, chatId: number, name = "CI"): Promise<NewWebhook> => {
  const reply = await as(by, "POST", `/api/chat/${chatId}/webhooks`, { name });
  expect(reply.body.error).toBeUndefined();
  expect(reply.status).toBe(201);
  return reply.body;
};
const history = async (by: Person, chatId: number) =>
  (await as(by, "GET", `/api/chat/${chatId}/messages`)).body as {
    id: number;
    senderId: number;
    content: string;
    threadId: number | null;
    mentions: number[];
  }[];
/** A raw post to a webhook, as any HTTP client would make it. */
const post = async (url: string, body: string, contentType = "application/json") => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
};
/** Slack's client sends whatever it is given; its types leave `thread_ts` out. */
const inThread = (text: string, ts: string) =>
  ({ text, thread_ts: ts }) as IncomingWebhookSendArguments;
const tsOf = async (messageId: number) => {
  const [row] = await app.sql<{ ts: number | string }>("select ts from messages where id = ?", [
    messageId,
  ]);
  return formatTs(Number(row?.ts));
};

const channel = await newChat(alice, {
  type: "private_channel",
  name: "deploys",
  members: [bob.user.id],
});

describe("making webhooks", () => {
  test("a member makes a webhook: a bot named after it joins the chat, and its URL is absolute", async () => {
    const webhook = await makeWebhook(bob, channel.id, "Build status");
    expect(webhook).toEqual({
      id: expect.any(Number),
      name: "Build status",
      chatId: channel.id,
      userId: expect.any(Number),
      createdBy: bob.user.id,
      createdAt: expect.stringMatching(/Z$/),
      url: expect.stringMatching(new RegExp(`^${app.url}/api/hooks/[A-Za-z0-9_-]{43}$`)),
    });
    const chat = (await as(alice, "GET", `/api/chat/${channel.id}`)).body;
    expect(chat.members).toContain(webhook.userId);
    const users = (await as(alice, "GET", "/api/users")).body as { id: number }[];
    expect(users.find((user) => user.id === webhook.userId)).toMatchObject({
      fullname: "Build status",
      bot: true,
      email: null,
      deactivated: false,
    });
  });

  test("the list shows the chat's webhooks without their URLs, which were shown once", async () => {
    const chat = await newChat(alice, { type: "private_channel", name: "listing", members: [] });
    const first = await makeWebhook(alice, chat.id, "one");
    const second = await makeWebhook(alice, chat.id, "two");
    const listed = await as(alice, "GET", `/api/chat/${chat.id}/webhooks`);
    expect(listed.status).toBe(200);
    const { url: _a, ...firstListed } = first;
    const { url: _b, ...secondListed } = second;
    expect(listed.body).toEqual([firstListed, secondListed]);
    expect(JSON.stringify(listed.body)).not.toContain(first.url.split("/").at(-1));
  });

  test("the URL follows server.publicUrl when it is set", async () => {
    const configured = await startTestApp({ server: { publicUrl: "https://chat.example.com/" } });
    const [dana] = Object.values(await people(configured)) as Person[];
    const chat = (
      await configured.request("POST", "/api/chat", {
        token: dana?.token,
        body: { type: "private_channel", name: "ops", members: [] },
      })
    ).body;
    const reply = await configured.request("POST", `/api/chat/${chat.id}/webhooks`, {
      token: dana?.token,
      body: { name: "x" },
    });
    expect(reply.body.url).toMatch(/^https:\/\/chat\.example\.com\/api\/hooks\/[A-Za-z0-9_-]+$/);
    await configured.stop();
  });

  test("the URL takes a trusted proxy's forwarded scheme and host, and no one else's", async () => {
    const proxied = await startTestApp({ server: { trustedProxies: ["127.0.0.1"] } });
    const [dana] = Object.values(await people(proxied)) as Person[];
    const chat = (
      await proxied.request("POST", "/api/chat", {
        token: dana?.token,
        body: { type: "private_channel", name: "ops", members: [] },
      })
    ).body;
    const reply = await proxied.request("POST", `/api/chat/${chat.id}/webhooks`, {
      token: dana?.token,
      body: { name: "x" },
      headers: { "x-forwarded-proto": "https", "x-forwarded-host": "chat.example.org" },
    });
    expect(reply.body.url).toStartWith("https://chat.example.org/api/hooks/");
    await proxied.stop();
    // The default app trusts no proxy: the request's own origin.
    const direct = await app.request("POST", `/api/chat/${channel.id}/webhooks`, {
      token: alice.token,
      body: { name: "y" },
      headers: { "x-forwarded-proto": "https", "x-forwarded-host": "evil.example" },
    });
    expect(direct.body.url).toStartWith(`${app.url}/api/hooks/`);
  });

  test("the name is checked like a bot's", async () => {
    for (const name of ["", "  ", "x".repeat(65)]) {
      const reply = await as(alice, "POST", `/api/chat/${channel.id}/webhooks`, { name });
      expect(reply.status).toBe(422);
    }
  });

  test("a direct message takes no webhook", async () => {
    const direct = await newChat(alice, { members: [bob.user.id] });
    const reply = await as(alice, "POST", `/api/chat/${direct.id}/webhooks`, { name: "x" });
    expect(reply.status).toBe(422);
  });

  test("outsiders get 404, and a public channel's non-members 403, for making and listing", async () => {
    const lobby = await newChat(alice, {
      type: "public_channel",
      name: "hooks-lobby",
      members: [],
    });
    for (const [who, chatId, status] of [
      [mallory, channel.id, 404],
      [carol, channel.id, 404],
      [carol, lobby.id, 403],
    ] as const) {
      expect((await as(who, "POST", `/api/chat/${chatId}/webhooks`, { name: "x" })).status).toBe(
        status,
      );
      expect((await as(who, "GET", `/api/chat/${chatId}/webhooks`)).status).toBe(status);
    }
  });
});

describe("posting with Slack's client", () => {
  const webhookOf = async (name = "CI") => {
    const made = await makeWebhook(alice, channel.id, name);
    return { made, client: new IncomingWebhook(made.url) };
  };

  test("text in Slack's mrkdwn is posted as the webhook's bot, translated to Markdown", async () => {
    const { made, client } = await webhookOf();
    const answer = await client.send({
      text: `*Deploy* of <https://ci.example.com/42|build 42> by <@U${bob.user.id}> _done_ &amp; ~late~`,
    });
    expect(answer).toEqual({ text: "ok" });
    const [latest] = await history(alice, channel.id);
    expect(latest).toMatchObject({
      senderId: made.userId,
      content: `**Deploy** of [build 42](https://ci.example.com/42) by <@${bob.user.id}> *done* & ~~late~~`,
      mentions: [bob.user.id],
      threadId: null,
    });
  });

  test("members see the message live; the outsider sees nothing", async () => {
    const { client } = await webhookOf();
    const bobLive = await openWebSocket(app.url, bob.token);
    const malloryLive = await openWebSocket(app.url, mallory.token);
    await bobLive.take();
    await malloryLive.take();
    await client.send("build passed");
    const frames = await bobLive.takeUntil((frame) => frame.type === "message.created");
    expect(frames.at(-1)?.data.content).toBe("build passed");
    expect(await malloryLive.barrier()).toEqual([]);
    await bobLive.close();
    await malloryLive.close();
  });

  test("attachments become quoted Markdown after the text", async () => {
    const { client } = await webhookOf();
    await client.send({
      text: "Build finished",
      attachments: [
        {
          color: "good",
          title: "Build 43",
          title_link: "https://ci.example.com/43",
          text: "All *green*",
          fields: [
            { title: "Branch", value: "main", short: true },
            { title: "Time", value: "3m", short: true },
          ],
        },
      ],
    });
    const [latest] = await history(alice, channel.id);
    expect(latest?.content).toBe(
      [
        "Build finished",
        "",
        "> 🟩 **[Build 43](https://ci.example.com/43)**",
        "> All **green**",
        "> **Branch**: main",
        "> **Time**: 3m",
      ].join("\n"),
    );
  });

  test("blocks become Markdown and take the place of text, as Slack shows them", async () => {
    const { client } = await webhookOf();
    await client.send({
      text: "fallback for notifications",
      blocks: [
        { type: "header", text: { type: "plain_text", text: "Incident" } },
        {
          type: "section",
          text: { type: "mrkdwn", text: "*API* is down" },
          fields: [{ type: "mrkdwn", text: "*Severity*\nhigh" }],
        },
        { type: "context", elements: [{ type: "mrkdwn", text: "from _pager_" }] },
      ],
    });
    const [latest] = await history(alice, channel.id);
    expect(latest?.content).toBe(
      "### Incident\n\n**API** is down\n**Severity**\nhigh\n\nfrom *pager*",
    );
  });

  test("thread_ts posts a reply in that message's thread, also when it names a reply", async () => {
    const chat = await newChat(alice, { type: "private_channel", name: "threads", members: [] });
    const { url } = await makeWebhook(alice, chat.id);
    const client = new IncomingWebhook(url);
    const root = (await as(alice, "POST", `/api/chat/${chat.id}`, { content: "deploying" })).body;
    await client.send(inThread("step 1 done", await tsOf(root.id)));
    const replies = async () =>
      (await as(alice, "GET", `/api/chat/${chat.id}/messages?thread=${root.id}`)).body as {
        id: number;
        content: string;
        threadId: number;
      }[];
    const [reply] = await replies();
    expect(reply).toMatchObject({ content: "step 1 done", threadId: root.id });
    await client.send(inThread("step 2 done", await tsOf(reply?.id ?? 0)));
    expect((await replies()).map((message) => [message.content, message.threadId])).toEqual([
      ["step 2 done", root.id],
      ["step 1 done", root.id],
    ]);
    // The chat's history shows the root alone.
    expect((await history(alice, chat.id)).map((message) => message.id)).toEqual([root.id]);
  });

  test("a thread_ts that names no message of the chat posts in the chat", async () => {
    const { client } = await webhookOf();
    await client.send(inThread("top level", "1234567890.123456"));
    const [latest] = await history(alice, channel.id);
    expect(latest).toMatchObject({ content: "top level", threadId: null });
  });

  test("username and icons are accepted and ignored: the sender is the webhook's bot", async () => {
    const { made } = await webhookOf("Alerts");
    const client = new IncomingWebhook(made.url, {
      username: "Someone else",
      icon_emoji: ":ghost:",
      icon_url: "https://example.com/x.png",
    });
    await client.send("as the bot");
    const [latest] = await history(alice, channel.id);
    expect(latest).toMatchObject({ content: "as the bot", senderId: made.userId });
  });

  test("a revoked webhook answers 404 no_service to Slack's client", async () => {
    const { made, client } = await webhookOf();
    expect((await as(alice, "DELETE", `/api/webhooks/${made.id}`)).status).toBe(204);
    const error = (await client.send("after revoking").catch((e) => e)) as IncomingWebhookHTTPError;
    expect(error.statusCode).toBe(404);
    expect(error.body).toBe("no_service");
  });
});

const made = await makeWebhook(alice, channel.id, "raw");

describe("posting raw requests", () => {
  test("a form-encoded payload field holds the JSON", async () => {
    const body = new URLSearchParams({ payload: JSON.stringify({ text: "from *curl*" }) });
    const answer = await post(made.url, body.toString(), "application/x-www-form-urlencoded");
    expect(answer).toMatchObject({ status: 200, text: "ok" });
    expect(answer.headers.get("content-type")).toStartWith("text/plain");
    const [latest] = await history(alice, channel.id);
    expect(latest?.content).toBe("from **curl**");
  });

  test("JSON without a content type is read as JSON, as curl -d sends it", async () => {
    const response = await fetch(made.url, { method: "POST", body: '{"text":"plain curl"}' });
    expect(response.status).toBe(200);
    const [latest] = await history(alice, channel.id);
    expect(latest?.content).toBe("plain curl");
  });

  test("every malformed payload is 400 invalid_payload, in plain text", async () => {
    const cases: [string, string?][] = [
      ["not json"],
      ["[1,2]"],
      ['"text"'],
      ["{}"],
      ['{"text":""}'],
      ['{"text":"   "}'],
      ['{"text":42}'],
      ['{"text":"x","attachments":"nope"}'],
      ['{"text":"x","blocks":{}}'],
      ['{"blocks":[{"type":"divider-not"}]}'],
      ['{"text":"nul \\u0000"}'],
      ["payload=not-json", "application/x-www-form-urlencoded"],
      ["text=hello", "application/x-www-form-urlencoded"],
      [`{"text":"${"x".repeat(300 * 1024)}"}`],
    ];
    const before = (await history(alice, channel.id))[0]?.id;
    for (const [body, type] of cases) {
      const answer = await post(made.url, body, type);
      expect({ body: body.slice(0, 40), status: answer.status, text: answer.text }).toEqual({
        body: body.slice(0, 40),
        status: 400,
        text: "invalid_payload",
      });
    }
    const invalidUtf8 = await fetch(made.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Uint8Array([0x7b, 0xff, 0x7d]),
    });
    expect(invalidUtf8.status).toBe(400);
    expect((await history(alice, channel.id))[0]?.id).toBe(before);
  });

  test("an unknown secret is 404 no_service, whatever the payload", async () => {
    for (const url of [`${app.url}/api/hooks/nope`, `${made.url}x`, `${app.url}/api/hooks/%00`]) {
      const answer = await post(url, "not even json");
      expect(answer).toMatchObject({ status: 404, text: "no_service" });
    }
  });

  test("an archived channel answers 410 channel_is_archived to any payload, and posts again once unarchived", async () => {
    const archivable = await newChat(alice, {
      type: "private_channel",
      name: "archivable",
      members: [],
    });
    const hook = await makeWebhook(alice, archivable.id);
    expect((await as(alice, "POST", `/api/chat/${archivable.id}/archive`)).status).toBe(200);
    expect(await post(hook.url, '{"text":"x"}')).toMatchObject({
      status: 410,
      text: "channel_is_archived",
    });
    // Whatever it is sent: an empty or broken payload too.
    for (const body of ['{"text":""}', "not even json"]) {
      expect(await post(hook.url, body)).toMatchObject({
        status: 410,
        text: "channel_is_archived",
      });
    }
    expect((await as(alice, "POST", `/api/chat/${archivable.id}/unarchive`)).status).toBe(200);
    expect(await post(hook.url, "not even json")).toMatchObject({
      status: 400,
      text: "invalid_payload",
    });
    expect(await post(hook.url, '{"text":"x"}')).toMatchObject({ status: 200, text: "ok" });
  });

  test("a webhook whose bot was removed from the chat, or whose chat is gone, is no_service", async () => {
    const chat = await newChat(alice, { type: "private_channel", name: "removal", members: [] });
    const hook = await makeWebhook(alice, chat.id);
    const patched = await as(alice, "PATCH", `/api/chat/${chat.id}`, { members: [alice.user.id] });
    expect(patched.status).toBe(200);
    expect(await post(hook.url, '{"text":"x"}')).toMatchObject({ status: 404, text: "no_service" });
    const gone = await newChat(alice, { type: "private_channel", name: "gone", members: [] });
    const goneHook = await makeWebhook(alice, gone.id);
    expect((await as(alice, "DELETE", `/api/chat/${gone.id}`)).status).toBe(204);
    expect(await post(goneHook.url, '{"text":"x"}')).toMatchObject({
      status: 404,
      text: "no_service",
    });
  });

  test("long content is cut at the contract's 8,000 characters", async () => {
    expect(await post(made.url, JSON.stringify({ text: "y".repeat(9000) }))).toMatchObject({
      status: 200,
    });
    const [latest] = await history(alice, channel.id);
    expect(latest?.content.length).toBe(8000);
    expect(latest?.content.endsWith("…")).toBe(true);
  });
});

describe("rate limits", () => {
  test("each webhook's bot has its own messages limit, answered with 429 and Retry-After", async () => {
    const limited = await startTestApp({ limits: { messages: 2 } });
    const [dana] = Object.values(await people(limited)) as Person[];
    const chat = (
      await limited.request("POST", "/api/chat", {
        token: dana?.token,
        body: { type: "private_channel", name: "noisy", members: [] },
      })
    ).body;
    const hook = async (name: string) =>
      (
        await limited.request("POST", `/api/chat/${chat.id}/webhooks`, {
          token: dana?.token,
          body: { name },
        })
      ).body.url as string;
    const [first, second] = [await hook("first"), await hook("second")];
    expect((await post(first, '{"text":"1"}')).status).toBe(200);
    expect((await post(first, '{"text":"2"}')).status).toBe(200);
    const refused = await post(first, '{"text":"3"}');
    expect(refused).toMatchObject({ status: 429, text: "rate_limited" });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another webhook, and the person who made them, are counted apart.
    expect((await post(second, '{"text":"a"}')).status).toBe(200);
    const own = await limited.request("POST", `/api/chat/${chat.id}`, {
      token: dana?.token,
      body: { content: "mine" },
    });
    expect(own.status).toBe(201);
    await limited.stop();
  });
});

describe("revoking webhooks", () => {
  test("its creator revokes it: its bot is deactivated, its messages stay, revoking again is 204", async () => {
    const hook = await makeWebhook(bob, channel.id, "short-lived");
    expect((await post(hook.url, '{"text":"last words"}')).status).toBe(200);
    expect((await as(bob, "DELETE", `/api/webhooks/${hook.id}`)).status).toBe(204);
    expect((await as(bob, "DELETE", `/api/webhooks/${hook.id}`)).status).toBe(204);
    expect(await post(hook.url, '{"text":"x"}')).toMatchObject({ status: 404, text: "no_service" });
    const users = (await as(alice, "GET", "/api/users")).body as { id: number }[];
    expect(users.find((user) => user.id === hook.userId)).toMatchObject({ deactivated: true });
    const listed = (await as(alice, "GET", `/api/chat/${channel.id}/webhooks`)).body as {
      id: number;
    }[];
    expect(listed.map((webhook) => webhook.id)).not.toContain(hook.id);
    expect((await history(alice, channel.id)).some((m) => m.content === "last words")).toBe(true);
  });

  test("the owner may revoke a member's webhook; another member 403; others 404", async () => {
    const lobby = await newChat(bob, {
      type: "public_channel",
      name: "revocations",
      members: [carol.user.id],
    });
    const hook = await makeWebhook(bob, lobby.id);
    expect((await as(carol, "DELETE", `/api/webhooks/${hook.id}`)).status).toBe(403);
    expect((await as(mallory, "DELETE", `/api/webhooks/${hook.id}`)).status).toBe(404);
    expect((await as(alice, "DELETE", `/api/webhooks/999999`)).status).toBe(404);
    expect((await as(alice, "DELETE", `/api/webhooks/${hook.id}`)).status).toBe(204);
  });

  test("making and revoking are in the audit log", async () => {
    const hook = await makeWebhook(alice, channel.id, "audited");
    await as(alice, "DELETE", `/api/webhooks/${hook.id}`);
    const audit = (await as(alice, "GET", "/api/audit")).body as {
      action: string;
      targetType: string;
      targetId: string;
    }[];
    const mine = audit.filter((entry) => entry.targetId === String(hook.id));
    expect(mine.map((entry) => [entry.action, entry.targetType])).toEqual([
      ["webhook.revoked", "webhook"],
      ["webhook.created", "webhook"],
    ]);
  });

  test("mallory's workspace sees nothing of acme's webhooks", async () => {
    const theirs = await newChat(mallory, { type: "private_channel", name: "globex", members: [] });
    expect((await as(mallory, "GET", `/api/chat/${theirs.id}/webhooks`)).body).toEqual([]);
    const users = (await as(mallory, "GET", "/api/users")).body as { bot: boolean }[];
    expect(users.some((user) => user.bot)).toBe(false);
  });
});
