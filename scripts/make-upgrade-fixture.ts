// Makes the upgrade fixture of the release checked out here: the data that release writes, for
// test/e2e/upgrade.test.ts to start every later release on.
//
//   git worktree add /tmp/r v0.2.0 && cd /tmp/r
//   bun scripts/make-upgrade-fixture.ts <outdir>                          # → <outdir>/sqlite/
//   bun scripts/make-upgrade-fixture.ts <outdir> --database postgres://…  # → <outdir>/postgres/
//   (--version X.Y.Z names the version in the manifest instead of package.json's)
//
// It starts that release's server from source on a fresh database, uses it through the HTTP API
// and WebSocket as clients would (two workspaces, every chat type, messages with client ids,
// unicode and files, a join, a leave, a removal, a rename, a deleted chat; and since 0.2.0
// threads, edits, deletes, reactions, pins, mentions, read markers, notification levels, a push
// subscription, a role change, a deactivation, a bot on the Slack API and Socket Mode, an incoming
// webhook, a Slack import and searches), stops it gracefully, and writes the database (SQLite:
// the file, checkpointed; PostgreSQL: a plain SQL dump of an empty database it creates beside the
// one named), the files directory, the imported export, and manifest.json: what the release
// served, for the test to compare with what the new release serves.
//
// Releasing version X: with X's code checked out, run it with <outdir> test/fixtures/upgrade/X,
// once plain and once with --database, and commit both directories with the release. (A release
// whose code predates this script gets the script copied in; if its API differs, the script
// is adapted in that copy.) The test runs over every fixture directory it finds; a fixture is
// never regenerated afterwards, as it stands for what that release wrote. See docs/releases.md.
import { Database } from "bun:sqlite";
import { createECDH, createHash, randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { strToU8, zipSync } from "fflate";
import postgres from "postgres";
import packageJson from "../package.json" with { type: "json" };

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: { database: { type: "string" }, version: { type: "string" } },
  allowPositionals: true,
});
const [outArg] = positionals;
if (!outArg || positionals.length > 1) {
  console.error("usage: bun scripts/make-upgrade-fixture.ts <outdir> [--database postgres://…]");
  process.exit(2);
}
const store = values.database ? "postgres" : "sqlite";
// The commit the fixture was made from, and whether the worktree had changes beside it (the
// fixtures themselves aside: the other store's may have just been written).
const git = (...args: string[]) =>
  Bun.spawnSync(["git", ...args], { cwd: import.meta.dir })
    .stdout.toString()
    .trim();
const gitHead =
  git("rev-parse", "HEAD") +
  (git("status", "--porcelain", "--", ":/", ":(top,exclude)test/fixtures/upgrade")
    ? " (with changes)"
    : "");
const outdir = resolve(outArg, store);
const repo = resolve(import.meta.dir, "..");
const work = mkdtempSync(join(tmpdir(), "upgrade-fixture-"));

/** A fresh PostgreSQL database next to the one named, so nothing else is in the dump. */
async function freshPostgres(adminUrl: string): Promise<string> {
  const name = `upgrade_fixture_${process.pid}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

const databaseUrl = values.database
  ? await freshPostgres(values.database)
  : `sqlite://${work}/chat.db`;

// ---- the server of this checkout, from source ----

// The server serves the web app from web/dist, which a fresh checkout has yet to build.
const web = Bun.spawnSync([process.execPath, join(repo, "scripts/build-web.ts")], { cwd: repo });
if (web.exitCode !== 0) throw new Error(`building the web app failed: ${web.stderr}`);

const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
const port = probe.port as number;
await probe.stop(true);
const base = `http://127.0.0.1:${port}`;
writeFileSync(
  join(work, "app.yml"),
  `server:\n  host: 127.0.0.1\n  port: ${port}\ndatabase:\n  url: ${databaseUrl}\nfiles:\n  dir: ${work}/files\n`,
);
const server = Bun.spawn([process.execPath, join(repo, "src/main.ts")], {
  cwd: work,
  env: { ...process.env, CHAT_CONFIG: join(work, "app.yml") },
  stdout: "ignore",
  stderr: "inherit",
});
// A failing step leaves no server behind (it would hold this script's stderr open).
process.on("exit", () => server.kill("SIGKILL"));
for (let tries = 0; ; tries++) {
  if (server.exitCode !== null) throw new Error(`the server exited ${server.exitCode}`);
  if (
    await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    )
  )
    break;
  if (tries > 600) throw new Error("the server did not answer /healthz within 15 s");
  await Bun.sleep(25);
}

// ---- a client ----

