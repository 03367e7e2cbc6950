// The Slack-compatible Web API (API.md § Integrations), driven by Slack's own SDK pointed at the
// test server, and by raw requests for Slack's request forms. Every method, its answer's shape,
// paging, errors, and what an outsider or a bot outside a channel gets: nothing.
import { describe, expect, test } from "bun:test";
import { ErrorCode, WebClient } from "@slack/web-api";
import { startTestApp } from "../support/app.ts";
import { type Person, people } from "../support/fixtures.ts";
import { openWebSocket } from "../support/live.ts";

const app = await startTestApp({ limits: { messages: 1000 } });
const { alice, bob, mallory } = await people(app);
const apiUrl = `${app.url}/api/slack/`;
const client = (token?: string) =>
  new WebClient(token, { slackApiUrl: apiUrl, retryConfig: { retries: 0 } });

type Bot = { user: { id: number }; token: string; appToken: string };
const makeBot = async (by: Person, name: string): Promise<Bot> =>
  (await app.request("POST", "/api/bots", { token: by.token, body: { name } })).body;

/** The Slack error a call fails with, as the SDK surfaces it. */
async function slackError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    const failure = error as { code?: string; data?: { error?: string } };
    expect(failure.code).toBe(ErrorCode.PlatformError);
    return failure.data?.error ?? "none";
  }
  throw new Error("the call succeeded");
}

const aliceApi = client(alice.token);
const bobApi = client(bob.token);
const malloryApi = client(mallory.token);
const bot = await makeBot(alice, "Deploy bot");
const botApi = client(bot.token);
const U = (person: { user: { id: number } }) => `U${person.user.id}`;
let channels = 0;
/** A public channel of acme that alice made, with bob (and the bot) in it. */
async function channel(members: number[] = [bob.user.id, bot.user.id], type = "public_channel") {
  const reply = await app.request("POST", "/api/chat", {
    token: alice.token,
    body: { type, name: `slack-${++channels}`, members },
  });
  return { id: reply.body.id as number, slack: `C${reply.body.id}` };
}

describe("who is calling", () => {
  test("api.test echoes its arguments without a token, and its error", async () => {
    const answer = await client().api.test({ foo: "bar" } as never);
    expect(answer).toMatchObject({ ok: true, args: { foo: "bar" } });
    expect(await slackError(client().api.test({ error: "my_error" }))).toBe("my_error");
  });

  test("auth.test names the caller, the workspace and, for a bot, its bot id", async () => {
    const person = await aliceApi.auth.test();
    expect(person).toMatchObject({
      ok: true,
      url: `${app.url}/`,
      team: "Acme",
      user: "alice",
      team_id: `T${alice.workspace.id}`,
      user_id: U(alice),
    });
    expect(person.bot_id).toBeUndefined();
    const asBot = await botApi.auth.test();
    expect(asBot).toMatchObject({ user_id: U(bot), bot_id: `B${bot.user.id}` });
  });

  test("no token is not_authed, a bad one invalid_auth, an app token is the wrong kind, a revoked bot's invalid_auth", async () => {
    expect(await slackError(client().auth.test())).toBe("not_authed");
    expect(await slackError(client("xoxb-nonsense").auth.test())).toBe("invalid_auth");
    expect(await slackError(client("garbage").auth.test())).toBe("invalid_auth");
    expect(await slackError(client(bot.appToken).auth.test())).toBe("not_allowed_token_type");
    const revoked = await makeBot(alice, "Gone bot");
    await app.request("DELETE", `/api/bots/${revoked.user.id}`, { token: alice.token });
    expect(await slackError(client(revoked.token).auth.test())).toBe("invalid_auth");
  });

  test("an unknown method is unknown_method, still HTTP 200", async () => {
    const reply = await app.request("POST", "/api/slack/chat.explode", { token: alice.token });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ ok: false, error: "unknown_method" });
    expect(await slackError(aliceApi.apiCall("nothing.here"))).toBe("unknown_method");
  });
});

