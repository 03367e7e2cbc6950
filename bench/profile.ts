// `bun bench/profile.ts durable|history|conversation [sends]|many-chats [msg/s]|search [q] [chat]|webhooks [sends]`: one scenario at the quick sizes against our
// server run under Bun's CPU profiler, to find where the time goes before changing code. Prints
// the load's result and the path of the profile (markdown, heaviest functions first).
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../db/sqlite/store.ts";
import {
  buildWebApp,
  mintToken,
  oursFromSource,
  prepareOurs,
  repo,
  runLoad,
  seedChatsOfTen,
  seedHistory,
  startOurs,
} from "./lib.ts";
import { seedSearch } from "./scenarios/search.ts";
import { makeWebhooks, webhookText } from "./scenarios/webhooks.ts";

const scenario = process.argv[2];
buildWebApp();
const profileDir = mkdtempSync(join(tmpdir(), "chat-profile-"));
const command = [
  process.execPath,
  "--cpu-prof-md",
  `--cpu-prof-dir=${profileDir}`,
  join(repo, "src/main.ts"),
];

const loads: Record<string, () => Promise<unknown>> = {
  async durable() {
    // Users and chats are made by an unprofiled server: the profiler weighs each sample by the
    // time since the last, so the idle gaps between sign-ups would swamp the load.
    const database = join(mkdtempSync(join(tmpdir(), "chat-profile-durable-")), "chat.db");
    const setup = await startOurs(oursFromSource, { database });
    const { users, chatIds } = await prepareOurs(setup.url, 40, 4, 10);
    await setup.stop("SIGTERM");
    const server = await startOurs(command, { database });
    const clients = users.map((user, i) => ({
      token: user.token,
      chatId: chatIds[Math.floor(i / 10)] as number,
    }));
    const result = await runLoad(
      "durable.ts",
      { url: server.url, clients, perClient: 4000, inFlight: 4 },
      server.pid,
    );
    await server.stop("SIGTERM");
    return result;
  },
  async history() {
    const path = join(mkdtempSync(join(tmpdir(), "chat-profile-history-")), "chat.db");
    const { chatIds, token } = await seedHistory(path, 200, 200_000);
    const server = await startOurs(command, { database: path });
    const result = await runLoad(
      "history.ts",
      { url: server.url, token, chatIds, connections: 100, seconds: 10 },
      server.pid,
    );
    await server.stop("SIGTERM");
    return result;
  },
  /** The conversation mix (sends, replies, reactions, edits, history reads) of 100 members. */
  async conversation() {
    const database = join(mkdtempSync(join(tmpdir(), "chat-profile-conversation-")), "chat.db");
    const store = openSqliteStore(`sqlite://${database}`, { synchronous: "NORMAL" });
    const clients = await seedChatsOfTen(store, 100, "conversation.test");
    await store.close();
    const server = await startOurs(command, { database });
    const result = await runLoad(
      "conversation.ts",
      {
        url: server.url,
        clients,
        seconds: 10,
        mix: process.argv[3] !== "sends",
        reads: process.argv[3] !== "writes",
      },
      server.pid,
    );
    await server.stop("SIGTERM");
    return result;
  },
  /** 20 searchers for one q (default a common word) on 200,000 messages; "chat" narrows each. */
  async search() {
    const path = join(mkdtempSync(join(tmpdir(), "chat-profile-search-")), "chat.db");
    const seeded = await seedSearch(path, 200_000);
    const searcherIds = seeded.userIds.slice(0, 20);
    const tokens = await Promise.all(searcherIds.map(mintToken));
    const server = await startOurs(command, { database: path });
    const result = await runLoad(
      "search.ts",
      {
        url: server.url,
        q: process.argv[3] ?? "the",
        tokens,
        ...(process.argv[4] === "chat" && {
          chatIds: searcherIds.map((id) => seeded.chatsOf.get(id) as number[]),
        }),
        connections: 20,
        seconds: 10,
      },
      server.pid,
    );
    await server.stop("SIGTERM");
    return result;
  },
  /** Slack payloads posted to the webhooks of 20 chats by 50 clients ("sends": API sends). */
  async webhooks() {
    const server = await startOurs(command);
    const { users, chatIds } = await prepareOurs(server.url, 2, 20, 2);
    const token = users[0]?.token as string;
    const targets =
      process.argv[3] === "sends"
        ? chatIds.map((chatId) => ({
            url: `${server.url}/api/chat/${chatId}`,
            token,
            body: { content: webhookText },
          }))
        : (await makeWebhooks(server.url, token, chatIds)).map((url) => ({
            url,
            body: { text: webhookText },
          }));
    const result = await runLoad("posts.ts", { targets, connections: 50, seconds: 10 }, server.pid);
    await server.stop("SIGTERM");
    return result;
  },
  /** The many-chats load (10,000 sockets in chats of ten) at one rate, near where ours queues. */
  async "many-chats"() {
    const database = join(mkdtempSync(join(tmpdir(), "chat-profile-many-")), "chat.db");
    const store = openSqliteStore(`sqlite://${database}`, { synchronous: "NORMAL" });
    const clients = await seedChatsOfTen(store, 10_000, "many.test");
    await store.close();
    const server = await startOurs(command, { database });
    const result = await runLoad(
      "many-chats.ts",
      {
        urls: [server.url],
        kind: "ours",
        clients: clients.map(({ token, room }) => ({ token, room })),
        rates: [Number(process.argv[3] ?? 20_000)],
        // Long enough that the sends, not the 10,000 connects before them, fill most of the profile.
        stepSeconds: 20,
        membersPerRoom: 10,
        warmupSeconds: 2,
      },
      server.pid,
    );
    await server.stop("SIGTERM");
    return result;
  },
};

const load = scenario ? loads[scenario] : undefined;
if (!load) {
  console.error(`usage: bun bench/profile.ts ${Object.keys(loads).join("|")}`);
  process.exit(2);
}
console.log(JSON.stringify(await load()));
for (let i = 0; i < 100 && readdirSync(profileDir).length === 0; i++) await Bun.sleep(50);
const [file] = readdirSync(profileDir);
if (!file) throw new Error("the server wrote no profile");
console.log(join(profileDir, file));
console.log(readFileSync(join(profileDir, file), "utf8").split("\n").slice(0, 60).join("\n"));