async function api(token: string | undefined, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

type Frame = {
  type: string;
  id?: number;
  chatId?: number;
  lastEventId?: number;
  clientId?: string;
  data?: unknown;
};

/** A WebSocket that keeps every frame it gets, in order. */
async function connect(token: string, since?: number) {
  const url = new URL("/api/ws", base.replace(/^http/, "ws"));
  if (since !== undefined) url.searchParams.set("since", String(since));
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  const frames: Frame[] = [];
  socket.addEventListener("message", (event) => frames.push(JSON.parse(String(event.data))));
  await new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve);
    socket.addEventListener("error", () => reject(new Error("the WebSocket did not open")));
  });
  /** Waits for a frame that matches, however many come before it. */
  const until = async (match: (frame: Frame) => boolean): Promise<Frame> => {
    for (let waited = 0; waited < 5000; waited += 10) {
      const found = frames.find(match);
      if (found) return found;
      await Bun.sleep(10);
    }
    throw new Error(`no such frame; had ${JSON.stringify(frames)}`);
  };
  return { socket, frames, until, events: () => frames.filter((f) => typeof f.id === "number") };
}

type Session = { token: string; user: { id: number; workspaceId: number } };
const users: Record<string, Session & { email: string; password: string; fullname: string }> = {};

async function signup(fullname: string, workspace: string, invite?: string) {
  const key = fullname.toLowerCase();
  const email = `${key}@${workspace}.test`;
  const password = `${key}-password-ü`;
  const session = await api(undefined, "POST", "/api/signup", {
    fullname,
    email,
    password,
    workspace,
    ...(invite && { invite }),
  });
  users[key] = { ...session, email, password, fullname };
  return session as Session;
}

/** The id of the newest event: what a client connecting now is complete from. */
async function latestEventId(): Promise<number> {
  const client = await connect(users.alice?.token as string);
  const ready = await client.until((frame) => frame.type === "ready");
  client.socket.close();
  return ready.lastEventId as number;
}

// ---- the story ----

const alice = await signup("Alice", "acme");
const { code } = await api(alice.token, "POST", "/api/invites", {});
const bob = await signup("Bob", "acme", code);
const carol = await signup("Carol", "acme", code);
const mallory = await signup("Mallory", "globex");
const person = { alice, bob, carol, mallory };

// Everyone is live from here on: what they are sent live is what a replay must give them. (Signing
// up already wrote events, since 0.2.0: those a replay from before it gives are checked by id.)
const live = Object.fromEntries(
  await Promise.all(
    Object.entries(person).map(async ([name, s]) => [name, await connect(s.token)] as const),
  ),
);
for (const client of Object.values(live)) await client.until((f) => f.type === "ready");
const checkpoints: { label: string; since: number }[] = [
  { label: "before anything happened", since: 0 },
];

const chat = {
  single: await api(alice.token, "POST", "/api/chat", { members: [bob.user.id] }),
  group: await api(alice.token, "POST", "/api/chat", {
    type: "group",
    members: [bob.user.id, carol.user.id],
  }),
  privateChannel: await api(alice.token, "POST", "/api/chat", {
    type: "private_channel",
    name: "plans",
    members: [bob.user.id, carol.user.id],
  }),
  publicChannel: await api(alice.token, "POST", "/api/chat", {
    type: "public_channel",
    // Not "general": since 0.2.0 every workspace starts with a #general its people join.
    name: "lobby",
    members: [],
  }),
  deleted: await api(alice.token, "POST", "/api/chat", {
    type: "private_channel",
    name: "scratch",
    members: [bob.user.id],
  }),
  globex: await api(mallory.token, "POST", "/api/chat", {
    type: "public_channel",
    name: "globex-news",
    members: [],
  }),
};
checkpoints.push({ label: "after the chats were created", since: await latestEventId() });

async function upload(session: Session, name: string, type: string, bytes: Uint8Array) {
  const form = new FormData();
  form.append("files", new File([bytes], name, { type }));
  const response = await fetch(`${base}/api/upload`, {
    method: "POST",
    headers: { authorization: `Bearer ${session.token}` },
    body: form,
  });
  if (response.status !== 201) throw new Error(`upload ${name}: ${await response.text()}`);
  const [info] = (await response.json()) as {
    url: string;
    name: string;
    type: string;
    size: number;
  }[];
  return { ...info, sha256: createHash("sha256").update(bytes).digest("hex") };
}

// A 1×1 PNG, and a text with accents, CJK and an emoji, in the same bytes in both workspaces.
const png = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
const notes = new TextEncoder().encode("Naïve café notes — 会議メモ 🗒️\nline two\n");
const files = {
  image: await upload(alice, "pixel.png", "image/png", png),
  text: await upload(bob, "notes — ünïcode.txt", "text/plain", notes),
  globexText: await upload(mallory, "notes.txt", "text/plain", notes),
};

