// Incoming webhooks (issue #27): posts of Slack's payload per second to webhooks of 20 chats,
// against plain API sends of the same text to the same chats by a member, on the same server
// and load. A webhook post does what a send does, plus the secret's lookup and the mrkdwn's
// translation: the target is 0.8× the sends. The two alternate in an even number of rounds
// (sends first, then posts first) and each side's rate is its mean: each run leaves the database
// larger and its search index deeper for the next, so always running the posts second charged
// them for the sends' rows (0.84× second against 1.04× first, in one quick run).
import {
  inAlternation,
  oursFromSource,
  prepareOurs,
  runLoad,
  startOurs,
  withServer,
} from "../lib.ts";
import type { Scenario } from "../scenario.ts";

const connections = 50;
const chats = 20;
export const webhookText = "Deploy of *build 42* to <https://ci.example.com/42|production> _done_";

/** A webhook in each chat, made by `token` (a member); their URLs, in the chats' order. */
export async function makeWebhooks(url: string, token: string, chatIds: number[]) {
  const hooks: string[] = [];
  for (const chatId of chatIds) {
    const response = await fetch(`${url}/api/chat/${chatId}/webhooks`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "CI" }),
    });
    hooks.push(((await response.json()) as { url: string }).url);
  }
  return hooks;
}

type Result = {
  perSecond: number;
  p50: number;
  p99: number;
  serverCpuShare: number;
  loadCpuShare: number;
};

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

export const webhooks: Scenario = async ({ full, log }) => {
  const rounds = full ? 4 : 2; // even: each side goes first as often as second
  const seconds = full ? 5 : 2.5;
  log(
    `webhooks: ${connections} clients over ${chats} chats, ${rounds} rounds of ${seconds} s each way`,
  );
  const pairs = await withServer(
    () => startOurs(oursFromSource),
    async (server) => {
      const { users, chatIds } = await prepareOurs(server.url, 2, chats, 2);
      const owner = users[0]?.token as string;
      const hooks = await makeWebhooks(server.url, owner, chatIds);
      const sends = () =>
        runLoad<Result>(
          "posts.ts",
          {
            targets: chatIds.map((id) => ({
              url: `${server.url}/api/chat/${id}`,
              token: owner,
              body: { content: webhookText },
            })),
            connections,
            seconds,
          },
          server.pid,
        );
      const posts = () =>
        runLoad<Result>(
          "posts.ts",
          {
            targets: hooks.map((url) => ({ url, body: { text: webhookText } })),
            connections,
            seconds,
          },
          server.pid,
        );
      const pairs = await inAlternation(rounds, sends, posts);
      return pairs.map(({ a, b }) => ({ sends: a, posts: b }));
    },
  );
  const ratios = pairs.map((pair) => pair.posts.perSecond / pair.sends.perSecond);
  const sendRate = mean(pairs.map((pair) => pair.sends.perSecond));
  const postRate = mean(pairs.map((pair) => pair.posts.perSecond));
  const sorted = [...ratios].sort((a, b) => a - b);
  const spread = `rounds ${(sorted[0] as number).toFixed(2)}–${(sorted.at(-1) as number).toFixed(2)}×`;
  log(`webhooks: ${Math.round(postRate)} posts/s vs ${Math.round(sendRate)} sends/s (${spread})`);
  const last = pairs.at(-1) as { sends: Result; posts: Result };
  return {
    rows: [
      {
        scenario: "webhook posts",
        measure: "messages/s",
        ours: postRate,
        reference: sendRate,
        referenceName: "POST /api/chat/{id} of the same text, same server",
        target: 0.8,
        serverCpu: mean(pairs.map((pair) => pair.posts.serverCpuShare)),
        loadCpu: Math.max(...pairs.map((pair) => pair.posts.loadCpuShare)),
        note: `${connections} clients over ${chats} chats; means of ${rounds} alternating rounds, ${spread} (posts ${pairs.map((pair) => Math.round(pair.posts.perSecond)).join(", ")}/s; sends ${pairs.map((pair) => Math.round(pair.sends.perSecond)).join(", ")}/s); last round's webhook p50 ${last.posts.p50.toFixed(1)} ms, p99 ${last.posts.p99.toFixed(1)} ms, sends p99 ${last.sends.p99.toFixed(1)} ms`,
      },
    ],
  };
};
