// An app written with Slack's Bolt for JavaScript in Socket Mode, run against this server with
// only its API URL changed (API.md § Integrations): it answers in a thread, reacts to a mention,
// and keeps working across the server restarting.
import { expect, test } from "bun:test";
import { App, LogLevel } from "@slack/bolt";
import { openWebSocket } from "../support/live.ts";
import { postJson, signupPair } from "../support/process.ts";
import { type Bot, startTargetProcess } from "../support/slack.ts";

const quiet = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

test("a Bolt app answers a message in its thread, reacts to a mention, and survives the server restarting", async () => {
  const server = await startTargetProcess();
  let bolt: App | undefined;
  try {
    const { alice, bob } = await signupPair(server.url, "Bolt");
    const bot = (await postJson(server.url, "/api/bots", alice.token, { name: "Helper" }))
      .body as Bot;
    const chatId = (
      await postJson(server.url, "/api/chat", alice.token, {
        type: "public_channel",
        name: "help",
        members: [bob.user.id, bot.user.id],
      })
    ).body.id as number;

    bolt = new App({
      token: bot.token,
      appToken: bot.appToken,
      socketMode: true,
      logger: quiet,
      clientOptions: { slackApiUrl: `${server.url}/api/slack/` },
    });
    bolt.message("ping", async ({ message, say }) => {
      if (message.subtype === undefined)
        await say({ text: `pong to ${message.text}`, thread_ts: message.ts });
    });
    bolt.event("app_mention", async ({ event, client }) => {
      await client.reactions.add({ channel: event.channel, timestamp: event.ts, name: "eyes" });
    });
    await bolt.start();

    const watch = await openWebSocket(server.url, alice.token);
    await watch.take();
    const say = async (content: string) =>
      (await postJson(server.url, `/api/chat/${chatId}`, bob.token, { content })).body as {
        id: number;
      };
    /** The bot's reply in the thread of `rootId`, as alice sees it arrive. */
    const replyTo = async (rootId: number, timeoutMs = 10_000) => {
      const frames = await watch.takeUntil(
        (frame) =>
          frame.type === "message.created" &&
          frame.data.threadId === rootId &&
          frame.data.senderId === bot.user.id,
        { timeoutMs },
      );
      return frames.at(-1)?.data;
    };

    const root = await say("ping one");
    const reply = await replyTo(root.id);
    expect(reply).toMatchObject({ content: "pong to ping one", chatId, threadId: root.id });

    const mention = await say(`<@${bot.user.id}> have a look`);
    const reacted = await watch.takeUntil(
      (frame) =>
        frame.type === "message.updated" &&
        frame.data.id === mention.id &&
        frame.data.reactions.length > 0,
      { timeoutMs: 10_000 },
    );
    expect(reacted.at(-1)?.data.reactions).toEqual([{ emoji: "eyes", userIds: [bot.user.id] }]);

    // The server stops (the app is told to reconnect) and starts again on the same database and
    // port; a message sent before Bolt is back is answered once it is.
    await server.terminate();
    await watch.closed;
    await server.restart();
    const watchAgain = await openWebSocket(server.url, alice.token);
    await watchAgain.take();
    const afterRestart = await say("ping two");
    const frames = await watchAgain.takeUntil(
      (frame) =>
        frame.type === "message.created" &&
        frame.data.threadId === afterRestart.id &&
        frame.data.senderId === bot.user.id,
      { timeoutMs: 30_000 },
    );
    expect(frames.at(-1)?.data.content).toBe("pong to ping two");
    // Each message was answered once: nothing delivered twice made a second reply.
    const thread = await fetch(`${server.url}/api/chat/${chatId}/messages?thread=${root.id}`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect((await thread.json()) as unknown[]).toHaveLength(1);
    watchAgain.close();
  } finally {
    await bolt?.stop().catch(() => {});
    await server.dispose();
  }
}, 60_000);
