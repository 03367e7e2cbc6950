// Upgrades keep everyone's data. Each past release left its data in test/fixtures/upgrade/
// <version>/<store>/, written by that release's own code (scripts/make-upgrade-fixture.ts says
// how), with a manifest of what it served. The binary built from this code is started on a copy
// of each, and must sign everyone in, serve the same chats, messages and files, apply its
// migrations once, and answer a client resuming with a `since` the old release handed out.
// A fixture from 0.2.0 on also records what the release served for contract v2's features
// (threads, edits, deletes, reactions, pins, read state, search, people, push, a bot, a webhook,
// an import): the new release must serve the same, and the bot's and webhook's credentials work.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { tokenize } from "../../db/search.ts";
import { builtBinary } from "../support/binary.ts";
import { type LiveFrame, type LiveWebSocket, openWebSocket } from "../support/live.ts";
import { createDatabase } from "../support/postgres.ts";
import { postJson, type ServerProcess, startServerProcess } from "../support/process.ts";
import { openApp } from "../support/slack.ts";

const repo = join(import.meta.dir, "../..");
const fixturesDir = join(repo, "test/fixtures/upgrade");
const running: ServerProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
// CHAT_TEST_BINARY when the test run built it, else built here once.
let built: string;

beforeAll(() => {
  built = builtBinary();
}, 120_000);
afterAll(async () => {
  for (const server of running) server.child.kill("SIGKILL");
  for (const cleanup of cleanups) await cleanup();
});

type Summary = { id: number; type: string; chatId: number };
/** One GET as one of the manifest's users, and what it answered. */
type Served = { as: string; path: string; body: unknown };
/** What a release from 0.2.0 on served for contract v2's features (scripts/make-upgrade-fixture.ts). */
type V2 = {
  threads: Served[];
  messages: Served[];
  edits: Served[];
  pins: Served[];
  states: Record<string, Record<string, unknown>>;
  search: { as: string; q: string; ids: number[] }[];
  people: {
    workspace: Served;
    audit: Served;
    deactivated: {
      id: number;
      email: string;
      password: string;
      signinStatus: number;
      oldToken: string;
      oldTokenStatus: number;
    };
  };
  push: { as: string; key: Served; subscription: { endpoint: string } };
  bot: {
    id: number;
    token: string;
    appToken: string;
    chatId: number;
    me: unknown;
    authTest: Record<string, unknown>;
    history: { messages: unknown[] };
    heard: { type: string; text: string }[];
    bots: Served;
  };
  webhook: { id: number; name: string; chatId: number; path: string; list: Served };
  import: {
    zip: string;
    as: string;
    chatId: number;
    job: { report: { messages: { imported: number } } };
  };
};
type Manifest = {
  version: string;
  store: "sqlite" | "postgres";
  users: Record<string, { id: number; workspaceId: number; email: string; password: string }>;
  chats: Record<string, number>;
  deletedChat: { id: number; status: number };
  files: { url: string; name: string; type: string; size: number; sha256: string }[];
  events: { lastEventId: number; checkpoints: { label: string; since: number }[] };
  migrations: string[];
  rows: Record<string, number>;
  served: Record<
    string,
    {
      me: unknown;
      users: unknown[];
      chats: { id: number }[];
      messages: Record<string, unknown[]>;
      events: unknown[];
      resumed: Record<string, Summary[]>;
    }
  >;
  v2?: V2;
};

/** Every fixture a release left: one per version and store. */
const fixtures = readdirSync(fixturesDir).flatMap((version) =>
  (["sqlite", "postgres"] as const)
    .map((store) => join(fixturesDir, version, store))
    .filter((dir) => existsSync(join(dir, "manifest.json")))
    .map((dir) => ({
      dir,
      manifest: JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest,
    })),
);

