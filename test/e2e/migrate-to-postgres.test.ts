// The way off SQLite: a server used on its embedded database, stopped, copied with
// `chat migrate-to-postgres`, and started again on PostgreSQL keeps everything clients hold:
// passwords, tokens (the secret is copied), chats, history, and the event ids they resume from.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { openWebSocket } from "../support/live.ts";
import { createDatabase } from "../support/postgres.ts";
import { postJson, signupPair, startServerProcess } from "../support/process.ts";

const main = join(import.meta.dir, "../../src/main.ts");
const database = await createDatabase();
afterAll(() => database.drop());

const get = (base: string, path: string, token: string) =>
  fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } }).then(
    async (response) => ({ status: response.status, body: (await response.json()) as any }),
  );

test("a SQLite installation copied to PostgreSQL serves the same data, tokens and event ids", async () => {
  const sqlite = await startServerProcess([process.execPath, main]);
  const { alice, bob } = await signupPair(sqlite.url);
  const chat = (await postJson(sqlite.url, "/api/chat", alice.token, { members: [bob.user.id] }))
    .body;
  for (let i = 0; i < 30; i++) {
    await postJson(sqlite.url, `/api/chat/${chat.id}`, i % 2 ? bob.token : alice.token, {
      content: `message ${i}`,
    });
  }
  // v2: a reply, an edit, a reaction and a mention come along too.
  const root = (await get(sqlite.url, `/api/chat/${chat.id}/messages?limit=1`, bob.token)).body[0];
  await postJson(sqlite.url, `/api/chat/${chat.id}`, alice.token, {
    content: `a reply to <@${bob.user.id}>`,
    threadId: root.id,
  });
  const edited = await fetch(`${sqlite.url}/api/chat/${chat.id}/messages/${root.id}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${bob.token}`, "content-type": "application/json" },
    body: JSON.stringify({ content: "edited before the copy" }),
  });
  expect(edited.status).toBe(200);
  await fetch(`${sqlite.url}/api/chat/${chat.id}/messages/${root.id}/reactions/tada`, {
    method: "PUT",
    headers: { authorization: `Bearer ${alice.token}` },
  });
  const thread = `/api/chat/${chat.id}/messages?thread=${root.id}`;
  const edits = `/api/chat/${chat.id}/messages/${root.id}/edits`;
  const threadBefore = await get(sqlite.url, thread, bob.token);
  const editsBefore = await get(sqlite.url, edits, bob.token);
  expect(editsBefore.body).toHaveLength(1);
  const bobSocket = await openWebSocket(sqlite.url, bob.token);
  const { lastEventId } = await bobSocket.take();
  await bobSocket.close();
  const historyBefore = await get(sqlite.url, `/api/chat/${chat.id}/messages?limit=100`, bob.token);
  const searches = ["message", "edited", '"message 7"', "mess -3"].map(
    (q) => `/api/search?limit=100&q=${encodeURIComponent(q)}`,
  );
  const searchesBefore = await Promise.all(
    searches.map((path) => get(sqlite.url, path, bob.token)),
  );
  const chatsBefore = await get(sqlite.url, "/api/chat", alice.token);
  sqlite.child.kill("SIGTERM");
  await sqlite.child.exited;

  // The same configuration file, so the command reads the same SQLite database.
  const env = { ...process.env, CHAT_CONFIG: join(sqlite.dir, "custom.yml") };
  const copy = Bun.spawnSync([process.execPath, main, "migrate-to-postgres", database.url], {
    cwd: sqlite.dir,
    env,
  });
  expect(copy.stderr.toString()).toBe("");
  expect(copy.exitCode).toBe(0);
  expect(copy.stdout.toString()).toContain("messages: 31 rows");
  expect(copy.stdout.toString()).toContain("message_mentions: 1 rows");

  // Copying twice would mix two histories: the second attempt is refused.
  const again = Bun.spawnSync([process.execPath, main, "migrate-to-postgres", database.url], {
    cwd: sqlite.dir,
    env,
  });
  expect(again.exitCode).toBe(1);
  expect(again.stderr.toString()).toContain("already holds users");

  const postgres = await startServerProcess([process.execPath, main], {
    yaml: (dir, port) =>
      `server:\n  host: 127.0.0.1\n  port: ${port}\ndatabase:\n  url: ${database.url}\nfiles:\n  dir: ${dir}/files\n`,
  });
  try {
    // The old tokens still work: the signing secret came along.
    expect(await get(postgres.url, "/api/chat", alice.token)).toEqual(chatsBefore);
    expect(await get(postgres.url, `/api/chat/${chat.id}/messages?limit=100`, bob.token)).toEqual(
      historyBefore,
    );
    expect(await get(postgres.url, thread, bob.token)).toEqual(threadBefore);
    // The search index is made anew on PostgreSQL and finds the same messages.
    expect(await Promise.all(searches.map((path) => get(postgres.url, path, bob.token)))).toEqual(
      searchesBefore,
    );
    expect(await get(postgres.url, edits, bob.token)).toEqual(editsBefore);
    const signin = await postJson(postgres.url, "/api/signin", undefined, {
      email: "bob@acme.test",
      password: "bob-password",
    });
    expect(signin.status).toBe(200);

    // A client resumes from the event id it held, and new ids continue after the copied ones.
    const resumed = await openWebSocket(postgres.url, bob.token, lastEventId);
    expect(await resumed.take()).toEqual({ type: "ready", lastEventId });
    const sent = await postJson(postgres.url, `/api/chat/${chat.id}`, alice.token, {
      content: "on PostgreSQL",
    });
    expect(sent.status).toBe(201);
    expect(sent.body.id).toBe(historyBefore.body[0].id + 2);
    const [event] = await resumed.takeUntil((frame) => frame.type === "message.created");
    expect(event).toMatchObject({ id: lastEventId + 1, data: { content: "on PostgreSQL" } });
    await resumed.close();
  } finally {
    postgres.child.kill("SIGKILL");
    await postgres.child.exited;
  }
});
