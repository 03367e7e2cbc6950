import { describe, expect, test } from "bun:test";
import type { Chat } from "../../src/features/chats/model.ts";
import { startTestApp } from "../support/app.ts";
import { type Person, people } from "../support/fixtures.ts";

const app = await startTestApp();
const { alice, bob, mallory, carol, dave } = (await people(app, ["Carol", "Dave"])) as Awaited<
  ReturnType<typeof people>
> & { carol: Person; dave: Person };

const create = (by: Person, body: Record<string, unknown>) =>
  app.request("POST", "/api/chat", { token: by.token, body });
const get = (by: Person, id: number) => app.request("GET", `/api/chat/${id}`, { token: by.token });
const ids = (...who: Person[]) => who.map((p) => p.user.id).sort((a, b) => a - b);
let channelNumber = 0;
const channel = async (by: Person, type: string, members: Person[] = []) =>
  (await create(by, { type, name: `channel-${++channelNumber}`, members: ids(...members) })).body;

describe("creating chats", () => {
  test("two members in all and no name make a single chat", async () => {
    const reply = await create(alice, { members: [bob.user.id] });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({
      archived: false,
      id: expect.any(Number),
      workspaceId: alice.workspace.id,
      type: "single",
      name: null,
      ownerId: alice.user.id,
      members: ids(alice, bob),
      createdAt: expect.any(String),
      lastMessageId: null,
      state: { lastReadMessageId: 0, unreadCount: 0, mentionCount: 0, notify: "all" },
    });
  });

  test("a repeated single chat answers 200 with the existing one, from either side", async () => {
    const first = await create(alice, { members: [carol.user.id] });
    const again = await create(alice, { members: [carol.user.id, alice.user.id] });
    const fromCarol = await create(carol, { type: "single", members: [alice.user.id] });
    expect(first.status).toBe(201);
    expect([again.status, fromCarol.status]).toEqual([200, 200]);
    expect(again.body).toEqual(first.body);
    expect(fromCarol.body).toEqual(first.body);
  });

  test("no name and more than two make a group; a name makes a private channel", async () => {
    const group = await create(alice, { members: [bob.user.id, carol.user.id] });
    expect(group.body).toMatchObject({
      type: "group",
      name: null,
      members: ids(alice, bob, carol),
    });
    const named = await create(alice, { name: "Plans", members: [bob.user.id] });
    expect(named.body).toMatchObject({ type: "private_channel", name: "Plans" });
  });

  test("the caller is always a member, and duplicates count once", async () => {
    const reply = await create(bob, {
      type: "group",
      members: [carol.user.id, carol.user.id, dave.user.id],
    });
    expect(reply.body.members).toEqual(ids(bob, carol, dave));
    expect(reply.body.ownerId).toBe(bob.user.id);
  });

  test("a group may be named, and group names need not be unique", async () => {
    const members = [bob.user.id, carol.user.id];
    const one = await create(alice, { type: "group", name: "Lunch", members });
    const two = await create(alice, { type: "group", name: "lunch", members });
    expect([one.status, two.status]).toEqual([201, 201]);
  });

  test("the rules of each type are 422 when broken", async () => {
    const cases: Record<string, unknown>[] = [
      { type: "single", members: [bob.user.id, carol.user.id] },
      { type: "single", members: [] },
      { type: "single", name: "named", members: [bob.user.id] },
      { type: "group", members: [bob.user.id] },
      { members: [] },
      { type: "public_channel", members: [] },
      { type: "private_channel", name: "", members: [] },
      { type: "public_channel", name: "x".repeat(65), members: [] },
      { type: "public_channel", name: "   ", members: [] },
      { type: "team", name: "t", members: [] },
      { name: "no members field" },
      { members: "bob" },
      { members: [0] },
      { members: [1.5] },
    ];
    for (const body of cases) {
      const reply = await create(alice, body);
      expect({ body, status: reply.status }).toEqual({ body, status: 422 });
      expect(reply.body.error.code).toBe("validation_failed");
    }
  });

  test("a member from another workspace or an unknown id is 422 and creates nothing", async () => {
    const before = (await app.request("GET", "/api/chat", { token: alice.token })).body.length;
    for (const members of [[mallory.user.id], [bob.user.id, 999_999]]) {
      const reply = await create(alice, { type: "group", members });
      expect(reply.status).toBe(422);
    }
    const after = (await app.request("GET", "/api/chat", { token: alice.token })).body.length;
    expect(after).toBe(before);
  });

  test("channel names are unique in a workspace, compared case-insensitively, across both kinds", async () => {
    const first = await create(alice, { type: "public_channel", name: "Général", members: [] });
    expect(first.status).toBe(201);
    for (const [type, name] of [
      ["public_channel", "général"],
      ["private_channel", "GÉNÉRAL"],
    ]) {
      const reply = await create(bob, { type, name, members: [] });
      expect(reply.status).toBe(409);
      expect(reply.body.error.code).toBe("conflict");
      expect(reply.body.error.message).toBe(
        "a channel of that name already exists in this workspace",
      );
    }
    const elsewhere = await create(mallory, {
      type: "public_channel",
      name: "Général",
      members: [],
    });
    expect(elsewhere.status).toBe(201);
  });
});

