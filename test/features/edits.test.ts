// Editing and deleting (contract v2): who may, what an edit keeps, what a delete erases for good.
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { unsentUploadTtl } from "../../db/plan.ts";
import { removeFileBytes } from "../../src/features/files/service.ts";
import { startTestApp } from "../support/app.ts";
import { type Person, people } from "../support/fixtures.ts";
import { openWebSocket } from "../support/live.ts";

const app = await startTestApp();
const { alice, bob, mallory, carol } = (await people(app, ["Carol"])) as Awaited<
  ReturnType<typeof people>
> & { carol: Person };

const newChat = async (by: Person, body: Record<string, unknown>) =>
  (await app.request("POST", "/api/chat", { token: by.token, body })).body;
const send = async (by: Person, chatId: number, body: Record<string, unknown>) =>
  (await app.request("POST", `/api/chat/${chatId}`, { token: by.token, body })).body;
const edit = (by: Person, chatId: number, id: number, content: unknown) =>
  app.request("PATCH", `/api/chat/${chatId}/messages/${id}`, {
    token: by.token,
    body: { content },
  });
const remove = (by: Person, chatId: number, id: number) =>
  app.request("DELETE", `/api/chat/${chatId}/messages/${id}`, { token: by.token });
const get = (by: Person, path: string) => app.request("GET", path, { token: by.token });
const edits = (by: Person, chatId: number, id: number) =>
  get(by, `/api/chat/${chatId}/messages/${id}/edits`);
const upload = async (by: Person, bytes: string, name: string) => {
  const body = new FormData();
  body.append("files", new Blob([bytes]), name);
  return (await app.request("POST", "/api/upload", { token: by.token, body })).body[0];
};
const stored = (): string[] =>
  readdirSync(app.files.root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(app.files.root, join(entry.parentPath, entry.name)));

const direct = await newChat(alice, { members: [bob.user.id] });
// carol owns this channel; alice (the workspace's owner) and bob are members.
const channel = await newChat(carol, {
  type: "private_channel",
  name: "carols",
  members: [alice.user.id, bob.user.id],
});
const general = await newChat(alice, { type: "public_channel", name: "lounge", members: [] });

describe("editing", () => {
  test("the sender edits: editedAt set, the old text in the history, mentions recomputed, members told", async () => {
    const message = await send(bob, direct.id, { content: "hello <@999999>" });
    const socket = await openWebSocket(app.url, alice.token);
    await socket.take();
    const edited = await edit(bob, direct.id, message.id, `hi <@${alice.user.id}>`);
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      content: `hi <@${alice.user.id}>`,
      editedAt: expect.stringMatching(/Z$/),
      mentions: [alice.user.id],
    });
    expect(await socket.take()).toMatchObject({ type: "message.updated", data: edited.body });
    await edit(bob, direct.id, message.id, "third");
    const history = (await edits(alice, direct.id, message.id)).body;
    expect(history.map((e: { content: string }) => e.content)).toEqual([
      "hello <@999999>",
      `hi <@${alice.user.id}>`,
    ]);
    expect(history[0].replacedAt).toMatch(/Z$/);
    socket.close();
  });

  test("the same content answers 200 and records nothing", async () => {
    const message = await send(bob, direct.id, { content: "same" });
    const socket = await openWebSocket(app.url, alice.token);
    await socket.take();
    const again = await edit(bob, direct.id, message.id, "same");
    expect(again.status).toBe(200);
    expect(again.body.editedAt).toBeNull();
    expect((await socket.barrier()).filter((f) => f.type !== "presence")).toEqual([]);
    expect((await edits(bob, direct.id, message.id)).body).toEqual([]);
    socket.close();
  });

  test("anyone but the sender gets 403, the chat's owner and the workspace's owner included; outsiders 404", async () => {
    const message = await send(bob, channel.id, { content: "mine" });
    expect((await edit(carol, channel.id, message.id, "x")).status).toBe(403);
    expect((await edit(alice, channel.id, message.id, "x")).status).toBe(403);
    expect((await edit(mallory, channel.id, message.id, "x")).status).toBe(404);
    expect((await edit(bob, direct.id, message.id, "x")).status).toBe(404);
    expect((await edit(bob, channel.id, 987_654_321, "x")).status).toBe(404);
  });

  test("content rules are those of sending; a deleted message is 404", async () => {
    const message = await send(bob, direct.id, { content: "x" });
    expect((await edit(bob, direct.id, message.id, "")).status).toBe(422);
    expect((await edit(bob, direct.id, message.id, "y".repeat(8001))).status).toBe(422);
    expect((await edit(bob, direct.id, message.id, 5)).status).toBe(422);
    await remove(bob, direct.id, message.id);
    expect((await edit(bob, direct.id, message.id, "back")).status).toBe(404);
  });

  test("a sender who left a public channel may no longer edit or delete there: 403", async () => {
    await app.request("POST", `/api/chat/${general.id}/join`, { token: bob.token });
    const message = await send(bob, general.id, { content: "before leaving" });
    await app.request("POST", `/api/chat/${general.id}/leave`, { token: bob.token });
    expect((await edit(bob, general.id, message.id, "after")).status).toBe(403);
    expect((await remove(bob, general.id, message.id)).status).toBe(403);
  });
});