const send = (s: Session, chatId: number, body: Record<string, unknown>) =>
  api(s.token, "POST", `/api/chat/${chatId}`, body);

/** A send over the WebSocket, as the web app sends: answered by an ack. */
async function sendLive(
  name: keyof typeof person,
  chatId: number,
  content: string,
  clientId: string,
) {
  const client = live[name] as Awaited<ReturnType<typeof connect>>;
  client.socket.send(JSON.stringify({ type: "send", chatId, content, clientId }));
  return (await client.until((f) => f.type === "ack" && f.clientId === clientId)).data;
}

await sendLive("alice", chat.single.id, "hi Bob 👋", "alice-ws-1");
await send(bob, chat.single.id, { content: "Hi Alice! Ça va? 😀", clientId: "bob-http-1" });
await send(alice, chat.single.id, {
  content: "Here are the files",
  files: [files.image.url, files.text.url],
  clientId: "alice-files-1",
});
await send(bob, chat.single.id, { content: "", files: [files.text.url] });
await send(carol, chat.group.id, { content: "日本語のメッセージ 🍣 and עברית text" });
await sendLive("bob", chat.group.id, "multi\nline\n\ttabbed", "bob-ws-2");
checkpoints.push({ label: "in the middle of the messages", since: await latestEventId() });
await send(alice, chat.privateChannel.id, { content: "secret plans 🔒", clientId: "p-1" });
await send(carol, chat.privateChannel.id, { content: "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǵ̌o̟ combining marks" });
await send(alice, chat.publicChannel.id, { content: "welcome to #lobby" });
await send(alice, chat.deleted.id, { content: "this chat will be deleted" });
await send(mallory, chat.globex.id, { content: "globex only", files: [files.globexText.url] });

// Membership: a join, a leave, a removal, a rename, a deletion.
await api(bob.token, "POST", `/api/chat/${chat.publicChannel.id}/join`);
await api(carol.token, "POST", `/api/chat/${chat.publicChannel.id}/join`);
await send(bob, chat.publicChannel.id, { content: "bob joined and says hi" });
await api(carol.token, "POST", `/api/chat/${chat.publicChannel.id}/leave`);
await api(alice.token, "PATCH", `/api/chat/${chat.privateChannel.id}`, {
  members: [bob.user.id],
});
checkpoints.push({ label: "after the membership changes", since: await latestEventId() });
await api(alice.token, "PATCH", `/api/chat/${chat.publicChannel.id}`, { name: "town-square" });
await api(alice.token, "DELETE", `/api/chat/${chat.deleted.id}`);
// ---- contract v2: this wave's features, as clients use them ----
// Threads, edits, deletes, reactions, pins, mentions, read state, notification levels, a push
// subscription, roles and a deactivation, a bot with its tokens and a Socket Mode cursor, an
// incoming webhook, an import, and searches: what each served goes into the manifest's `v2`.