describe("seeing chats", () => {
  test("a member sees the chat; an outsider of the same workspace gets 404 for a private one", async () => {
    const secret = await channel(alice, "private_channel", [bob]);
    expect((await get(bob, secret.id)).status).toBe(200);
    const reply = await get(carol, secret.id);
    expect(reply.status).toBe(404);
    expect(reply.body.error.code).toBe("not_found");
  });

  test("a public channel is visible to everyone in its workspace, joined or not", async () => {
    const { state, ...open } = await channel(alice, "public_channel");
    expect(state).toBeDefined();
    // Dave is not a member: the same chat, without a state of his.
    expect((await get(dave, open.id)).body).toEqual(open);
  });

  test("mallory from globex gets 404 for every acme chat, on every route, same as a missing id", async () => {
    const open = await channel(alice, "public_channel", [bob]);
    const missing = 987_654;
    for (const id of [open.id, missing]) {
      const replies = await Promise.all([
        get(mallory, id),
        app.request("PATCH", `/api/chat/${id}`, { token: mallory.token, body: { name: "x" } }),
        app.request("DELETE", `/api/chat/${id}`, { token: mallory.token }),
        app.request("POST", `/api/chat/${id}/join`, { token: mallory.token }),
        app.request("POST", `/api/chat/${id}/leave`, { token: mallory.token }),
        app.request("POST", `/api/chat/${id}`, { token: mallory.token, body: { content: "hi" } }),
        app.request("GET", `/api/chat/${id}/messages`, { token: mallory.token }),
      ]);
      for (const reply of replies) {
        expect(reply.status).toBe(404);
        expect(reply.body).toEqual({ error: { code: "not_found", message: "no such chat" } });
      }
    }
    const channels = await app.request("GET", "/api/channels", { token: mallory.token });
    expect(channels.body.map((chat: Chat) => chat.id)).not.toContain(open.id);
  });

  test("a path id that is not a positive integer is 404", async () => {
    for (const id of ["0", "-1", "abc", "1.5", "1e3", "99999999999999999999"]) {
      const reply = await app.request("GET", `/api/chat/${id}`, { token: alice.token });
      expect({ id, status: reply.status }).toEqual({ id, status: 404 });
    }
  });

  test("the chat list holds the caller's chats, latest activity first", async () => {
    const older = await channel(dave, "private_channel", [carol]);
    const newer = await channel(dave, "private_channel", [carol]);
    const list = async () =>
      (await app.request<Chat[]>("GET", "/api/chat", { token: dave.token })).body.map((c) => c.id);
    expect((await list()).slice(0, 2)).toEqual([newer.id, older.id]);
    await app.request("POST", `/api/chat/${older.id}`, {
      token: carol.token,
      body: { content: "bump" },
    });
    expect((await list()).slice(0, 2)).toEqual([older.id, newer.id]);
    expect(await list()).not.toContain((await channel(alice, "private_channel", [bob])).id);
  });

  test("channels lists every public channel of the workspace, joined or not, and nothing else", async () => {
    const open = await channel(alice, "public_channel");
    const hidden = await channel(alice, "private_channel");
    const reply = await app.request<Chat[]>("GET", "/api/channels", { token: dave.token });
    const listed = reply.body.map((chat) => chat.id);
    expect(listed).toContain(open.id);
    expect(listed).not.toContain(hidden.id);
    expect(reply.body.every((chat) => chat.type === "public_channel")).toBe(true);
  });
});