describe("deleting", () => {
  test("the sender, the channel's owner and the workspace's owner may delete; other members get 403", async () => {
    const a = await send(bob, channel.id, { content: "a" });
    const b = await send(bob, channel.id, { content: "b" });
    const c = await send(carol, channel.id, { content: "c" });
    expect((await remove(bob, channel.id, c.id)).status).toBe(403);
    expect((await remove(mallory, channel.id, a.id)).status).toBe(404);
    expect((await remove(carol, channel.id, a.id)).status).toBe(204);
    expect((await remove(alice, channel.id, b.id)).status).toBe(204);
    expect((await remove(carol, channel.id, c.id)).status).toBe(204);
    // Twice is 204 and changes nothing.
    expect((await remove(carol, channel.id, c.id)).status).toBe(204);
  });

  test("a chat's owner may delete others' messages in channels only", async () => {
    const group = await newChat(bob, { members: [alice.user.id, carol.user.id] });
    const message = await send(carol, group.id, { content: "in a group" });
    expect((await remove(bob, group.id, message.id)).status).toBe(403);
    // alice owns the workspace: she may.
    expect((await remove(alice, group.id, message.id)).status).toBe(204);
  });

  test("an admin may delete others' messages in any chat they can see; made a member again, no more", async () => {
    const group = await newChat(bob, { members: [alice.user.id, carol.user.id] });
    const first = await send(bob, group.id, { content: "first" });
    const second = await send(bob, group.id, { content: "second" });
    expect((await remove(carol, group.id, first.id)).status).toBe(403);
    const role = (value: string) =>
      app.request("PATCH", `/api/users/${carol.user.id}`, {
        token: alice.token,
        body: { role: value },
      });
    expect((await role("admin")).status).toBe(200);
    expect((await remove(carol, group.id, first.id)).status).toBe(204);
    // An admin sees no more than anyone: a chat they are not in stays hidden.
    expect(
      (await remove(carol, direct.id, (await send(alice, direct.id, { content: "x" })).id)).status,
    ).toBe(404);
    expect((await role("member")).status).toBe(200);
    expect((await remove(carol, group.id, second.id)).status).toBe(403);
  });

  test("a tombstone keeps only what the contract keeps; its edits answer []; a repeated clientId answers it", async () => {
    const message = await send(bob, direct.id, {
      content: `secret <@${alice.user.id}>`,
      clientId: "to-delete",
    });
    await edit(bob, direct.id, message.id, `secret 2 <@${alice.user.id}>`);
    await app.request("PUT", `/api/chat/${direct.id}/messages/${message.id}/reactions/tada`, {
      token: alice.token,
    });
    await app.request("PUT", `/api/chat/${direct.id}/pins/${message.id}`, { token: alice.token });
    const socket = await openWebSocket(app.url, alice.token);
    await socket.take();
    expect((await remove(bob, direct.id, message.id)).status).toBe(204);
    const tombstone = {
      ...message,
      content: "",
      deleted: true,
      editedAt: null,
      reactions: [],
      pinned: false,
      mentions: [],
    };
    expect(await socket.take()).toMatchObject({ type: "message.updated", data: tombstone });
    expect((await get(alice, `/api/chat/${direct.id}/messages/${message.id}`)).body).toEqual(
      tombstone,
    );
    expect((await edits(alice, direct.id, message.id)).body).toEqual([]);
    const retry = await app.request("POST", `/api/chat/${direct.id}`, {
      token: bob.token,
      body: { content: "secret", clientId: "to-delete" },
    });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(tombstone);
    const history = (await get(alice, `/api/chat/${direct.id}/messages`)).body;
    expect(history.map((m: { id: number }) => m.id)).not.toContain(message.id);
    socket.close();
  });

  test("nothing of a deleted message remains: not in the database, not on disk; its URL is 404 until uploaded again", async () => {
    const bytes = `secret bytes ${crypto.randomUUID()}`;
    const file = await upload(bob, bytes, "secret.txt");
    const kept = await upload(bob, `kept ${crypto.randomUUID()}`, "kept.txt");
    const content = `the secret words <@${alice.user.id}>`;
    const message = await send(bob, direct.id, { content, files: [file.url, kept.url] });
    await app.request("POST", `/api/chat/${general.id}/join`, { token: bob.token });
    await send(bob, general.id, { content: "", files: [kept.url] });
    await edit(bob, direct.id, message.id, `${content} edited`);
    await app.request("PUT", `/api/chat/${direct.id}/messages/${message.id}/reactions/eyes`, {
      token: alice.token,
    });
    const hash = (url: string) => (/([0-9a-f]{64})\./.exec(url) as RegExpExecArray)[1] as string;
    const onDisk = () => stored().filter((path) => path.endsWith(hash(file.url)));
    expect(onDisk()).toHaveLength(1);
    expect((await fetch(app.url + file.url, { headers: auth(alice) })).status).toBe(200);

    expect((await remove(bob, direct.id, message.id)).status).toBe(204);

    const row = (await app.sql("select * from messages where id = ?", [message.id]))[0];
    expect(row).toMatchObject({ content: "", files: "[]", attachments: "[]", reactions: "[]" });
    expect(row?.mentions).toBe("[]");
    expect(row?.edited_at).toBeNull();
    expect(row?.pin_event_id).toBeNull();
    for (const table of ["message_edits", "message_mentions", "message_files"]) {
      const left = await app.sql(`select * from ${table} where message_id = ?`, [message.id]);
      expect(left).toEqual([]);
    }
    const files = await app.sql("select * from files where hash = ?", [hash(file.url)]);
    expect(files).toEqual([]);
    expect(await app.sql("select * from uploads where name = ?", ["secret.txt"])).toEqual([]);
    expect(await app.sql("select * from file_removals")).toEqual([]);
    // The text is nowhere in the database: not in the message, not in its past events.
    const rows = await app.sql("select id from messages where content like ?", ["%secret words%"]);
    expect(rows).toEqual([]);
    const events = await app.sql("select id from events where data like ?", ["%secret words%"]);
    expect(events).toEqual([]);
    const uploads = await app.sql("select id from events where data like ?", ["%secret.txt%"]);
    expect(uploads).toEqual([]);
    expect(onDisk()).toEqual([]);
    expect((await fetch(app.url + file.url, { headers: auth(bob) })).status).toBe(404);
    // The other file is carried by another message: it stays.
    expect((await fetch(app.url + kept.url, { headers: auth(bob) })).status).toBe(200);
    // The same bytes uploaded again work again, under the same URL.
    const again = await upload(bob, bytes, "again.txt");
    expect(again.url).toBe(file.url);
    expect((await fetch(app.url + file.url, { headers: auth(bob) })).status).toBe(200);
  });

  test("a file someone has as their avatar stays when the message that also carried it is deleted", async () => {
    const face = await upload(bob, `face ${crypto.randomUUID()}`, "face.png");
    const set = await app.request("PATCH", "/api/me", {
      token: bob.token,
      body: { avatar: face.url },
    });
    expect(set.status).toBe(200);
    const message = await send(bob, direct.id, { content: "my new face", files: [face.url] });
    // Long after its upload: only the avatar can keep it now.
    await app.sql("update uploads set created_at = 0 where name = ?", ["face.png"]);
    expect((await remove(bob, direct.id, message.id)).status).toBe(204);
    expect(await app.sql("select * from file_removals")).toEqual([]);
    const kept = await fetch(app.url + face.url, { headers: auth(carol) });
    expect(kept.status).toBe(200);
    expect(kept.headers.get("content-disposition")).toContain("face.png");
  });

  test("a file another user uploaded and has not sent yet stays for them alone", async () => {
    const bytes = `shared ${crypto.randomUUID()}`;
    const mine = await upload(bob, bytes, "mine.txt");
    const theirs = await upload(alice, bytes, "theirs.txt");
    expect(theirs.url).toBe(mine.url);
    const message = await send(bob, channel.id, { content: "", files: [mine.url] });
    expect(message.attachments).toEqual([{ ...mine, name: "mine.txt" }]);
    expect((await remove(bob, channel.id, message.id)).status).toBe(204);
    expect((await fetch(app.url + mine.url, { headers: auth(carol) })).status).toBe(404);
    expect((await fetch(app.url + mine.url, { headers: auth(alice) })).status).toBe(200);
    // alice can still send it.
    const sent = await send(alice, channel.id, { content: "", files: [mine.url] });
    expect(sent.attachments).toEqual([{ ...mine, name: "theirs.txt" }]);
  });

  test("the hourly job removes uploads never sent once they are a day old, and keeps what a message carries", async () => {
    const unsent = await upload(carol, `never sent ${crypto.randomUUID()}`, "draft.txt");
    const sent = await upload(carol, `sent ${crypto.randomUUID()}`, "sent.txt");
    await send(carol, channel.id, { content: "", files: [sent.url] });
    const hash = (url: string) => (/([0-9a-f]{64})\./.exec(url) as RegExpExecArray)[1] as string;
    const onDisk = (url: string) => stored().some((path) => path.endsWith(hash(url)));
    // Not a day old yet: it stays.
    await app.db.collectUnsentUploads(Date.now() - unsentUploadTtl);
    await removeFileBytes({ db: app.db, files: app.files });
    expect(onDisk(unsent.url)).toBe(true);
    // A day later (the job asks for uploads older than then).
    await app.db.collectUnsentUploads(Date.now() + 1);
    await removeFileBytes({ db: app.db, files: app.files });
    expect(onDisk(unsent.url)).toBe(false);
    expect((await fetch(app.url + unsent.url, { headers: auth(carol) })).status).toBe(404);
    expect(onDisk(sent.url)).toBe(true);
    expect((await fetch(app.url + sent.url, { headers: auth(bob) })).status).toBe(200);
  });

  test("edits and deletes count against the messages rate limit", async () => {
    const limited = await startTestApp({ limits: { messages: 3 } });
    const team = await people(limited);
    const chat = (
      await limited.request("POST", "/api/chat", {
        token: team.alice.token,
        body: { members: [team.bob.user.id] },
      })
    ).body;
    const message = (
      await limited.request("POST", `/api/chat/${chat.id}`, {
        token: team.alice.token,
        body: { content: "1" },
      })
    ).body;
    const path = `/api/chat/${chat.id}/messages/${message.id}`;
    const token = team.alice.token;
    expect((await limited.request("PATCH", path, { token, body: { content: "2" } })).status).toBe(
      200,
    );
    expect((await limited.request("PATCH", path, { token, body: { content: "3" } })).status).toBe(
      200,
    );
    const refused = await limited.request("DELETE", path, { token });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBeTruthy();
  });
});

function auth(who: Person) {
  return { authorization: `Bearer ${who.token}` };
}