/** A fixture's data copied where a server may change it: the database and the files. */
async function copyOfData({ dir, manifest }: (typeof fixtures)[number]) {
  const data = mkdtempSync(join(tmpdir(), "chat-upgrade-"));
  cpSync(join(dir, "files"), join(data, "files"), { recursive: true });
  if (manifest.store === "sqlite") {
    copyFileSync(join(dir, "chat.db"), join(data, "chat.db"));
    const path = join(data, "chat.db");
    return { url: `sqlite://${path}`, filesDir: join(data, "files"), query: sqliteQuery(path) };
  }
  const database = await createDatabase();
  cleanups.push(database.drop);
  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  // A plain dump as pg_dump writes it; its psql meta-commands (\restrict) are psql's alone.
  const dump = readFileSync(join(dir, "dump.sql"), "utf8").replace(/^\\.*$/gm, "");
  await sql.unsafe(dump).simple();
  await sql.end();
  return { url: database.url, filesDir: join(data, "files"), query: postgresQuery(database.url) };
}

type Query = <Row>(text: string) => Promise<Row[]>;

function sqliteQuery(path: string): Query {
  return async <Row>(text: string) => {
    const db = new Database(path, { readonly: true });
    try {
      return db.query(text).all() as Row[];
    } finally {
      db.close();
    }
  };
}

function postgresQuery(url: string): Query {
  return async <Row>(text: string) => {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      return (await sql.unsafe(text)) as unknown as Row[];
    } finally {
      await sql.end();
    }
  };
}

/** Rows per table, every table of ours. */
async function rowCounts(query: Query, store: Manifest["store"]): Promise<Record<string, number>> {
  const tables = await query<{ name: string }>(
    store === "sqlite"
      ? "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"
      : "select tablename as name from pg_tables where schemaname = 'public'",
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    counts[name] = Number(
      (await query<{ n: number }>(`select count(*) as n from "${name}"`))[0]?.n,
    );
  }
  return counts;
}

const migrationRows = (query: Query) =>
  query<{ tag: string; applied_at: number | string }>(
    "select tag, applied_at from schema_migrations order by tag",
  ).then((rows) => rows.map((row) => ({ tag: row.tag, appliedAt: Number(row.applied_at) })));

/** The new binary on a copy of the data, alone in a directory, as an operator runs it. */
async function startBinary(data: { url: string; filesDir: string }, eventRetention: string) {
  const server = await startServerProcess(
    (dir) => {
      copyFileSync(built, join(dir, "chat"));
      return [join(dir, "chat")];
    },
    {
      yaml: (_dir, port) =>
        `server:\n  host: 127.0.0.1\n  port: ${port}\ndatabase:\n  url: ${data.url}\nfiles:\n  dir: ${data.filesDir}\nrealtime:\n  eventRetention: ${eventRetention}\nsocketMode:\n  keepFor: 36500d\n`,
    },
  );
  running.push(server);
  return server;
}

async function stop(server: ServerProcess) {
  server.child.kill("SIGTERM");
  expect(await server.child.exited).toBe(0);
}

async function get(base: string, path: string, token: string) {
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as any };
}