describe("Slack's request forms", () => {
  const raw = (body: string, headers: Record<string, string>) =>
    fetch(`${app.url}/api/slack/auth.test`, { method: "POST", body, headers });

  test("a form with the token as a field, JSON with a Bearer header, and a GET with a query all work", async () => {
    const form = await raw(`token=${encodeURIComponent(alice.token)}`, {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(form.status).toBe(200);
    expect(await form.json()).toMatchObject({ ok: true, user_id: U(alice) });
    const json = await raw(JSON.stringify({}), {
      "content-type": "application/json; charset=utf-8",
      authorization: `Bearer ${bot.token}`,
    });
    expect(await json.json()).toMatchObject({ ok: true, bot_id: `B${bot.user.id}` });
    const get = await fetch(
      `${app.url}/api/slack/auth.test?token=${encodeURIComponent(bob.token)}`,
    );
    expect(await get.json()).toMatchObject({ ok: true, user_id: U(bob) });
  });

  test("objects and arrays travel as JSON text in form fields", async () => {
    const room = await channel();
    const blocks = JSON.stringify([
      { type: "section", text: { type: "mrkdwn", text: "*deployed* to prod" } },
    ]);
    const reply = await fetch(`${app.url}/api/slack/chat.postMessage`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        token: bot.token,
        channel: room.slack,
        text: "fallback",
        blocks,
      }),
    });
    const body = await reply.json();
    expect(body).toMatchObject({ ok: true, channel: room.slack });
    const stored = await app.request("GET", `/api/chat/${room.id}/messages`, {
      token: alice.token,
    });
    expect(stored.body[0].content).toBe("**deployed** to prod");
  });

  test("a body Slack could not read is named, never a 4xx", async () => {
    const bad = await raw("{nope", {
      "content-type": "application/json",
      authorization: `Bearer ${alice.token}`,
    });
    expect(bad.status).toBe(200);
    expect(await bad.json()).toEqual({ ok: false, error: "invalid_json" });
    const list = await raw("[1]", { "content-type": "application/json" });
    expect(await list.json()).toEqual({ ok: false, error: "json_not_object" });
    const odd = await raw("x", { "content-type": "application/xml" });
    expect(await odd.json()).toEqual({ ok: false, error: "invalid_post_type" });
    const php = await raw("users[]=1", { "content-type": "application/x-www-form-urlencoded" });
    expect(await php.json()).toEqual({ ok: false, error: "invalid_array_arg" });
  });

  test("nothing redirects", async () => {
    const reply = await fetch(`${app.url}/api/slack/auth.test/`, { redirect: "manual" });
    expect(reply.status).not.toBe(301);
    expect(reply.status).not.toBe(302);
  });
});