/** A request whose answer is not our JSON envelope (a webhook's plain "ok"), or whose status matters. */
async function raw(token: string | undefined, method: string, path: string, body?: unknown) {
  const response = await fetch(path.startsWith("http") ? path : `${base}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

/** A Slack Web API call; its answers are HTTP 200 with ok true or false. */
async function slack(token: string, method: string, args: Record<string, unknown> = {}) {
  const answer = await api(token, "POST", `/api/slack/${method}`, args);
  if (!answer.ok) throw new Error(`${method}: ${JSON.stringify(answer)}`);
  return answer;
}

const reply = (s: Session, chatId: number, threadId: number, content: string, clientId?: string) =>
  send(s, chatId, { content, threadId, ...(clientId && { clientId }) });
const messagePath = (chatId: number, id: number) => `/api/chat/${chatId}/messages/${id}`;
const react = (s: Session, chatId: number, id: number, emoji: string, method = "PUT") =>
  api(s.token, method, `${messagePath(chatId, id)}/reactions/${encodeURIComponent(emoji)}`);
const pin = (s: Session, chatId: number, id: number, method = "PUT") =>
  api(s.token, method, `/api/chat/${chatId}/pins/${id}`);

// People: a fifth person who is deactivated, bob made an admin, invites kept to admins.
const { code: daveCode } = await api(alice.token, "POST", "/api/invites", { maxUses: 5 });
const dave = await signup("Dave", "acme", daveCode);
const daveLogin = users.dave as (typeof users)[string];
// Nobody signs in as dave after his deactivation: he is not one of the manifest's users.
delete users.dave;
await api(dave.token, "POST", `/api/chat/${chat.publicChannel.id}/join`);
const fromDave = await send(dave, chat.publicChannel.id, { content: "dave was here" });
await api(alice.token, "PATCH", `/api/users/${bob.user.id}`, { role: "admin" });
await api(alice.token, "PATCH", `/api/users/${dave.user.id}`, { deactivated: true });
await api(alice.token, "PATCH", "/api/workspace", { settings: { invites: "admins" } });
await api(carol.token, "PATCH", "/api/me", {
  title: "Chief Planner",
  timezone: "Asia/Tokyo",
  status: { text: "planning", emoji: "calendar", until: null },
});

// A thread in the group: a root with replies over HTTP and the socket, one mentioning alice.
const offsite = await send(alice, chat.group.id, { content: "Plans for the offsite 🏕️" });
const mountains = await reply(bob, chat.group.id, offsite.id, `Mountains, <@${alice.user.id}>?`);
const carolSocket = live.carol as Awaited<ReturnType<typeof connect>>;
carolSocket.socket.send(
  JSON.stringify({
    type: "send",
    chatId: chat.group.id,
    content: "Lake, please",
    threadId: offsite.id,
    clientId: "carol-thread-1",
  }),
);
const lake = (await carolSocket.until((f) => f.type === "ack" && f.clientId === "carol-thread-1"))
  .data as { id: number };
const noted = await reply(alice, chat.group.id, offsite.id, "Noted: lake it is", "alice-reply-1");

// A root deleted after its reply: a tombstone the thread still hangs from.
const doomedRoot = await send(bob, chat.group.id, { content: "This root will be deleted" });
const orphan = await reply(carol, chat.group.id, doomedRoot.id, "A reply that outlives its root");
await api(bob.token, "DELETE", messagePath(chat.group.id, doomedRoot.id));
// A plain message deleted by its sender, and one deleted by an admin (bob, now).
const oops = await send(carol, chat.group.id, { content: "oops, wrong chat" });
await api(carol.token, "DELETE", messagePath(chat.group.id, oops.id));
await api(bob.token, "DELETE", messagePath(chat.publicChannel.id, fromDave.id));

// An edit history of two replaced texts; the last edit adds a mention of carol.
const meeting = await send(alice, chat.group.id, { content: "Meeting at ten" });
await api(alice.token, "PATCH", messagePath(chat.group.id, meeting.id), {
  content: "Meeting at eleven",
});
await api(alice.token, "PATCH", messagePath(chat.group.id, meeting.id), {
  content: `Meeting at half past eleven, <@${carol.user.id}>`,
});

// Reactions (one added and removed again, a skin tone, a custom name) and pins (one removed).
await react(bob, chat.group.id, offsite.id, "+1");
await react(carol, chat.group.id, offsite.id, "+1");
await react(carol, chat.group.id, offsite.id, "tada");
await react(alice, chat.group.id, offsite.id, "+1::skin-tone-3");
await react(bob, chat.group.id, offsite.id, "eyes");
await react(bob, chat.group.id, offsite.id, "eyes", "DELETE");
await react(alice, chat.group.id, lake.id, "party_parrot");
await pin(alice, chat.group.id, offsite.id);
await pin(bob, chat.group.id, meeting.id);
await pin(carol, chat.group.id, noted.id);
await pin(carol, chat.group.id, noted.id, "DELETE");
await pin(carol, chat.group.id, lake.id);

// Mentions of everyone, and read state: markers moved by some, a notification level set.
const heads = await send(alice, chat.privateChannel.id, {
  content: "<!channel> heads up: the deadline moved",
});
await send(alice, chat.single.id, { content: `<@${bob.user.id}> see the plans channel` });
await send(alice, chat.single.id, { content: "and the group" });
await api(bob.token, "POST", `/api/chat/${chat.group.id}/read`, { messageId: offsite.id });
await api(carol.token, "POST", `/api/chat/${chat.group.id}/read`, { messageId: lake.id });
await api(bob.token, "POST", `/api/chat/${chat.privateChannel.id}/read`, { messageId: heads.id });
await api(carol.token, "PUT", `/api/chat/${chat.group.id}/notify`, { level: "mentions" });
await api(bob.token, "PUT", `/api/chat/${chat.publicChannel.id}/notify`, { level: "all" });
await api(alice.token, "PUT", `/api/chat/${chat.single.id}/notify`, { level: "none" });

// A push subscription (its service never called: mallory is connected all along).
const browserKey = createECDH("prime256v1");
browserKey.generateKeys();
const pushSubscription = {
  endpoint: "https://push.invalid/send/mallory-1",
  keys: {
    p256dh: browserKey.getPublicKey().toString("base64url"),
    auth: randomBytes(16).toString("base64url"),
  },
};
await api(mallory.token, "POST", "/api/push/subscriptions", pushSubscription);

// A bot in #town-square: it posts through the Slack Web API, and its app hears over Socket Mode.
const bot = (await api(alice.token, "POST", "/api/bots", { name: "Deploy Bot" })) as {
  user: { id: number };
  token: string;
  appToken: string;
};
await api(bot.token, "POST", `/api/chat/${chat.publicChannel.id}/join`);
const slackChannel = `C${chat.publicChannel.id}`;
await slack(bot.token, "chat.postMessage", {
  channel: slackChannel,
  text: `*Deployed* build 42 for <@U${alice.user.id}>`,
});
const opened = await slack(bot.appToken, "apps.connections.open");
const appSocket = new WebSocket(opened.url as string);
type AppFrame = {
  type: string;
  envelope_id?: string;
  payload?: { event?: { type: string; text: string } };
};
const appFrames: AppFrame[] = [];
appSocket.addEventListener("message", (event) => appFrames.push(JSON.parse(String(event.data))));
const appFrame = async (match: (frame: (typeof appFrames)[number]) => boolean) => {
  for (let waited = 0; waited < 5000; waited += 10) {
    const found = appFrames.find(match);
    if (found) return found;
    await Bun.sleep(10);
  }
  throw new Error(`no such Socket Mode frame; had ${JSON.stringify(appFrames)}`);
};
await appFrame((f) => f.type === "hello");
const heardText = `<@${bot.user.id}> deploy the lake plan`;
await send(alice, chat.publicChannel.id, { content: heardText });
// Its message and its app_mention, each acknowledged: the app's cursor moves past them.
for (const type of ["message", "app_mention"]) {
  const envelope = await appFrame(
    (f) => f.type === "events_api" && f.payload?.event?.type === type,
  );
  appSocket.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: {} }));
}
const heard = appFrames
  .filter((f) => f.type === "events_api")
  .map((f) => ({ type: f.payload?.event?.type as string, text: f.payload?.event?.text as string }));
await Bun.sleep(100);
appSocket.close();

// An incoming webhook in #town-square, and a post through it in Slack's words.
const webhook = (await api(alice.token, "POST", `/api/chat/${chat.publicChannel.id}/webhooks`, {
  name: "CI",
})) as { id: number; name: string; chatId: number; url: string };
const hooked = await raw(undefined, "POST", webhook.url, {
  text: "Build *passed* on <https://ci.example.com/42|main> :tada:",
});
if (hooked.status !== 200 || hooked.text !== "ok") throw new Error(`webhook: ${hooked.text}`);

// A small Slack export imported into acme: alice by her email, a new person, a thread, an edit.
const exportZip = zipSync({
  "users.json": strToU8(
    JSON.stringify([
      {
        id: "U0ALICE",
        name: "alice",
        real_name: "Alice",
        profile: { real_name: "Alice", email: users.alice?.email },
      },
      {
        id: "U0ERIN",
        name: "erin",
        real_name: "Erin Example",
        profile: { real_name: "Erin Example", email: "erin@import.test" },
      },
    ]),
  ),
  "channels.json": strToU8(
    JSON.stringify([
      {
        id: "C0NEWS",
        name: "slack-news",
        created: 1705309200,
        creator: "U0ALICE",
        members: ["U0ALICE", "U0ERIN"],
      },
    ]),
  ),
  "groups.json": strToU8("[]"),
  "dms.json": strToU8("[]"),
  "mpims.json": strToU8("[]"),
  "slack-news/2024-01-15.json": strToU8(
    JSON.stringify([
      {
        type: "message",
        user: "U0ERIN",
        text: "Hello from *Slack*, <@U0ALICE>",
        ts: "1705309260.000100",
        reactions: [{ name: "wave", users: ["U0ALICE"], count: 1 }],
      },
      {
        type: "message",
        user: "U0ALICE",
        text: "A thread from Slack",
        ts: "1705309320.000200",
        thread_ts: "1705309320.000200",
        reply_count: 1,
        replies: [{ user: "U0ERIN", ts: "1705309380.000300" }],
      },
      {
        type: "message",
        user: "U0ERIN",
        text: "Replied in Slack",
        ts: "1705309380.000300",
        thread_ts: "1705309320.000200",
        parent_user_id: "U0ALICE",
      },
      {
        type: "message",
        user: "U0ALICE",
        text: "Edited in Slack",
        ts: "1705309440.000400",
        edited: { user: "U0ALICE", ts: "1705309500.000000" },
      },
    ]),
  ),
});
const importForm = new FormData();
importForm.append("files", new File([exportZip], "slack-export.zip", { type: "application/zip" }));
const importStarted = await fetch(`${base}/api/admin/import`, {
  method: "POST",
  headers: { authorization: `Bearer ${alice.token}` },
  body: importForm,
});
if (importStarted.status !== 202) throw new Error(`import: ${await importStarted.text()}`);
let importJob = (await importStarted.json()) as { id: number; status: string; report: unknown };
for (let tries = 0; importJob.status === "running"; tries++) {
  if (tries > 500) throw new Error("the import did not finish within 10 s");
  await Bun.sleep(20);
  importJob = await api(alice.token, "GET", `/api/admin/import/${importJob.id}`);
}
if (importJob.status !== "done") throw new Error(`import: ${JSON.stringify(importJob)}`);

await send(bob, chat.publicChannel.id, { content: "the last message", clientId: "bob-last" });
const lastEventId = await latestEventId();
checkpoints.push({ label: "at the end", since: lastEventId });

// ---- what the release serves, recorded ----

const summary = (frame: Frame) => ({ id: frame.id, type: frame.type, chatId: frame.chatId });

for (const [name, client] of Object.entries(live)) {
  // Each saw its own last event; the last one is bob's message in #town-square, seen by alice and bob.
  if (name === "alice" || name === "bob") await client.until((f) => f.id === lastEventId);
}
await Bun.sleep(200);

/**
 * A replayed event is the one sent live, except that a deleted message's past events carry its
 * tombstone instead of what it said (since 0.2.0).
 */
function sameAsLive(sent: Frame, replayed: Frame | undefined): boolean {
  if (JSON.stringify(sent) === JSON.stringify(replayed)) return true;
  const was = sent.data as { id?: number } | undefined;
  const now = replayed?.data as { id?: number; deleted?: boolean } | undefined;
  return (
    replayed !== undefined &&
    sent.type.startsWith("message.") &&
    `${sent.id} ${sent.type} ${sent.chatId} ${was?.id}` ===
      `${replayed.id} ${replayed.type} ${replayed.chatId} ${now?.id}` &&
    now?.deleted === true
  );
}

const served: Record<string, unknown> = {};
for (const [name, s] of Object.entries(person)) {
  const chats = await api(s.token, "GET", "/api/chat");
  const messages: Record<number, unknown> = {};
  for (const c of chats) {
    messages[c.id] = await api(s.token, "GET", `/api/chat/${c.id}/messages?limit=100`);
  }
  const liveClient = live[name] as Awaited<ReturnType<typeof connect>>;
  const liveEvents = liveClient.events();
  const liveFrom = liveClient.frames.find((f) => f.type === "ready")?.lastEventId as number;
  // A replay from each checkpoint, checked against what was sent live, then kept as served.
  const resumed: Record<number, ReturnType<typeof summary>[]> = {};
  let fromStart: Frame[] = [];
  for (const { since } of checkpoints) {
    const expected = liveEvents.filter((event) => (event.id as number) > since);
    const client = await connect(s.token, since);
    const ready = await client.until((f) => f.type === "ready");
    if (ready.lastEventId !== since) throw new Error(`${name} since=${since}: ${ready}`);
    if (expected.length > 0) await client.until((f) => f.id === expected.at(-1)?.id);
    await Bun.sleep(100);
    client.socket.close();
    const replay = client.events();
    const before = replay.filter((event) => (event.id as number) <= liveFrom);
    const after = replay.filter((event) => (event.id as number) > liveFrom);
    if (after.length !== expected.length || expected.some((e, i) => !sameAsLive(e, after[i]))) {
      const at = expected.findIndex((e, i) => !sameAsLive(e, after[i]));
      throw new Error(
        `${name} since=${since}: the replay differs from what was sent live at event ${at}: sent ${JSON.stringify(expected[at])}, replayed ${JSON.stringify(after[at])}`,
      );
    }
    const ids = before.map((event) => event.id as number);
    if (ids.some((id, i) => id <= since || (i > 0 && id <= (ids[i - 1] as number)))) {
      throw new Error(`${name} since=${since}: events from before going live out of order`);
    }
    if (client.frames.some((f) => f.type === "reset")) throw new Error(`reset for ${since}`);
    resumed[since] = replay.map(summary);
    if (since === 0) fromStart = replay;
  }
  served[name] = {
    me: await api(s.token, "GET", "/api/me"),
    users: await api(s.token, "GET", "/api/users"),
    chats,
    messages,
    // Whole events as since=0 gave them: those sent live, after the ones signing up wrote.
    events: fromStart,
    resumed,
  };
}
// What this release served for contract v2's features, for the test to compare with.
const sessionOf = { alice, bob, carol, mallory };
const as = (name: keyof typeof sessionOf, path: string) =>
  api(sessionOf[name].token, "GET", path).then((body) => ({ as: name, path, body }));
const queries: { as: keyof typeof sessionOf; q: string }[] = [
  { as: "alice", q: "offsite" },
  { as: "carol", q: "eleven" },
  // The replaced texts of an edit and deleted messages are found by nothing.
  { as: "carol", q: "Meeting ten" },
  { as: "bob", q: '"wrong chat"' },
  { as: "bob", q: "root deleted" },
  { as: "carol", q: "outlives" },
  { as: "alice", q: "lake -mountains" },
  { as: "alice", q: "deployed" },
  { as: "alice", q: "passed" },
  { as: "alice", q: "slack" },
  { as: "carol", q: "日本語" },
  { as: "mallory", q: "offsite" },
];
const search = [];
for (const { as: name, q } of queries) {
  const answer = await api(
    sessionOf[name].token,
    "GET",
    `/api/search?limit=100&q=${encodeURIComponent(q)}`,
  );
  search.push({
    as: name,
    q,
    ids: answer.results.map((r: { message: { id: number } }) => r.message.id),
    results: answer.results,
  });
}
const states: Record<string, Record<number, unknown>> = {};
for (const [name, s] of Object.entries(sessionOf)) {
  states[name] = {};
  for (const c of await api(s.token, "GET", "/api/chat")) {
    (states[name] as Record<number, unknown>)[c.id] = c.state;
  }
}
const importedChat = (await api(alice.token, "GET", "/api/chat")).find(
  (c: { name: string }) => c.name === "slack-news",
) as { id: number };
const importedRoot = (
  await api(alice.token, "GET", `/api/chat/${importedChat.id}/messages?limit=100`)
).find((m: { replyCount: number }) => m.replyCount > 0) as { id: number };
const g = chat.group.id;
const v2 = {
  threads: [
    await as("alice", `/api/chat/${g}/messages?thread=${offsite.id}&limit=100`),
    await as("carol", `/api/chat/${g}/messages?thread=${doomedRoot.id}&limit=100`),
    await as("alice", `/api/chat/${importedChat.id}/messages?thread=${importedRoot.id}&limit=100`),
  ],
  messages: [
    await as("alice", messagePath(g, offsite.id)),
    await as("bob", messagePath(g, mountains.id)),
    await as("carol", messagePath(g, lake.id)),
    await as("carol", messagePath(g, noted.id)),
    await as("bob", messagePath(g, doomedRoot.id)),
    await as("bob", messagePath(g, orphan.id)),
    await as("carol", messagePath(g, oops.id)),
    await as("carol", messagePath(g, meeting.id)),
    await as("alice", messagePath(chat.publicChannel.id, fromDave.id)),
    await as("bob", messagePath(chat.privateChannel.id, heads.id)),
  ],
  edits: [
    await as("carol", `${messagePath(g, meeting.id)}/edits`),
    await as("carol", `${messagePath(g, offsite.id)}/edits`),
    await as("carol", `${messagePath(g, oops.id)}/edits`),
  ],
  pins: [
    await as("bob", `/api/chat/${g}/pins`),
    await as("alice", `/api/chat/${chat.publicChannel.id}/pins`),
  ],
  states,
  search,
  people: {
    workspace: await as("alice", "/api/workspace"),
    audit: await as("alice", "/api/audit?limit=100"),
    deactivated: {
      id: dave.user.id,
      email: daveLogin.email,
      password: daveLogin.password,
      signinStatus: (
        await raw(undefined, "POST", "/api/signin", {
          email: daveLogin.email,
          password: daveLogin.password,
        })
      ).status,
      oldTokenStatus: (await raw(dave.token, "GET", "/api/me")).status,
      oldToken: dave.token,
    },
  },
  push: {
    as: "mallory",
    key: await as("mallory", "/api/push/key"),
    subscription: pushSubscription,
  },
  bot: {
    id: bot.user.id,
    token: bot.token,
    appToken: bot.appToken,
    chatId: chat.publicChannel.id,
    me: await api(bot.token, "GET", "/api/me"),
    authTest: await slack(bot.token, "auth.test"),
    history: await slack(bot.token, "conversations.history", { channel: slackChannel, limit: 100 }),
    heard,
    bots: await as("alice", "/api/bots"),
  },
  webhook: {
    id: webhook.id,
    name: webhook.name,
    chatId: webhook.chatId,
    // The origin is this run's; the test posts to the same path on the new server.
    path: new URL(webhook.url).pathname,
    list: await as("alice", `/api/chat/${webhook.chatId}/webhooks`),
  },
  import: {
    zip: "slack-export.zip",
    as: "alice",
    chatId: importedChat.id,
    job: importJob,
  },
};
const deletedChatStatus = (
  await fetch(`${base}/api/chat/${chat.deleted.id}`, {
    headers: { authorization: `Bearer ${alice.token}` },
  })
).status;
for (const client of Object.values(live)) client.socket.close();

server.kill("SIGTERM");
if ((await server.exited) !== 0) throw new Error(`the server stopped with ${server.exitCode}`);

// ---- the data, written ----

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
cpSync(join(work, "files"), join(outdir, "files"), { recursive: true });
// The export as it was imported: the test imports it again, which must add nothing.
writeFileSync(join(outdir, v2.import.zip), exportZip);
let migrations: string[];
let rows: Record<string, number>;
if (store === "sqlite") {
  const db = new Database(join(work, "chat.db"));
  db.run("pragma wal_checkpoint(TRUNCATE)");
  // A committed file that stands alone: no -wal or -shm needed beside it to read it.
  db.run("pragma journal_mode = DELETE");
  migrations = db
    .query<{ tag: string }, []>("select tag from schema_migrations order by tag")
    .all()
    .map((row) => row.tag);
  const tables = db
    .query<{ name: string }, []>(
      "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name",
    )
    .all();
  rows = Object.fromEntries(
    tables.map(({ name }) => [
      name,
      (db.query(`select count(*) as n from "${name}"`).get() as { n: number }).n,
    ]),
  );
  db.close();
  cpSync(join(work, "chat.db"), join(outdir, "chat.db"));
} else {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  migrations = (await sql`select tag from schema_migrations order by tag`).map((r) => r.tag);
  const tables = await sql`select tablename from pg_tables where schemaname = 'public' order by 1`;
  rows = {};
  for (const { tablename } of tables) {
    rows[tablename] = Number((await sql.unsafe(`select count(*) as n from "${tablename}"`))[0]?.n);
  }
  await sql.end();
  // INSERTs rather than COPY: the test restores it through the driver, without psql.
  const dump = Bun.spawnSync(
    ["pg_dump", "--inserts", "--no-owner", "--no-privileges", "--dbname", databaseUrl],
    { stderr: "inherit" },
  );
  if (dump.exitCode !== 0) throw new Error("pg_dump failed");
  writeFileSync(join(outdir, "dump.sql"), dump.stdout);
  const admin = postgres(values.database as string, { max: 1, onnotice: () => {} });
  await admin.unsafe(
    `drop database if exists ${new URL(databaseUrl).pathname.slice(1)} with (force)`,
  );
  await admin.end();
}

/**
 * JSON as JSON.stringify(value, null, 1) writes it, except that what fits on a line of 100
 * characters stays on one: the manifest stays readable at half the size.
 */
function formatJson(value: unknown, pad = ""): string {
  const flat = JSON.stringify(value);
  if (value === null || typeof value !== "object" || pad.length + flat.length <= 100) return flat;
  const inner = `${pad} `;
  const items = Array.isArray(value)
    ? value.map((item) => `${inner}${formatJson(item, inner)}`)
    : Object.entries(value).map(
        ([key, item]) => `${inner}${JSON.stringify(key)}: ${formatJson(item, inner)}`,
      );
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  return items.length === 0 ? flat : `${open}\n${items.join(",\n")}\n${pad}${close}`;
}

const manifest = {
  version: values.version ?? packageJson.version,
  commit: gitHead,
  store,
  madeAt: new Date().toISOString(),
  users: Object.fromEntries(
    Object.entries(users).map(([name, u]) => [
      name,
      { id: u.user.id, workspaceId: u.user.workspaceId, email: u.email, password: u.password },
    ]),
  ),
  chats: Object.fromEntries(Object.entries(chat).map(([key, c]) => [key, c.id])),
  deletedChat: { id: chat.deleted.id, status: deletedChatStatus },
  files: Object.values(files).map((f) => ({
    url: f.url,
    name: f.name,
    type: f.type,
    size: f.size,
    sha256: f.sha256,
  })),
  events: { lastEventId, checkpoints },
  migrations,
  rows,
  served,
  v2,
};
writeFileSync(join(outdir, "manifest.json"), `${formatJson(manifest)}\n`);
rmSync(work, { recursive: true, force: true });
console.log(`wrote ${outdir}`);
process.exit(0);
