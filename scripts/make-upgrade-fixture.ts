// Makes the upgrade fixture of the release checked out here: the data that release writes, for
// test/e2e/upgrade.test.ts to start every later release on.
//
//   git worktree add /tmp/r v0.1.0 && cd /tmp/r
//   bun scripts/make-upgrade-fixture.ts <outdir>                          # → <outdir>/sqlite/
//   bun scripts/make-upgrade-fixture.ts <outdir> --database postgres://…  # → <outdir>/postgres/
//
// It starts that release's server from source on a fresh database, uses it through the HTTP API
// and WebSocket as clients would (two workspaces, every chat type, messages with client ids,
// unicode and files, a join, a leave, a removal, a rename, a deleted chat), stops it gracefully,
// and writes the database (SQLite: the file, checkpointed; PostgreSQL: a plain SQL dump of an
// empty database it creates beside the one named), the files directory, and manifest.json: what
// the release served, for the test to compare with what the new release serves.
//
// Releasing version X: with X's code checked out, run it with <outdir> test/fixtures/upgrade/X,
// once plain and once with --database, and commit both directories with the release. (A release
// whose code predates this script gets the script copied in; if its API differs, the script
// is adapted in that copy.) The test runs over every fixture directory it finds; a fixture is
// never regenerated afterwards, as it stands for what that release wrote. See docs/releases.md.
import { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import packageJson from "../package.json" with { type: "json" };

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: { database: { type: "string" } },
  allowPositionals: true,
});
const [outArg] = positionals;
if (!outArg || positionals.length > 1) {
  console.error("usage: bun scripts/make-upgrade-fixture.ts <outdir> [--database postgres://…]");
  process.exit(2);
}
const store = values.database ? "postgres" : "sqlite";
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

// Everyone is live from before the first event: what they are sent live is what a replay from
// since=0 must give them.
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
    name: "general",
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
await send(alice, chat.publicChannel.id, { content: "welcome to #general" });
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

const served: Record<string, unknown> = {};
for (const [name, s] of Object.entries(person)) {
  const chats = await api(s.token, "GET", "/api/chat");
  const messages: Record<number, unknown> = {};
  for (const c of chats) {
    messages[c.id] = await api(s.token, "GET", `/api/chat/${c.id}/messages?limit=100`);
  }
  const liveEvents = (live[name] as Awaited<ReturnType<typeof connect>>).events();
  // A replay from each checkpoint, checked against what was sent live, then kept as served.
  const resumed: Record<number, ReturnType<typeof summary>[]> = {};
  for (const { since } of checkpoints) {
    const expected = liveEvents.filter((event) => (event.id as number) > since);
    const client = await connect(s.token, since);
    const ready = await client.until((f) => f.type === "ready");
    if (ready.lastEventId !== since) throw new Error(`${name} since=${since}: ${ready}`);
    if (expected.length > 0) await client.until((f) => f.id === expected.at(-1)?.id);
    await Bun.sleep(100);
    client.socket.close();
    const replay = client.events();
    if (JSON.stringify(replay) !== JSON.stringify(expected)) {
      throw new Error(`${name} since=${since}: the replay differs from what was sent live`);
    }
    if (client.frames.some((f) => f.type === "reset")) throw new Error(`reset for ${since}`);
    resumed[since] = replay.map(summary);
  }
  served[name] = {
    me: await api(s.token, "GET", "/api/me"),
    users: await api(s.token, "GET", "/api/users"),
    chats,
    messages,
    events: liveEvents,
    resumed,
  };
}
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

const manifest = {
  version: packageJson.version,
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
};
writeFileSync(join(outdir, "manifest.json"), `${JSON.stringify(manifest, null, 1)}\n`);
rmSync(work, { recursive: true, force: true });
console.log(`wrote ${outdir}`);
process.exit(0);