describe("messages", () => {
  test("chat.postMessage posts as the caller, translating mrkdwn, and answers Slack's message; the members get it live", async () => {
    const room = await channel();
    const live = await openWebSocket(app.url, bob.token);
    await live.take();
    const posted = await botApi.chat.postMessage({
      channel: room.slack,
      text: `*build* _green_ ~old~ <@${U(bob)}> <https://ci.test|logs> &lt;ok&gt;`,
    });
    expect(posted.ok).toBe(true);
    expect(posted.channel).toBe(room.slack);
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(posted.message).toMatchObject({
      type: "message",
      user: U(bot),
      bot_id: `B${bot.user.id}`,
      subtype: "bot_message",
      ts: posted.ts,
      team: `T${alice.workspace.id}`,
      text: `*build* _green_ ~old~ <@${U(bob)}> <https://ci.test|logs> &lt;ok&gt;`,
    });
    const frames = await live.takeUntil((frame) => frame.type === "message.created");
    const data = frames.at(-1)?.data;
    expect(data.content).toBe(
      `**build** *green* ~~old~~ <@${bob.user.id}> [logs](https://ci.test) <ok>`,
    );
    expect(data.mentions).toEqual([bob.user.id]);
    await live.close();
  });

  test("attachments become Markdown, and a reply goes into the thread its thread_ts names", async () => {
    const room = await channel();
    const root = await aliceApi.chat.postMessage({ channel: room.slack, text: "root" });
    const reply = await bobApi.chat.postMessage({
      channel: room.slack,
      thread_ts: root.ts as string,
      text: "in thread",
      attachments: [{ color: "good", title: "Build", text: "passed" }],
    });
    expect(reply.message?.thread_ts).toBe(root.ts);
    const thread = await aliceApi.conversations.replies({
      channel: room.slack,
      ts: root.ts as string,
    });
    expect(thread.messages?.map((message) => message.text?.split("\n")[0])).toEqual([
      "root",
      "in thread",
    ]);
    expect(thread.messages?.[0]).toMatchObject({
      reply_count: 1,
      reply_users: [U(bob)],
      reply_users_count: 1,
      latest_reply: reply.ts,
      thread_ts: root.ts,
    });
    expect(thread.messages?.[1]?.text).toContain("passed");
    expect(
      await slackError(
        aliceApi.chat.postMessage({ channel: room.slack, text: "x", thread_ts: "1.000000" }),
      ),
    ).toBe("thread_not_found");
  });

  test("chat.update edits the caller's own message only; chat.delete deletes it; both by ts", async () => {
    const room = await channel();
    const posted = await bobApi.chat.postMessage({ channel: room.slack, text: "tpyo" });
    const ts = posted.ts as string;
    const updated = await bobApi.chat.update({ channel: room.slack, ts, text: "*typo* fixed" });
    expect(updated).toMatchObject({ ok: true, channel: room.slack, ts, text: "*typo* fixed" });
    expect(updated.message?.edited).toMatchObject({ user: U(bob) });
    expect(
      await slackError(botApi.chat.update({ channel: room.slack, ts, text: "mine now" })),
    ).toBe("cant_update_message");
    expect(await slackError(botApi.chat.delete({ channel: room.slack, ts }))).toBe(
      "cant_delete_message",
    );
    expect(await bobApi.chat.delete({ channel: room.slack, ts })).toMatchObject({ ok: true, ts });
    expect(await slackError(bobApi.chat.delete({ channel: room.slack, ts }))).toBe(
      "message_not_found",
    );
    expect(
      await slackError(
        bobApi.chat.update({ channel: room.slack, ts: "1700000000.000001", text: "x" }),
      ),
    ).toBe("message_not_found");
  });

  test("chat.postMessage to a user's id posts in the caller's direct chat with them, opened if need be; anyone else is channel_not_found", async () => {
    const first = await botApi.chat.postMessage({ channel: U(bob), text: "deploy *done*" });
    expect(first.channel).toMatch(/^D[0-9]+$/);
    const second = await botApi.chat.postMessage({ channel: U(bob), text: "again" });
    expect(second.channel).toBe(first.channel);
    const im = await botApi.conversations.open({ users: U(bob) });
    expect(im.channel?.id).toBe(first.channel);
    const history = await bobApi.conversations.history({ channel: first.channel as string });
    expect(history.messages?.map((m) => m.text)).toEqual(["again", "deploy *done*"]);
    // Stored as our Markdown, in a single chat of the two.
    const chatId = Number((first.channel as string).slice(1));
    const chat = await app.request("GET", `/api/chat/${chatId}`, { token: bob.token });
    expect(chat.body).toMatchObject({
      type: "single",
      members: [bob.user.id, bot.user.id].sort((a, b) => a - b),
    });
    // Someone of another workspace, an unknown or malformed id: no chat, and mallory learns
    // nothing of acme.
    for (const channel of [U(mallory), "U999999", "U0", "Ubob"]) {
      expect(await slackError(botApi.chat.postMessage({ channel, text: "hi" }))).toBe(
        "channel_not_found",
      );
    }
    expect(await slackError(malloryApi.chat.postMessage({ channel: U(bob), text: "hi" }))).toBe(
      "channel_not_found",
    );
    const mallorys = await app.request("GET", "/api/chat", { token: mallory.token });
    expect(mallorys.body.filter((c: { type: string }) => c.type === "single")).toEqual([]);
  });

  test("chat.getPermalink links the web app's chat or thread", async () => {
    const room = await channel();
    const posted = await aliceApi.chat.postMessage({ channel: room.slack, text: "link me" });
    const link = await bobApi.chat.getPermalink({
      channel: room.slack,
      message_ts: posted.ts as string,
    });
    expect(link.permalink).toStartWith(`${app.url}/chat/${room.id}#message-`);
  });

  test("an empty message is no_text, a public channel not joined is not_in_channel, an archived one is_archived, to posts and joins alike", async () => {
    const room = await channel([bob.user.id]);
    expect(await slackError(aliceApi.chat.postMessage({ channel: room.slack, text: "" }))).toBe(
      "no_text",
    );
    expect(await slackError(botApi.chat.postMessage({ channel: room.slack, text: "hi" }))).toBe(
      "not_in_channel",
    );
    await app.request("POST", `/api/chat/${room.id}/archive`, { token: alice.token });
    expect(await slackError(aliceApi.chat.postMessage({ channel: room.slack, text: "hi" }))).toBe(
      "is_archived",
    );
    expect(await slackError(botApi.conversations.join({ channel: room.slack }))).toBe(
      "is_archived",
    );
  });
});

