// Incoming webhooks (issue #27): posts of Slack's payload per second to webhooks of 20 chats,
// against plain API sends of the same text to the same chats by a member, on the same server
// and load. A webhook post does what a send does, plus the secret's lookup and the mrkdwn's
// translation: the target is 0.8× the sends.
import { oursFromSource, prepareOurs, runLoad, startOurs, withServer } from "../lib.ts";
import type { Scenario } from "../scenario.ts";

const connections = 50;
const chats = 20;
const text = "Deploy of *build 42* to <https://ci.example.com/42|production> _done_";

export const webhooks: Scenario = async ({ full, log }) => {
  const seconds = full ? 20 : 5;
  log(`webhooks: ${connections} clients for ${seconds} s each, over ${chats} chats`);
  const [sends, posts] = await withServer(
    () => startOurs(oursFromSource),
    async (server) => {
      const { users, chatIds } = await prepareOurs(server.url, 2, chats, 2);
      const owner = users[0]?.token as string;
      const hooks: string[] = [];
      for (const chatId of chatIds) {
        const response = await fetch(`${server.url}/api/chat/${chatId}/webhooks`, {
          method: "POST",
          headers: { authorization: `Bearer ${owner}`, "content-type": "application/json" },
          body: JSON.stringify({ name: "CI" }),
        });
        hooks.push(((await response.json()) as { url: string }).url);
      }
      type Result = { perSecond: number; p50: number; p99: number };
      const plain = await runLoad<Result>(
        "posts.ts",
        {
          targets: chatIds.map((id) => ({
            url: `${server.url}/api/chat/${id}`,
            token: owner,
            body: { content: text },
          })),
          connections,
          seconds,
        },
        server.pid,
      );
      const webhook = await runLoad<Result>(
        "posts.ts",
        { targets: hooks.map((url) => ({ url, body: { text } })), connections, seconds },
        server.pid,
      );
      return [plain, webhook] as const;
    },
  );
  log(`webhooks: ${Math.round(posts.perSecond)} posts/s vs ${Math.round(sends.perSecond)} sends/s`);
  return {
    rows: [
      {
        scenario: "webhook posts",
        measure: "messages/s",
        ours: posts.perSecond,
        reference: sends.perSecond,
        referenceName: "POST /api/chat/{id} of the same text, same server",
        target: 0.8,
        serverCpu: posts.serverCpuShare,
        loadCpu: posts.loadCpuShare,
        note: `${connections} clients over ${chats} chats; webhook p50 ${posts.p50.toFixed(1)} ms, p99 ${posts.p99.toFixed(1)} ms; sends p99 ${sends.p99.toFixed(1)} ms`,
      },
    ],
  };
};