describe("changing chats", () => {
  test("the owner renames a channel and replaces its members; the owner stays", async () => {
    const chat = await channel(alice, "private_channel", [bob]);
    const reply = await app.request<Chat>("PATCH", `/api/chat/${chat.id}`, {
      token: alice.token,
      body: { name: "Renamed", members: [carol.user.id, dave.user.id] },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ name: "Renamed", members: ids(alice, carol, dave) });
    expect((await get(bob, chat.id)).status).toBe(404);
  });

  test("another member's PATCH or DELETE is 403; an outsider's is 404", async () => {
    const chat = await channel(alice, "private_channel", [bob]);
    const patch = await app.request("PATCH", `/api/chat/${chat.id}`, {
      token: bob.token,
      body: { name: "mine" },
    });
    const remove = await app.request("DELETE", `/api/chat/${chat.id}`, { token: bob.token });
    expect([patch.status, remove.status]).toEqual([403, 403]);
    expect(patch.body.error.code).toBe("forbidden");
    const outsider = await app.request("DELETE", `/api/chat/${chat.id}`, { token: carol.token });
    expect(outsider.status).toBe(404);
    expect((await get(alice, chat.id)).body.name).toBe(chat.name);
  });

  test("a single chat's name and members never change", async () => {
    const single = (await create(dave, { members: [bob.user.id] })).body;
    for (const body of [{ name: "x" }, { members: [dave.user.id, carol.user.id, bob.user.id] }]) {
      const reply = await app.request("PATCH", `/api/chat/${single.id}`, {
        token: dave.token,
        body,
      });
      expect(reply.status).toBe(422);
    }
  });

  test("a group keeps at least three members; a channel keeps its name", async () => {
    const group = (await create(alice, { members: [bob.user.id, carol.user.id] })).body;
    const shrink = await app.request("PATCH", `/api/chat/${group.id}`, {
      token: alice.token,
      body: { members: [bob.user.id] },
    });
    expect(shrink.status).toBe(422);
    const open = await channel(alice, "public_channel");
    const unnamed = await app.request("PATCH", `/api/chat/${open.id}`, {
      token: alice.token,
      body: { name: null },
    });
    expect(unnamed.status).toBe(422);
    const unnamedGroup = await app.request("PATCH", `/api/chat/${group.id}`, {
      token: alice.token,
      body: { name: null },
    });
    expect(unnamedGroup.status).toBe(200);
  });

  test("renaming a channel onto another channel's name is 409 and changes nothing", async () => {
    const taken = await channel(alice, "public_channel");
    const chat = await channel(alice, "private_channel");
    const reply = await app.request("PATCH", `/api/chat/${chat.id}`, {
      token: alice.token,
      body: { name: (taken.name as string).toUpperCase() },
    });
    expect(reply.status).toBe(409);
    expect((await get(alice, chat.id)).body.name).toBe(chat.name);
  });

  test("members from another workspace are 422 and leave the chat as it was", async () => {
    const chat = await channel(alice, "private_channel", [bob]);
    const reply = await app.request("PATCH", `/api/chat/${chat.id}`, {
      token: alice.token,
      body: { name: "Half done?", members: [mallory.user.id] },
    });
    expect(reply.status).toBe(422);
    // As it was, with alice's own read state besides.
    expect((await get(alice, chat.id)).body).toEqual({ ...chat, state: expect.any(Object) });
  });

  test("the owner deletes a chat: 204, then it is gone for everyone", async () => {
    const chat = await channel(alice, "private_channel", [bob]);
    const reply = await app.request("DELETE", `/api/chat/${chat.id}`, { token: alice.token });
    expect(reply.status).toBe(204);
    expect(reply.body).toBeUndefined();
    expect((await get(alice, chat.id)).status).toBe(404);
    expect((await get(bob, chat.id)).status).toBe(404);
  });
});