describe("conversations", () => {
  test("conversations.history pages newest first with cursors, and client.paginate walks it all", async () => {
    const room = await channel();
    const sent: string[] = [];
    for (let i = 0; i < 7; i++) {
      sent.push(
        (await aliceApi.chat.postMessage({ channel: room.slack, text: `m${i}` })).ts as string,
      );
    }
    const first = await bobApi.conversations.history({ channel: room.slack, limit: 3 });
    expect(first.messages?.map((message) => message.text)).toEqual(["m6", "m5", "m4"]);
    expect(first.has_more).toBe(true);
    expect(first.response_metadata?.next_cursor).toBeTruthy();
    const texts: string[] = [];
    for await (const page of bobApi.paginate("conversations.history", {
      channel: room.slack,
      limit: 2,
    })) {
      texts.push(
        ...((page as { messages?: { text: string }[] }).messages ?? []).map(
          (message) => message.text,
        ),
      );
    }
    expect(texts).toEqual(["m6", "m5", "m4", "m3", "m2", "m1", "m0"]);
    const last = await bobApi.conversations.history({ channel: room.slack, limit: 1000 });
    expect(last.response_metadata?.next_cursor).toBe("");
    expect(last.has_more).toBe(false);
    const window = await bobApi.conversations.history({
      channel: room.slack,
      latest: sent[5],
      oldest: sent[1],
    });
    expect(window.messages?.map((message) => message.text)).toEqual(["m4", "m3", "m2"]);
    const inclusive = await bobApi.conversations.history({
      channel: room.slack,
      latest: sent[5],
      oldest: sent[1],
      inclusive: true,
    });
    expect(inclusive.messages?.map((message) => message.text)).toEqual([
      "m5",
      "m4",
      "m3",
      "m2",
      "m1",
    ]);
    // A limit out of range is clamped, never an error.
    expect((await bobApi.conversations.history({ channel: room.slack, limit: 0 })).ok).toBe(true);
    expect(
      (await bobApi.conversations.history({ channel: room.slack, limit: 5000 })).messages,
    ).toHaveLength(7);
    expect(
      await slackError(bobApi.conversations.history({ channel: room.slack, cursor: "bad" })),
    ).toBe("invalid_cursor");
  });

  test("conversations.list, info and members show what the caller may see, paged", async () => {
    const open = await channel();
    const secret = await channel([bob.user.id], "private_channel");
    const listed = await bobApi.conversations.list({
      types: "public_channel,private_channel",
      limit: 1000,
    });
    const ids = listed.channels?.map((chat) => chat.id);
    expect(ids).toContain(open.slack);
    expect(ids).toContain(secret.slack);
    const mine = listed.channels?.find((chat) => chat.id === secret.slack);
    expect(mine).toMatchObject({
      is_private: true,
      is_channel: true,
      is_member: true,
      name: expect.stringMatching(/^slack-/),
    });
    const botList = await botApi.conversations.list({
      types: "public_channel,private_channel",
      limit: 1000,
    });
    expect(botList.channels?.map((chat) => chat.id)).not.toContain(secret.slack);
    const paged: string[] = [];
    for await (const page of bobApi.paginate("conversations.list", { limit: 1 })) {
      paged.push(
        ...((page as { channels?: { id: string }[] }).channels ?? []).map((chat) => chat.id),
      );
    }
    expect(paged.length).toBeGreaterThan(1);
    expect(new Set(paged).size).toBe(paged.length);
    const info = await bobApi.conversations.info({ channel: open.slack });
    expect(info.channel).toMatchObject({
      id: open.slack,
      is_channel: true,
      is_private: false,
      is_member: true,
    });
    const members = await bobApi.conversations.members({ channel: open.slack, limit: 2 });
    expect(members.members).toEqual([U(alice), U(bob)]);
    expect(members.response_metadata?.next_cursor).toBeTruthy();
    const rest = await bobApi.conversations.members({
      channel: open.slack,
      cursor: members.response_metadata?.next_cursor,
    });
    expect(rest.members).toEqual([U(bot)]);
    expect(rest.response_metadata?.next_cursor).toBe("");
  });

  test("conversations.create, join, open and mark act through our verbs", async () => {
    const made = await bobApi.conversations.create({ name: `made-${Date.now()}` });
    expect(made.channel).toMatchObject({ is_channel: true, is_private: false, creator: U(bob) });
    expect(
      await slackError(aliceApi.conversations.create({ name: made.channel?.name as string })),
    ).toBe("name_taken");
    const joined = await botApi.conversations.join({ channel: made.channel?.id as string });
    expect(joined.channel?.is_member).toBe(true);
    const again = await botApi.conversations.join({ channel: made.channel?.id as string });
    expect(again).toMatchObject({ already_in_channel: true });
    const im = await botApi.conversations.open({ users: U(alice) });
    expect(im.channel?.id).toMatch(/^D\d+$/);
    const same = await aliceApi.conversations.open({ users: U(bot), return_im: true });
    expect(same.channel).toMatchObject({ id: im.channel?.id, is_im: true, user: U(bot) });
    const group = await aliceApi.conversations.open({ users: `${U(bob)},${U(bot)}` });
    const groupAgain = await bobApi.conversations.open({ users: `${U(alice)},${U(bot)}` });
    expect(groupAgain.channel?.id).toBe(group.channel?.id);
    expect(await slackError(aliceApi.conversations.open({ users: U(mallory) }))).toBe(
      "user_not_found",
    );
    const posted = await botApi.chat.postMessage({
      channel: im.channel?.id as string,
      text: "hello",
    });
    expect(
      await aliceApi.conversations.mark({
        channel: im.channel?.id as string,
        ts: posted.ts as string,
      }),
    ).toMatchObject({
      ok: true,
    });
    const info = await aliceApi.conversations.info({ channel: im.channel?.id as string });
    expect(info.channel).toMatchObject({ last_read: posted.ts, unread_count: 0 });
  });
});

