// Retention (contract v2, § People and administration): with `settings.retentionDays` set, older
// messages are removed for good by the hourly job, in batches, with no event; a root with
// replies still kept stays as a tombstone.
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { removeExpiredMessages } from "../../src/features/messages/retention.ts";
import { startTestApp } from "../support/app.ts";
import { type Person, people } from "../support/fixtures.ts";
import { openWebSocket } from "../support/live.ts";
import { messageTraces } from "../support/message-traces.ts";

const app = await startTestApp();
const { alice, bob, mallory } = await people(app);
const day = 86_400_000;

const post = async (by: Person, path: string, body?: unknown, method = "POST") => {
  const reply = await app.request(method, path, { token: by.token, body });
  expect(reply.status).toBeLessThan(300);
  return reply.body;
};
const upload = async (by: Person, bytes: string, name: string) => {
  const body = new FormData();
  body.append("files", new Blob([bytes]), name);
  return (await app.request("POST", "/api/upload", { token: by.token, body })).body[0];
};
const stored = (): string[] =>
  readdirSync(app.files.root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(app.files.root, join(entry.parentPath, entry.name)));
const hash = (url: string) => (/([0-9a-f]{64})\./.exec(url) as RegExpExecArray)[1] as string;
/** Makes a message (and its events) as old as `days`. */
const age = async (id: number, days: number) => {
  const at = Date.now() - days * day;
  await app.sql("update messages set created_at = ? where id = ?", [at, id]);
};
/** What is left of message `id` anywhere in the database. */
const traces = async (id: number) => {
  const left: Record<string, unknown[]> = {};
  for (const trace of messageTraces) {
    const rows = await app.sql(
      `select * from ${trace.table} where ${trace.where}`,
      trace.params(id),
    );
    if (rows.length > 0) left[trace.table] = rows;
  }
  return left;
};
const sweep = () => removeExpiredMessages({ db: app.db, files: app.files });

await post(alice, "/api/workspace", { settings: { retentionDays: 30 } }, "PATCH");
const channel = await post(alice, "/api/chat", {
  type: "public_channel",
  name: "kept-short",
  members: [bob.user.id],
});
const path = `/api/chat/${channel.id}`;

describe("retention", () => {
  test("an old message goes for good with its edits, reactions, mentions, events and the file only it carried; a newer one stays", async () => {
    const secret = await upload(bob, `old secret ${crypto.randomUUID()}`, "old.txt");
    const shared = await upload(bob, `shared ${crypto.randomUUID()}`, "shared.txt");
    const old = await post(bob, path, {
      content: `the old words <@${alice.user.id}>`,
      files: [secret.url, shared.url],
    });
    await post(bob, `${path}/messages/${old.id}`, { content: "the old words, edited" }, "PATCH");
    await post(alice, `${path}/messages/${old.id}/reactions/eyes`, undefined, "PUT");
    await post(alice, `${path}/pins/${old.id}`, undefined, "PUT");
    const recent = await post(bob, path, { content: "recent", files: [shared.url] });
    await age(old.id, 31);
    await age(recent.id, 29);
    expect(stored().some((file) => file.endsWith(hash(secret.url)))).toBe(true);
    const socket = await openWebSocket(app.url, alice.token);
    await socket.take();

    await sweep();

    expect(await traces(old.id)).toEqual({});
    expect(await app.sql("select * from events where data like ?", ["%old words%"])).toEqual([]);
    expect(await app.sql("select * from uploads where name = ?", ["old.txt"])).toEqual([]);
    expect(await app.sql("select * from files where hash = ?", [hash(secret.url)])).toEqual([]);
    expect(await app.sql("select * from file_removals")).toEqual([]);
    expect(stored().some((file) => file.endsWith(hash(secret.url)))).toBe(false);
    expect((await app.request("GET", secret.url, { token: bob.token })).status).toBe(404);
    // The file the newer message carries stays, as does that message.
    expect((await app.request("GET", shared.url, { token: alice.token })).status).toBe(200);
    const history = (await app.request("GET", `${path}/messages`, { token: alice.token })).body;
    expect(history.map((message: { id: number }) => message.id)).toEqual([recent.id]);
    expect((await app.request("GET", `${path}/pins`, { token: alice.token })).body).toEqual([]);
    // No event is sent for what retention removes.
    await post(bob, path, { content: "after the sweep" });
    const next = await socket.take();
    expect(next.type).toBe("message.created");
    expect(next.data.content).toBe("after the sweep");
    socket.close();
  });

  test("an old root stays as a tombstone while a reply is kept, and goes with its last reply", async () => {
    const root = await post(bob, path, { content: "old root text" });
    const oldReply = await post(alice, path, { content: "old reply", threadId: root.id });
    const newReply = await post(alice, path, { content: "new reply", threadId: root.id });
    await age(root.id, 40);
    await age(oldReply.id, 35);
    await age(newReply.id, 1);

    await sweep();

    expect(await traces(oldReply.id)).toEqual({});
    const [tombstone] = await app.sql("select * from messages where id = ?", [root.id]);
    expect(tombstone).toMatchObject({ content: "", deleted: 1, reply_count: 1 });
    expect(await app.sql("select id from messages where id = ?", [oldReply.id])).toEqual([]);
    expect(await app.sql("select * from events where data like ?", ["%old root text%"])).toEqual(
      [],
    );
    const thread = await app.request("GET", `${path}/messages?thread=${root.id}`, {
      token: alice.token,
    });
    expect(thread.status).toBe(200);
    expect(thread.body.map((m: { id: number }) => m.id)).toEqual([newReply.id]);

    await age(newReply.id, 31);
    await sweep();
    expect(await traces(root.id)).toEqual({});
    expect(await traces(newReply.id)).toEqual({});
  });

  test("a sweep larger than one batch removes everything older, batch after batch", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 25; i++) ids.push((await post(bob, path, { content: `bulk ${i}` })).id);
    await app.sql("update messages set created_at = ? where content like 'bulk %'", [
      Date.now() - 60 * day,
    ]);
    const read = await removeExpiredMessages({ db: app.db, files: app.files }, { batch: 4 });
    expect(read).toBeGreaterThanOrEqual(25);
    expect(await app.sql("select id from messages where content like 'bulk %'")).toEqual([]);
    for (const id of ids) expect(await traces(id)).toEqual({});
  });

  test("a workspace without retention keeps its old messages; mallory's globex is not touched", async () => {
    const own = await post(mallory, "/api/chat", {
      type: "public_channel",
      name: "archive-forever",
      members: [],
    });
    const kept = await post(mallory, `/api/chat/${own.id}`, { content: "from long ago" });
    await age(kept.id, 3650);
    await sweep();
    const [row] = await app.sql("select content from messages where id = ?", [kept.id]);
    expect(row).toEqual({ content: "from long ago" });
  });
});