describe("joining and leaving", () => {
  test("anyone in the workspace joins a public channel", async () => {
    const open = await channel(alice, "public_channel");
    const reply = await app.request<Chat>("POST", `/api/chat/${open.id}/join`, {
      token: dave.token,
    });
    expect(reply.status).toBe(200);
    expect(reply.body.members).toEqual(ids(alice, dave));
  });

  test("joining a chat one is already in, of any type, is 200 and changes nothing", async () => {
    const single = (await create(alice, { members: [dave.user.id] })).body;
    const secret = await channel(alice, "private_channel", [dave]);
    for (const chat of [single, secret]) {
      const reply = await app.request("POST", `/api/chat/${chat.id}/join`, { token: dave.token });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(chat);
    }
  });

  test("a private channel cannot be joined by someone outside it: 404", async () => {
    const secret = await channel(alice, "private_channel");
    const reply = await app.request("POST", `/api/chat/${secret.id}/join`, { token: bob.token });
    expect(reply.status).toBe(404);
  });

  test("leaving a visible chat one is not in is 204 and changes nothing", async () => {
    const open = await channel(alice, "public_channel");
    const reply = await app.request("POST", `/api/chat/${open.id}/leave`, { token: bob.token });
    expect(reply.status).toBe(204);
    expect((await get(alice, open.id)).body).toEqual({ ...open, state: expect.any(Object) });
  });

  test("a single chat cannot be left", async () => {
    const single = (await create(bob, { members: [carol.user.id] })).body;
    const reply = await app.request("POST", `/api/chat/${single.id}/leave`, { token: carol.token });
    expect(reply.status).toBe(422);
  });

  test("when the owner leaves, the earliest to join becomes owner: creator first, then ascending id", async () => {
    // dave creates with members carol and bob: the join order is dave, bob, carol (ascending id).
    const chat = await channel(dave, "private_channel", [carol, bob]);
    await app.request("POST", `/api/chat/${chat.id}/join`, { token: alice.token });
    expect(
      (await app.request("POST", `/api/chat/${chat.id}/leave`, { token: dave.token })).status,
    ).toBe(204);
    expect((await get(bob, chat.id)).body).toMatchObject({
      ownerId: bob.user.id,
      members: ids(bob, carol),
    });
  });

  test("a later joiner comes after the initial members in the succession", async () => {
    const open = await channel(carol, "public_channel", [dave]);
    await app.request("POST", `/api/chat/${open.id}/join`, { token: alice.token });
    await app.request("POST", `/api/chat/${open.id}/leave`, { token: carol.token });
    expect((await get(alice, open.id)).body.ownerId).toBe(dave.user.id);
  });

  test("when the last member leaves, the chat is deleted", async () => {
    const chat = await channel(bob, "private_channel");
    expect(
      (await app.request("POST", `/api/chat/${chat.id}/leave`, { token: bob.token })).status,
    ).toBe(204);
    expect((await get(bob, chat.id)).status).toBe(404);
    expect(await app.sql("select id from chats where id = ?", [chat.id])).toEqual([]);
  });

  test("a member who left a private channel no longer sees it", async () => {
    const chat = await channel(alice, "private_channel", [bob]);
    await app.request("POST", `/api/chat/${chat.id}/leave`, { token: bob.token });
    expect((await get(bob, chat.id)).status).toBe(404);
    const list = await app.request<Chat[]>("GET", "/api/chat", { token: bob.token });
    expect(list.body.map((c) => c.id)).not.toContain(chat.id);
  });
});