describe("people", () => {
  test("users.list pages the workspace, users.info and users.lookupByEmail find one of it", async () => {
    const all = await bobApi.users.list({});
    const ids = all.members?.map((user) => user.id);
    expect(ids).toEqual(expect.arrayContaining([U(alice), U(bob), U(bot)]));
    expect(ids).not.toContain(U(mallory));
    const botUser = all.members?.find((user) => user.id === U(bot));
    expect(botUser).toMatchObject({ is_bot: true, profile: { bot_id: `B${bot.user.id}` } });
    const paged: string[] = [];
    for await (const page of bobApi.paginate("users.list", { limit: 1 })) {
      paged.push(
        ...((page as { members?: { id: string }[] }).members ?? []).map((user) => user.id),
      );
    }
    expect(paged).toEqual(ids as string[]);
    const info = await bobApi.users.info({ user: U(alice) });
    expect(info.user).toMatchObject({
      id: U(alice),
      real_name: "Alice",
      is_owner: true,
      team_id: `T${alice.workspace.id}`,
    });
    const found = await botApi.users.lookupByEmail({ email: "BOB@acme.test" });
    expect(found.user?.id).toBe(U(bob));
    expect(await slackError(bobApi.users.lookupByEmail({ email: "mallory@globex.test" }))).toBe(
      "users_not_found",
    );
    expect(await slackError(bobApi.users.info({ user: U(mallory) }))).toBe("user_not_found");
  });
});