/** A file's bytes as its reader downloads them. */
async function download(base: string, url: string, token: string) {
  const response = await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${token}` } });
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    bytes: await response.bytes(),
  };
}

/**
 * Waits for the prune a server runs once it listens: on PostgreSQL it may commit after the
 * server first answers.
 */
async function eventsPruned(query: Query) {
  for (const deadline = Date.now() + 5000; Date.now() < deadline; await Bun.sleep(20)) {
    const [row] = await query<{ n: number }>("select count(*) as n from events");
    if (Number(row?.n) === 0) return;
  }
  throw new Error("the events older than the retention were not pruned within 5 s");
}

/** The next `count` stored events on a socket (typing and presence pass by). */
async function takeFrames(socket: LiveWebSocket, count: number) {
  const events: LiveFrame[] = [];
  while (events.length < count) {
    const frame = await socket.take();
    if (typeof frame.id === "number") events.push(frame);
  }
  return events;
}

/** The next `count` events on a socket, as id, type and chat. */
const takeEvents = async (socket: LiveWebSocket, count: number): Promise<Summary[]> =>
  (await takeFrames(socket, count)).map(({ id, type, chatId }) => ({
    id: id as number,
    type,
    chatId,
  }));

for (const fixture of fixtures) {
  const { manifest } = fixture;
  const { users, served } = manifest;
  const names = Object.keys(users);

  describe(`release ${manifest.version}'s data on ${manifest.store}`, () => {
    let data: Awaited<ReturnType<typeof copyOfData>>;
    let migrationsBefore: { tag: string; appliedAt: number }[];
    let server: ServerProcess;
    const tokens: Record<string, string> = {};

    beforeAll(async () => {
      data = await copyOfData(fixture);
      migrationsBefore = await migrationRows(data.query);
      // Events are kept for as long as the fixture has existed: the old ids can all be resumed.
      server = await startBinary(data, "36500d");
    });

    test("every user signs in with their password and is who they were", async () => {
      for (const name of names) {
        const user = users[name] as Manifest["users"][string];
        const reply = await postJson(server.url, "/api/signin", undefined, {
          email: user.email,
          password: user.password,
        });
        expect(reply.status).toBe(200);
        expect(reply.body.user).toMatchObject({ id: user.id, workspaceId: user.workspaceId });
        tokens[name] = reply.body.token;
        expect((await get(server.url, "/api/me", reply.body.token)).body).toMatchObject(
          served[name]?.me as object,
        );
        expect((await get(server.url, "/api/users", reply.body.token)).body).toMatchObject(
          served[name]?.users as object[],
        );
      }
    });

    test("every user is served the chats they had, in the same order, and a deleted chat stays gone", async () => {
      for (const name of names) {
        const chats = await get(server.url, "/api/chat", tokens[name] as string);
        expect(chats.status).toBe(200);
        expect(chats.body).toMatchObject(served[name]?.chats as object[]);
        const gone = await get(
          server.url,
          `/api/chat/${manifest.deletedChat.id}`,
          tokens[name] as string,
        );
        expect(gone.status).toBe(manifest.deletedChat.status);
      }
    });

    test("every message is served in its chat, newest first, with its text, client id and files", async () => {
      let compared = 0;
      for (const name of names) {
        for (const [chatId, messages] of Object.entries(served[name]?.messages ?? {})) {
          const history = await get(
            server.url,
            `/api/chat/${chatId}/messages?limit=100`,
            tokens[name] as string,
          );
          expect(history.status).toBe(200);
          expect(history.body).toMatchObject(messages as object[]);
          compared += messages.length;
        }
      }
      expect(compared).toBeGreaterThan(0);
    });

    test(`the old messages carry ${manifest.v2 ? "" : "the v2 fields with their defaults, and "}attachments for their files`, async () => {
      let withFiles = 0;
      for (const name of names) {
        for (const chatId of Object.keys(served[name]?.messages ?? {})) {
          const history = await get(
            server.url,
            `/api/chat/${chatId}/messages?limit=100`,
            tokens[name] as string,
          );
          for (const message of history.body as Record<string, unknown>[]) {
            // A release from before v2 wrote none of these; one from 0.2.0 on is compared whole.
            if (!manifest.v2)
              expect(message).toMatchObject({
                threadId: null,
                replyCount: 0,
                lastReplyAt: null,
                editedAt: null,
                deleted: false,
                reactions: [],
                pinned: false,
                mentions: [],
              });
            const files = message.files as string[];
            const attachments = message.attachments as Record<string, unknown>[];
            expect(attachments.map((a) => a.url)).toEqual(files);
            for (const attachment of attachments) {
              expect(attachment).toEqual({
                url: expect.any(String),
                name: expect.any(String),
                size: expect.any(Number),
                type: expect.any(String),
              });
            }
            if (files.length > 0) withFiles++;
          }
        }
      }
      expect(withFiles).toBeGreaterThan(0);
    });

    test("every file downloads with the bytes that were uploaded, and only in its workspace", async () => {
      for (const file of manifest.files) {
        const workspaceId = Number(file.url.split("/")[3]);
        const [reader] = names.filter((name) => users[name]?.workspaceId === workspaceId);
        const outsider = names.find((name) => users[name]?.workspaceId !== workspaceId);
        const got = await download(server.url, file.url, tokens[reader as string] as string);
        expect(got.status).toBe(200);
        expect(got.type).toBe(file.type);
        expect(got.bytes.length).toBe(file.size);
        expect(createHash("sha256").update(got.bytes).digest("hex")).toBe(file.sha256);
        expect(
          (await download(server.url, file.url, tokens[outsider as string] as string)).status,
        ).toBe(404);
      }
    });

    test("the old messages are found by search, by the words of their text", async () => {
      let searched = 0;
      for (const name of names) {
        for (const messages of Object.values(served[name]?.messages ?? {})) {
          for (const message of (
            messages as { id: number; chatId: number; content: string }[]
          ).slice(0, 5)) {
            const words = tokenize(message.content);
            if (words.length === 0) continue;
            const q = words
              .slice(0, 3)
              .map((word) => `"${message.content.slice(word.start, word.end)}"`)
              .join(" ");
            const found = await get(
              server.url,
              `/api/search?limit=100&chatId=${message.chatId}&q=${encodeURIComponent(q)}`,
              tokens[name] as string,
            );
            expect(found.status).toBe(200);
            expect(
              found.body.results.map((r: { message: { id: number } }) => r.message.id),
            ).toContain(message.id);
            searched++;
          }
        }
      }
      expect(searched).toBeGreaterThan(0);
    });

    // ---- contract v2, for a fixture of 0.2.0 or later ----
    const v2 = manifest.v2;
    /** Each GET answers what the old release answered (fields added since are allowed). */
    async function expectServed(all: Served[]) {
      for (const { as, path, body } of all) {
        const reply = await get(server.url, path, tokens[as] as string);
        expect({ path, status: reply.status }).toEqual({ path, status: 200 });
        expect(reply.body).toMatchObject(body as object);
      }
    }

    if (v2) {
      test("threads keep their replies, a deleted root with replies stays a tombstone, deleted messages stay deleted", async () => {
        expect(v2.threads.length).toBeGreaterThan(0);
        await expectServed(v2.threads);
        await expectServed(v2.messages);
      });

      test("edits keep their history (none once deleted); reactions, pins and mentions are as they were", async () => {
        await expectServed(v2.edits);
        await expectServed(v2.pins);
      });

      test("every user's read markers, unread and mention counts and notification levels are as they were", async () => {
        for (const [name, states] of Object.entries(v2.states)) {
          const chats = await get(server.url, "/api/chat", tokens[name] as string);
          const now = Object.fromEntries(
            (chats.body as { id: number; state: unknown }[]).map((chat) => [chat.id, chat.state]),
          );
          expect({ name, states: now }).toEqual({ name, states });
        }
      });

      test("search finds the same messages for the same words, and still not the deleted or replaced ones", async () => {
        for (const { as, q, ids } of v2.search) {
          const found = await get(
            server.url,
            `/api/search?limit=100&q=${encodeURIComponent(q)}`,
            tokens[as] as string,
          );
          expect(found.status).toBe(200);
          const now = found.body.results.map((r: { message: { id: number } }) => r.message.id);
          expect({ as, q, ids: now }).toEqual({ as, q, ids });
        }
      });

      test("roles, settings and the audit log are kept; the deactivated user stays out", async () => {
        await expectServed([v2.people.workspace, v2.people.audit, v2.bot.bots, v2.webhook.list]);
        const { email, password, signinStatus, oldToken, oldTokenStatus } = v2.people.deactivated;
        expect(
          (await postJson(server.url, "/api/signin", undefined, { email, password })).status,
        ).toBe(signinStatus);
        expect((await get(server.url, "/api/me", oldToken)).status).toBe(oldTokenStatus);
      });

      test("the push key is the same, so the browsers' subscriptions, which are kept, still take pushes", async () => {
        await expectServed([v2.push.key]);
        const endpoint = v2.push.subscription.endpoint.replaceAll("'", "''");
        const [row] = await data.query<{ n: number }>(
          `select count(*) as n from push_subscriptions where endpoint = '${endpoint}'`,
        );
        expect(Number(row?.n)).toBe(1);
      });
    }

    test("every row the old release wrote is still there", async () => {
      const counts = await rowCounts(data.query, manifest.store);
      // A migration that folds a table into another must say here where its rows went.
      const lost = Object.entries(manifest.rows)
        .filter(([table, rows]) => table in counts && (counts[table] as number) < rows)
        .map(([table, rows]) => `${table}: ${rows} before, ${counts[table]} now`);
      expect(lost).toEqual([]);
    });

    test("the migrations ran once: old ones were not applied again, and a second start applies none and changes no row", async () => {
      await stop(server);
      const afterFirst = await migrationRows(data.query);
      const countsAfterFirst = await rowCounts(data.query, manifest.store);
      expect(migrationsBefore.map((row) => row.tag)).toEqual(manifest.migrations);
      // What the old release applied stays as it was; this one's own come after, once each.
      expect(afterFirst).toEqual(expect.arrayContaining(migrationsBefore));
      expect(new Set(afterFirst.map((row) => row.tag)).size).toBe(afterFirst.length);

      await server.restart();
      await stop(server);
      expect(await migrationRows(data.query)).toEqual(afterFirst);
      expect(await rowCounts(data.query, manifest.store)).toEqual(countsAfterFirst);

      const migrate = Bun.spawnSync([built, "migrate"], {
        env: { ...process.env, CHAT_CONFIG: join(server.dir, "custom.yml") },
      });
      expect(migrate.stdout.toString().trim()).toBe("the database is up to date");
      await server.restart();
    });

    test("a client resuming from any since the old release handed out gets the events it was sent, in order, then live ones", async () => {
      const sockets: { name: string; socket: LiveWebSocket }[] = [];
      for (const name of names) {
        for (const { since } of manifest.events.checkpoints) {
          const socket = await openWebSocket(server.url, tokens[name] as string, since);
          expect(await socket.take()).toEqual({ type: "ready", lastEventId: since });
          const expected = served[name]?.resumed[since] as Summary[];
          const frames = await takeFrames(socket, expected.length);
          expect(frames.map(({ id, type, chatId }) => ({ id, type, chatId }))).toEqual(expected);
          // Whole events, as the old release sent them live; new fields may have been added.
          if (since === 0) expect(frames).toMatchObject(served[name]?.events as object[]);
          sockets.push({ name, socket });
        }
      }
      // One new message in each chat someone is still in: each socket's next event is live.
      const sent: Record<string, number> = {};
      for (const name of names) {
        const chatId = served[name]?.chats[0]?.id as number;
        if (sent[chatId]) continue;
        const reply = await postJson(server.url, `/api/chat/${chatId}`, tokens[name], {
          content: `after the upgrade, from ${name}`,
        });
        expect(reply.status).toBe(201);
        sent[chatId] = reply.body.id;
      }
      for (const { name, socket } of sockets) {
        const mine = served[name]?.chats.map((chat) => chat.id) ?? [];
        const next = await takeEvents(socket, mine.filter((id) => sent[id]).length);
        for (const event of next) {
          expect(event.type).toBe("message.created");
          expect(event.id).toBeGreaterThan(manifest.events.lastEventId);
          expect(mine).toContain(event.chatId);
        }
        await socket.close();
      }
    });

    test("a client whose since is older than the events still kept gets reset, the old release's last id, then live events", async () => {
      // A fresh copy, started with a retention its events are all older than.
      const pruned = await copyOfData(fixture);
      const shortLived = await startBinary(pruned, "1ms");
      await eventsPruned(pruned.query);
      const alice = users.alice as Manifest["users"][string];
      const token = (
        await postJson(shortLived.url, "/api/signin", undefined, {
          email: alice.email,
          password: alice.password,
        })
      ).body.token;
      const { lastEventId } = manifest.events;
      const since = manifest.events.checkpoints[1]?.since as number;
      const socket = await openWebSocket(shortLived.url, token, since);
      expect(await socket.take()).toEqual({ type: "ready", lastEventId });
      expect(await socket.take()).toEqual({ type: "reset" });
      // The newest id the old release handed out is still current: resumed with nothing missed.
      const current = await openWebSocket(shortLived.url, token, lastEventId);
      expect(await current.take()).toEqual({ type: "ready", lastEventId });
      const reply = await postJson(shortLived.url, `/api/chat/${manifest.chats.single}`, token, {
        content: "after the events were pruned",
      });
      for (const live of [socket, current]) {
        const [event] = await takeEvents(live, 1);
        expect(event).toEqual({
          id: lastEventId + 1,
          type: "message.created",
          chatId: reply.body.chatId,
        });
        await live.close();
      }
      await stop(shortLived);
    });

    // Credentials the old release handed out, used after the upgrade (these tests write, so
    // they come after every comparison and every resume above).
    if (v2) {
      test("the bot's token still works: the same auth.test, its chat's history with the same ts, and a new post", async () => {
        const slack = (method: string, args: Record<string, unknown> = {}) =>
          postJson(server.url, `/api/slack/${method}`, v2.bot.token, args);
        const auth = await slack("auth.test");
        // `url` is the server's own: the old one's port was that run's.
        expect(auth.body).toEqual({ ...v2.bot.authTest, url: `${server.url}/` });
        expect((await get(server.url, "/api/me", v2.bot.token)).body).toMatchObject(
          v2.bot.me as object,
        );
        const channel = `C${v2.bot.chatId}`;
        const history = await slack("conversations.history", { channel, limit: 1000 });
        expect(history.body.ok).toBe(true);
        // Newest first: the old release's messages are the oldest ones, at the end.
        const old = v2.bot.history.messages;
        expect(history.body.messages.slice(-old.length)).toMatchObject(old as object[]);
        const posted = await slack("chat.postMessage", { channel, text: "after the upgrade" });
        expect(posted.body).toMatchObject({
          ok: true,
          channel,
          message: { bot_id: `B${v2.bot.id}` },
        });
      });

      test("the app token opens Socket Mode, and the app hears what is new, not what it acknowledged before", async () => {
        const app = await openApp(server.url, v2.bot.appToken);
        // Whoever made the bot is in its chat.
        const text = "after the upgrade, for the app";
        const sent = await postJson(
          server.url,
          `/api/chat/${v2.bot.chatId}`,
          tokens[v2.bot.bots.as],
          {
            content: text,
          },
        );
        expect(sent.status).toBe(201);
        // Events that arose while it was away may come first (the fixture's last ones, and the
        // tests' above; the server keeps them as long as the fixture exists); never the ones it
        // acknowledged before the upgrade.
        const heard: string[] = [];
        while (!heard.includes(text)) heard.push((await app.received()).payload.event.text);
        for (const before of v2.bot.heard) expect(heard).not.toContain(before.text);
        await app.close();
      });

      test("the webhook's URL still posts, as its bot, into its chat", async () => {
        const response = await fetch(`${server.url}${v2.webhook.path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text: "posted *after* the upgrade" }),
        });
        expect(response.status).toBe(200);
        expect(await response.text()).toBe("ok");
        const [listed] = v2.webhook.list.body as { userId: number }[];
        const [newest] = (
          await get(
            server.url,
            `/api/chat/${v2.webhook.chatId}/messages?limit=1`,
            tokens[v2.webhook.list.as] as string,
          )
        ).body;
        expect(newest).toMatchObject({
          content: "posted **after** the upgrade",
          senderId: listed?.userId,
        });
      });

      test("importing the same Slack export again adds nothing: its messages are recognised by their ts", async () => {
        const token = tokens[v2.import.as] as string;
        const path = `/api/chat/${v2.import.chatId}/messages?limit=100`;
        const before = (await get(server.url, path, token)).body;
        const body = new FormData();
        body.append("files", Bun.file(join(fixture.dir, v2.import.zip)), v2.import.zip);
        const started = await fetch(`${server.url}/api/admin/import`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
          body,
        });
        expect(started.status).toBe(202);
        let job = (await started.json()) as { id: number; status: string; report: any };
        for (let tries = 0; job.status === "running" && tries < 500; tries++) {
          await Bun.sleep(20);
          job = (await get(server.url, `/api/admin/import/${job.id}`, token)).body;
        }
        expect(job).toMatchObject({
          status: "done",
          report: {
            messages: { imported: 0, existing: v2.import.job.report.messages.imported },
          },
        });
        expect((await get(server.url, path, token)).body).toEqual(before);
      });
    }
  });
}