describe("reactions and pins", () => {
  test("reactions.add, get and remove, with Slack's errors for what is there and what is not", async () => {
    const room = await channel();
    const posted = await aliceApi.chat.postMessage({ channel: room.slack, text: "react" });
    const at = { channel: room.slack, timestamp: posted.ts as string };
    await bobApi.reactions.add({ ...at, name: "tada" });
    await botApi.reactions.add({ ...at, name: ":tada:" });
    expect(await slackError(bobApi.reactions.add({ ...at, name: "tada" }))).toBe("already_reacted");
    expect(await slackError(bobApi.reactions.add({ ...at, name: "no way" }))).toBe("invalid_name");
    const got = await aliceApi.reactions.get(at);
    expect(got).toMatchObject({ type: "message", channel: room.slack });
    expect(got.message?.reactions).toEqual([{ name: "tada", users: [U(bob), U(bot)], count: 2 }]);
    await bobApi.reactions.remove({ ...at, name: "tada" });
    expect(await slackError(bobApi.reactions.remove({ ...at, name: "tada" }))).toBe("no_reaction");
  });

  test("pins.add, list and remove", async () => {
    const room = await channel();
    const posted = await aliceApi.chat.postMessage({ channel: room.slack, text: "pin me" });
    const at = { channel: room.slack, timestamp: posted.ts as string };
    await bobApi.pins.add(at);
    expect(await slackError(bobApi.pins.add(at))).toBe("already_pinned");
    const list = await aliceApi.pins.list({ channel: room.slack });
    expect(list.items).toHaveLength(1);
    expect(list.items?.[0]).toMatchObject({ type: "message", channel: room.slack });
    expect(list.items?.[0]).toMatchObject({ message: { pinned_to: [room.slack] } });
    await bobApi.pins.remove(at);
    expect(await slackError(bobApi.pins.remove(at))).toBe("no_pin");
  });
});

describe("search", () => {
  test("search.messages finds what the caller may see, with Slack's matches and paging", async () => {
    const room = await channel();
    for (let i = 0; i < 3; i++)
      await aliceApi.chat.postMessage({ channel: room.slack, text: `zebrafish ${i}` });
    const found = await bobApi.search.messages({ query: "zebrafish", count: 2 });
    expect(found.messages?.matches?.map((match) => match.text)).toEqual([
      "zebrafish 2",
      "zebrafish 1",
    ]);
    expect(found.messages?.matches?.[0]).toMatchObject({
      channel: { id: room.slack },
      user: U(alice),
    });
    expect(found.messages?.paging).toMatchObject({ count: 2, page: 1 });
    const second = await bobApi.search.messages({ query: "zebrafish", count: 2, page: 2 });
    expect(second.messages?.matches?.map((match) => match.text)).toEqual(["zebrafish 0"]);
    const byCursor = await bobApi.search.messages({
      query: "zebrafish",
      count: 2,
      cursor: found.response_metadata?.next_cursor,
    });
    expect(byCursor.messages?.matches?.map((match) => match.text)).toEqual(["zebrafish 0"]);
    expect((await malloryApi.search.messages({ query: "zebrafish" })).messages?.matches).toEqual(
      [],
    );
    expect(await slackError(bobApi.search.messages({ query: "" }))).toBe("no_query");
  });
});

describe("the outsider and the bot outside", () => {
  test("mallory and her bot see nothing of acme: channel_not_found and no users", async () => {
    const room = await channel();
    const posted = await aliceApi.chat.postMessage({ channel: room.slack, text: "acme only" });
    const theirs = client((await makeBot(mallory, "Spy bot")).token);
    for (const api of [malloryApi, theirs]) {
      expect(await slackError(api.conversations.history({ channel: room.slack }))).toBe(
        "channel_not_found",
      );
      expect(await slackError(api.conversations.info({ channel: room.slack }))).toBe(
        "channel_not_found",
      );
      expect(await slackError(api.chat.postMessage({ channel: room.slack, text: "x" }))).toBe(
        "channel_not_found",
      );
      expect(
        await slackError(
          api.reactions.add({ channel: room.slack, timestamp: posted.ts as string, name: "eyes" }),
        ),
      ).toBe("channel_not_found");
      expect(await slackError(api.conversations.join({ channel: room.slack }))).toBe(
        "channel_not_found",
      );
      const users = (await api.users.list({})).members?.map((user) => user.id) ?? [];
      expect(users).not.toContain(U(alice));
      const chats = (
        await api.conversations.list({ types: "public_channel,private_channel,mpim,im" })
      ).channels;
      expect(chats?.map((chat) => chat.id)).not.toContain(room.slack);
    }
  });

  test("a bot outside a private channel gets channel_not_found, outside a public one not_in_channel", async () => {
    const secret = await channel([bob.user.id], "private_channel");
    const open = await channel([bob.user.id]);
    const outside = client((await makeBot(alice, "Outside bot")).token);
    expect(await slackError(outside.chat.postMessage({ channel: secret.slack, text: "x" }))).toBe(
      "channel_not_found",
    );
    expect(await slackError(outside.conversations.history({ channel: secret.slack }))).toBe(
      "channel_not_found",
    );
    expect(await slackError(outside.chat.postMessage({ channel: open.slack, text: "x" }))).toBe(
      "not_in_channel",
    );
  });
});

describe("rate limits", () => {
  test("past the messages limit a call is 429 ratelimited with Retry-After in whole seconds", async () => {
    const limited = await startTestApp({ limits: { messages: 2 } });
    const { alice: owner } = await people(limited);
    const room = await limited.request("POST", "/api/chat", {
      token: owner.token,
      body: { type: "public_channel", name: "busy", members: [] },
    });
    const api = new WebClient(owner.token, {
      slackApiUrl: `${limited.url}/api/slack/`,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    const channel = `C${room.body.id}`;
    await api.chat.postMessage({ channel, text: "1" });
    await api.chat.postMessage({ channel, text: "2" });
    try {
      await api.chat.postMessage({ channel, text: "3" });
      throw new Error("not limited");
    } catch (error) {
      const failure = error as { code?: string; retryAfter?: number };
      expect(failure.code).toBe(ErrorCode.RateLimitedError);
      expect(failure.retryAfter).toBeGreaterThanOrEqual(1);
    }
    const raw = await fetch(`${limited.url}/api/slack/chat.postMessage`, {
      method: "POST",
      headers: { authorization: `Bearer ${owner.token}`, "content-type": "application/json" },
      body: JSON.stringify({ channel, text: "4" }),
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get("retry-after")).toMatch(/^[1-9][0-9]*$/);
    expect(await raw.json()).toEqual({ ok: false, error: "ratelimited" });
    await limited.stop();
  });
});
