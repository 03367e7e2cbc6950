// People and administration: roles, deactivation, profiles, the workspace and its settings,
// invites, resets, sign-out, archived channels, the audit log and #general.
import { describe, expect, test } from "bun:test";
import { startTestApp } from "../support/app.ts";
import { inviteCode, type Person, people, signup } from "../support/fixtures.ts";
import { openEventStream, openWebSocket } from "../support/live.ts";

const app = await startTestApp();
const { alice, bob, mallory, code } = await people(app);
const join = (name: string) => signup(app, name, "Acme", code);

const patchUser = (by: Person, target: Person, body: unknown) =>
  app.request("PATCH", `/api/users/${target.user.id}`, { token: by.token, body });
const patchMe = (by: Person, body: unknown) =>
  app.request("PATCH", "/api/me", { token: by.token, body });
const me = (by: Person) => app.request("GET", "/api/me", { token: by.token });
const signin = (who: Person, password = who.password) =>
  app.request("POST", "/api/signin", { body: { email: who.user.email, password } });
const channel = async (by: Person, name: string, type = "public_channel") => {
  const reply = await app.request("POST", "/api/chat", {
    token: by.token,
    body: { type, name, members: [] },
  });
  expect(reply.status).toBe(201);
  return reply.body as { id: number };
};
const upload = async (by: Person, bytes: Uint8Array | string, name: string, type: string) => {
  const body = new FormData();
  body.append("files", new Blob([bytes], { type }), name);
  const reply = await app.request("POST", "/api/upload", { token: by.token, body });
  expect(reply.status).toBe(201);
  return reply.body[0].url as string;
};
const png = () =>
  new Uint8Array([0x89, 0x50, 0x4e, 0x47, ...crypto.getRandomValues(new Uint8Array(32))]);
const audit = async (by: Person) => {
  const reply = await app.request("GET", "/api/audit", { token: by.token });
  expect(reply.status).toBe(200);
  return reply.body as { action: string; actorId: number; targetId: string; details: any }[];
};

describe("roles", () => {
  test("the workspace's creator is its owner and everyone who joins a member", async () => {
    const users = (await app.request("GET", "/api/users", { token: bob.token })).body;
    expect(
      users.map((user: any) => [user.fullname, user.role, user.deactivated, user.bot]),
    ).toEqual([
      ["Alice", "owner", false, false],
      ["Bob", "member", false, false],
    ]);
  });

  test("the owner makes and unmakes admins; the change is audited and reaches everyone live", async () => {
    const erin = await join("Erin");
    const socket = await openWebSocket(app.url, bob.token);
    const outsider = await openWebSocket(app.url, mallory.token);
    await socket.take();
    await outsider.take();
    const made = await patchUser(alice, erin, { role: "admin" });
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({ id: erin.user.id, role: "admin" });
    const event = await socket.takeUntil((frame) => frame.type === "user.updated");
    expect(event.at(-1)).toMatchObject({ chatId: null, data: { id: erin.user.id, role: "admin" } });
    expect((await patchUser(alice, erin, { role: "member" })).body.role).toBe("member");
    expect(await outsider.barrier()).toEqual([]);
    const entries = await audit(alice);
    expect(entries.slice(0, 2).map((entry) => [entry.action, entry.details.to])).toEqual([
      ["user.role_changed", "member"],
      ["user.role_changed", "admin"],
    ]);
    expect(entries[0]).toMatchObject({ actorId: alice.user.id, targetId: String(erin.user.id) });
    await socket.close();
    await outsider.close();
  });

  test("an admin may not make admins, nor change or deactivate another admin (403)", async () => {
    const [fay, gus, hal] = [await join("Fay"), await join("Gus"), await join("Hal")];
    await patchUser(alice, fay, { role: "admin" });
    await patchUser(alice, gus, { role: "admin" });
    expect((await patchUser(fay, hal, { role: "admin" })).status).toBe(403);
    expect((await patchUser(fay, gus, { deactivated: true })).status).toBe(403);
    expect((await patchUser(fay, gus, { role: "member" })).status).toBe(403);
    expect(
      (await app.request("POST", `/api/users/${gus.user.id}/reset`, { token: fay.token })).status,
    ).toBe(403);
    // An admin deactivates and reactivates members.
    expect((await patchUser(fay, hal, { deactivated: true })).body.deactivated).toBe(true);
    expect((await patchUser(fay, hal, { deactivated: false })).body.deactivated).toBe(false);
  });

  test("nobody changes the owner or themselves, and nobody is made owner (422)", async () => {
    const ivy = await join("Ivy");
    await patchUser(alice, ivy, { role: "admin" });
    expect((await patchUser(ivy, alice, { deactivated: true })).status).toBe(422);
    expect((await patchUser(ivy, alice, { role: "member" })).status).toBe(422);
    expect((await patchUser(alice, alice, { deactivated: true })).status).toBe(422);
    expect((await patchUser(ivy, ivy, { role: "member" })).status).toBe(422);
    expect((await patchUser(alice, ivy, { role: "owner" })).status).toBe(422);
    expect((await patchUser(alice, ivy, { role: "captain" })).status).toBe(422);
  });

  test("a member may change nobody (403), and another workspace's user is 404", async () => {
    const jay = await join("Jay");
    expect((await patchUser(bob, jay, { deactivated: true })).status).toBe(403);
    expect((await patchUser(mallory, jay, { deactivated: true })).status).toBe(404);
    expect((await patchUser(alice, mallory, { deactivated: true })).status).toBe(404);
    expect(
      (await app.request("PATCH", "/api/users/999999", { token: alice.token, body: {} })).status,
    ).toBe(404);
    for (const id of ["999999999999999", "0", "-1", "abc"]) {
      const reply = await app.request("PATCH", `/api/users/${id}`, {
        token: alice.token,
        body: {},
      });
      expect(reply.status).toBe(404);
      const reset = await app.request("POST", `/api/users/${id}/reset`, { token: alice.token });
      expect(reset.status).toBe(404);
    }
  });
});

describe("deactivation", () => {
  test("a deactivated user's old token, socket, event stream and download link all stop at once", async () => {
    const kim = await join("Kim");
    const other = (await signin(kim)).body.token as string;
    const url = await upload(kim, "kim's notes", "notes.txt", "text/plain");
    const link = (await app.request("POST", "/api/files/token", { token: kim.token, body: {} }))
      .body.token;
    expect((await fetch(`${app.url}${url}?download=${link}`)).status).toBe(200);
    const socket = await openWebSocket(app.url, kim.token);
    const stream = await openEventStream(app.url, other);
    await socket.take();
    await stream.take();
    const watcher = await openWebSocket(app.url, bob.token);
    await watcher.take();

    expect((await patchUser(alice, kim, { deactivated: true })).status).toBe(200);
    expect((await socket.closed).code).toBe(1008);
    await stream.takeUntil(() => false).catch(() => {});
    expect(stream.frames.ended).toBe(true);
    expect((await me(kim)).status).toBe(401);
    expect((await app.request("GET", "/api/me", { token: other })).status).toBe(401);
    expect((await fetch(`${app.url}${url}?download=${link}`)).status).toBe(401);
    const refused = await fetch(`${app.url}/api/events?token=${kim.token}`);
    expect(refused.status).toBe(401);
    const seen = await watcher.takeUntil((frame) => frame.type === "user.updated");
    expect(seen.at(-1)?.data).toMatchObject({ id: kim.user.id, deactivated: true });
    await watcher.close();
  });

  test("sign-in answers 403 after the right password, 401 after a wrong one; reactivation restores it, not old tokens", async () => {
    const lou = await join("Lou");
    await patchUser(alice, lou, { deactivated: true });
    expect((await signin(lou)).status).toBe(403);
    expect((await signin(lou, "not the password")).status).toBe(401);
    await patchUser(alice, lou, { deactivated: false });
    const again = await signin(lou);
    expect(again.status).toBe(200);
    expect((await app.request("GET", "/api/me", { token: again.body.token })).status).toBe(200);
    expect((await me(lou)).status).toBe(401);
  });

  test("a deactivated user stays in their chats, cannot be added to one, and their single chat takes no messages", async () => {
    const max = await join("Max");
    const single = await app.request("POST", "/api/chat", {
      token: bob.token,
      body: { members: [max.user.id] },
    });
    const room = await channel(bob, `room-${max.user.id}`, "private_channel");
    await app.request("PATCH", `/api/chat/${room.id}`, {
      token: bob.token,
      body: { members: [max.user.id] },
    });
    await patchUser(alice, max, { deactivated: true });
    const chat = (await app.request("GET", `/api/chat/${room.id}`, { token: bob.token })).body;
    expect(chat.members).toContain(max.user.id);
    const send = await app.request("POST", `/api/chat/${single.body.id}`, {
      token: bob.token,
      body: { content: "hello?" },
    });
    expect(send.status).toBe(403);
    expect(send.body.error.message).toMatch(/deactivated/);
    // Kept as a member through a change of name, but not added anew anywhere.
    expect(
      (
        await app.request("PATCH", `/api/chat/${room.id}`, {
          token: bob.token,
          body: { name: "kept" },
        })
      ).status,
    ).toBe(200);
    const other = await channel(bob, `other-${max.user.id}`, "private_channel");
    const add = await app.request("PATCH", `/api/chat/${other.id}`, {
      token: bob.token,
      body: { members: [max.user.id] },
    });
    expect(add.status).toBe(422);
    const create = await app.request("POST", "/api/chat", {
      token: bob.token,
      body: { members: [max.user.id, alice.user.id] },
    });
    expect(create.status).toBe(422);
    // Reactivated, the single chat takes messages again.
    await patchUser(alice, max, { deactivated: false });
    const resend = await app.request("POST", `/api/chat/${single.body.id}`, {
      token: bob.token,
      body: { content: "welcome back" },
    });
    expect(resend.status).toBe(201);
  });
});

describe("profiles", () => {
  test("a profile change is answered whole and sent to the workspace, never outside it", async () => {
    const socket = await openWebSocket(app.url, alice.token);
    const outsider = await openWebSocket(app.url, mallory.token);
    await socket.take();
    await outsider.take();
    const reply = await patchMe(bob, {
      fullname: "Robert",
      title: "Builder",
      timezone: "Asia/Shanghai",
      status: { text: "on site", emoji: "construction", until: null },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      fullname: "Robert",
      title: "Builder",
      timezone: "Asia/Shanghai",
      status: { text: "on site", emoji: "construction", until: null },
    });
    const event = (await socket.takeUntil((frame) => frame.type === "user.updated")).at(-1);
    expect(event?.data).toEqual(reply.body);
    expect(await outsider.barrier()).toEqual([]);
    // Nothing changed, nothing sent.
    expect((await patchMe(bob, { title: "Builder" })).status).toBe(200);
    expect(await socket.barrier()).toEqual([]);
    await patchMe(bob, { fullname: "Bob", title: "", timezone: null, status: null });
    await socket.close();
    await outsider.close();
  });

  test("a time zone must be an IANA name", async () => {
    for (const timezone of ["Mars/Olympus", "+01:00", "", "Asia/Shanghai; drop"]) {
      const reply = await patchMe(bob, { timezone });
      expect(reply.status).toBe(422);
      expect(reply.body.error.code).toBe("validation_failed");
    }
    expect((await patchMe(bob, { timezone: "America/Argentina/Buenos_Aires" })).status).toBe(200);
  });

  test("a status needs only its text: no emoji is empty, no until never ends", async () => {
    const reply = await patchMe(bob, { status: { text: "lunch" } });
    expect(reply.status).toBe(200);
    expect(reply.body.status).toEqual({ text: "lunch", emoji: "", until: null });
    const withEmoji = await patchMe(bob, { status: { text: "lunch", emoji: "pizza" } });
    expect(withEmoji.body.status).toEqual({ text: "lunch", emoji: "pizza", until: null });
    for (const status of [{ emoji: "pizza" }, { text: 7 }, { text: "x", until: 5 }, "lunch"]) {
      const refused = await patchMe(bob, { status });
      expect(refused.status).toBe(422);
      expect(refused.body.error.code).toBe("validation_failed");
    }
    expect((await patchMe(bob, { status: null })).body.status).toBeNull();
  });

  test("a status past its until is served as null", async () => {
    const past = new Date(Date.now() - 1000).toISOString();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(
      (await patchMe(bob, { status: { text: "out", emoji: "x", until: past } })).body.status,
    ).toBeNull();
    const later = await patchMe(bob, { status: { text: "out", emoji: "x", until: future } });
    expect(later.body.status).toEqual({ text: "out", emoji: "x", until: future });
    expect(
      (await patchMe(bob, { status: { text: "out", emoji: "x", until: "tomorrow" } })).status,
    ).toBe(422);
  });

  test("an avatar is an uploaded image, readable by everyone in the workspace and nobody outside", async () => {
    const avatar = await upload(bob, png(), "me.png", "image/png");
    const reply = await patchMe(bob, { avatar });
    expect(reply.status).toBe(200);
    expect(reply.body.avatarUrl).toBe(avatar);
    const nia = await join("Nia");
    const get = (by: Person) =>
      fetch(`${app.url}${avatar}`, { headers: { authorization: `Bearer ${by.token}` } });
    expect((await get(nia)).status).toBe(200);
    expect((await get(mallory)).status).toBe(404);
    const text = await upload(bob, "not an image", "a.txt", "text/plain");
    expect((await patchMe(bob, { avatar: text })).status).toBe(422);
    const theirs = await upload(mallory, png(), "m.png", "image/png");
    expect((await patchMe(bob, { avatar: theirs })).status).toBe(422);
    expect((await patchMe(bob, { avatar: "https://example.com/a.png" })).status).toBe(422);
    expect((await patchMe(bob, { avatar: null })).body.avatarUrl).toBeNull();
    expect((await get(nia)).status).toBe(404);
  });
});

describe("the workspace", () => {
  test("anyone reads it with its settings; the owner and admins change them, merged key by key", async () => {
    const got = await app.request("GET", "/api/workspace", { token: bob.token });
    expect(got.body).toMatchObject({
      id: alice.workspace.id,
      name: "Acme",
      settings: { invites: "members", channelCreation: "members", retentionDays: null },
    });
    expect(
      (await app.request("PATCH", "/api/workspace", { token: bob.token, body: { name: "Bob's" } }))
        .status,
    ).toBe(403);
    const socket = await openWebSocket(app.url, bob.token);
    const outsider = await openWebSocket(app.url, mallory.token);
    await socket.take();
    await outsider.take();
    const changed = await app.request("PATCH", "/api/workspace", {
      token: alice.token,
      body: { settings: { retentionDays: 30 } },
    });
    expect(changed.body.settings).toEqual({
      invites: "members",
      channelCreation: "members",
      retentionDays: 30,
    });
    const event = (await socket.takeUntil((frame) => frame.type === "workspace.updated")).at(-1);
    expect(event).toMatchObject({ chatId: null, data: changed.body });
    expect(await outsider.barrier()).toEqual([]);
    const again = await app.request("PATCH", "/api/workspace", {
      token: alice.token,
      body: { settings: { retentionDays: null } },
    });
    expect(again.body.settings.retentionDays).toBeNull();
    expect((await audit(alice))[0]?.action).toBe("workspace.settings_changed");
    await socket.close();
    await outsider.close();
  });

  test("a name another workspace has is 409, compared case-insensitively", async () => {
    const reply = await app.request("PATCH", "/api/workspace", {
      token: alice.token,
      body: { name: "GLOBEX" },
    });
    expect(reply.status).toBe(409);
    expect(
      (
        await app.request("PATCH", "/api/workspace", {
          token: alice.token,
          body: { settings: { invites: "nobody" } },
        })
      ).status,
    ).toBe(422);
  });
});

describe("invites", () => {
  test("an invite link's code names its workspace to anyone, only while it still opens it", async () => {
    const made = await app.request("POST", "/api/invites", {
      token: bob.token,
      body: { maxUses: 1 },
    });
    const preview = (code: string) => app.request("GET", `/api/invites/${code}`);
    const open = await preview(made.body.code);
    expect(open.status).toBe(200);
    expect(open.body).toEqual({ workspace: "Acme", expiresAt: made.body.expiresAt });
    // Used up, revoked or unknown: 404, all alike.
    await signup(app, "Rafe", "Acme", made.body.code);
    expect((await preview(made.body.code)).status).toBe(404);
    const revoked = await app.request("POST", "/api/invites", { token: bob.token, body: {} });
    await app.request("DELETE", `/api/invites/${revoked.body.code}`, { token: bob.token });
    expect((await preview(revoked.body.code)).status).toBe(404);
    const unknown = await preview("no-such-code");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("not_found");
  });

  test("maxUses and expiresInDays shape an invite; a used-up invite opens nothing", async () => {
    const made = await app.request("POST", "/api/invites", {
      token: bob.token,
      body: { maxUses: 1, expiresInDays: 2 },
    });
    expect(made.status).toBe(201);
    const days = (Date.parse(made.body.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(1.99);
    expect(days).toBeLessThanOrEqual(2);
    await signup(app, "Oli", "Acme", made.body.code);
    await expect(signup(app, "Pat", "Acme", made.body.code)).rejects.toThrow(/invite/);
    for (const body of [
      { maxUses: 0 },
      { maxUses: 1001 },
      { expiresInDays: 31 },
      { expiresInDays: 1.5 },
    ]) {
      expect((await app.request("POST", "/api/invites", { token: bob.token, body })).status).toBe(
        422,
      );
    }
  });

  test("a member lists and revokes their own invites; the owner and admins all of them", async () => {
    const mine = await inviteCode(app, bob);
    const hers = await inviteCode(app, alice);
    const listed = (by: Person) => app.request("GET", "/api/invites", { token: by.token });
    const bobs = (await listed(bob)).body as { code: string; creatorId: number }[];
    expect(bobs.every((invite) => invite.creatorId === bob.user.id)).toBe(true);
    expect(bobs.map((invite) => invite.code)).toContain(mine);
    expect((await listed(alice)).body.map((invite: any) => invite.code)).toEqual(
      expect.arrayContaining([mine, hers]),
    );
    expect((await listed(mallory)).body).toEqual([]);
    expect((await app.request("DELETE", `/api/invites/${hers}`, { token: bob.token })).status).toBe(
      403,
    );
    expect(
      (await app.request("DELETE", `/api/invites/${hers}`, { token: mallory.token })).status,
    ).toBe(404);
    expect((await app.request("DELETE", `/api/invites/${mine}`, { token: bob.token })).status).toBe(
      204,
    );
    expect(
      (await app.request("DELETE", `/api/invites/${hers}`, { token: alice.token })).status,
    ).toBe(204);
    await expect(signup(app, "Quin", "Acme", mine)).rejects.toThrow(/invite/);
    const actions = (await audit(alice)).map((entry) => entry.action);
    expect(actions.slice(0, 2)).toEqual(["invite.revoked", "invite.revoked"]);
  });

  test("with invites: admins, members may not invite; with channelCreation: admins, nor create channels", async () => {
    const settings = (value: object) =>
      app.request("PATCH", "/api/workspace", { token: alice.token, body: { settings: value } });
    await settings({ invites: "admins", channelCreation: "admins" });
    expect((await app.request("POST", "/api/invites", { token: bob.token, body: {} })).status).toBe(
      403,
    );
    expect(
      (await app.request("POST", "/api/invites", { token: alice.token, body: {} })).status,
    ).toBe(201);
    for (const type of ["public_channel", "private_channel"]) {
      const reply = await app.request("POST", "/api/chat", {
        token: bob.token,
        body: { type, name: `no-${type}`, members: [] },
      });
      expect(reply.status).toBe(403);
    }
    const rae = await join("Rae");
    const group = await app.request("POST", "/api/chat", {
      token: bob.token,
      body: { members: [alice.user.id, rae.user.id] },
    });
    expect(group.status).toBe(201);
    await channel(alice, "admins-only");
    await settings({ invites: "members", channelCreation: "members" });
  });
});

describe("password resets", () => {
  test("an admin's reset code sets a new password once, ending the user's other tokens", async () => {
    const sam = await join("Sam");
    const made = await app.request("POST", `/api/users/${sam.user.id}/reset`, {
      token: alice.token,
    });
    expect(made.status).toBe(201);
    expect(made.body.code).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    const hours = (Date.parse(made.body.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(0.99);
    expect(hours).toBeLessThanOrEqual(1);
    const reset = await app.request("POST", "/api/password/reset", {
      body: { code: made.body.code, password: "a new password" },
    });
    expect(reset.status).toBe(200);
    expect(reset.body.user.id).toBe(sam.user.id);
    expect((await app.request("GET", "/api/me", { token: reset.body.token })).status).toBe(200);
    expect((await me(sam)).status).toBe(401);
    expect((await signin(sam, "a new password")).status).toBe(200);
    const again = await app.request("POST", "/api/password/reset", {
      body: { code: made.body.code, password: "another one" },
    });
    expect(again.status).toBe(403);
    expect((await audit(alice)).map((entry) => entry.action)).toContain("user.reset_code_created");
  });

  test("nobody resets the owner or themselves; a member resets nobody; a deactivated user's code is refused", async () => {
    const tia = await join("Tia");
    const reset = (by: Person, target: Person) =>
      app.request("POST", `/api/users/${target.user.id}/reset`, { token: by.token });
    await patchUser(alice, tia, { role: "admin" });
    expect((await reset(tia, alice)).status).toBe(422);
    expect((await reset(alice, alice)).status).toBe(422);
    expect((await reset(bob, tia)).status).toBe(403);
    expect((await reset(mallory, tia)).status).toBe(404);
    const uma = await join("Uma");
    const made = await reset(tia, uma);
    await patchUser(alice, uma, { deactivated: true });
    const used = await app.request("POST", "/api/password/reset", {
      body: { code: made.body.code, password: "a new password" },
    });
    expect(used.status).toBe(403);
    expect(
      (
        await app.request("POST", "/api/password/reset", {
          body: { code: "x".repeat(32), password: "a new password" },
        })
      ).status,
    ).toBe(403);
  });
});

describe("sign-out", () => {
  test("sign-out ends the token it is called with, and what it made; the user's others go on", async () => {
    const vic = await join("Vic");
    const other = (await signin(vic)).body.token as string;
    const ticket = (await app.request("POST", "/api/tickets", { token: vic.token, body: {} })).body
      .ticket;
    expect((await app.request("POST", "/api/signout", { token: vic.token })).status).toBe(204);
    expect((await me(vic)).status).toBe(401);
    expect((await fetch(`${app.url}/api/events?ticket=${ticket}`)).status).toBe(401);
    expect((await app.request("GET", "/api/me", { token: other })).status).toBe(200);
  });

  test("sign-out everywhere ends every token of the user", async () => {
    const wes = await join("Wes");
    const other = (await signin(wes)).body.token as string;
    expect(
      (await app.request("POST", "/api/signout/everywhere", { token: wes.token })).status,
    ).toBe(204);
    expect((await me(wes)).status).toBe(401);
    expect((await app.request("GET", "/api/me", { token: other })).status).toBe(401);
    expect((await signin(wes)).status).toBe(200);
  });
});

describe("archived channels", () => {
  test("an archived channel is read-only: send, join and PATCH are 403; reading and leaving work", async () => {
    const room = await channel(bob, "archive-me");
    await app.request("POST", `/api/chat/${room.id}`, {
      token: bob.token,
      body: { content: "before" },
    });
    const socket = await openWebSocket(app.url, bob.token);
    await socket.take();
    const archived = await app.request("POST", `/api/chat/${room.id}/archive`, {
      token: bob.token,
    });
    expect(archived.status).toBe(200);
    expect(archived.body.archived).toBe(true);
    const event = (await socket.takeUntil((frame) => frame.type === "chat.updated")).at(-1);
    expect(event?.data).toMatchObject({ id: room.id, archived: true });
    const send = await app.request("POST", `/api/chat/${room.id}`, {
      token: bob.token,
      body: { content: "after" },
    });
    expect(send.status).toBe(403);
    expect(
      (await app.request("POST", `/api/chat/${room.id}/join`, { token: alice.token })).status,
    ).toBe(403);
    expect(
      (
        await app.request("PATCH", `/api/chat/${room.id}`, {
          token: bob.token,
          body: { name: "x" },
        })
      ).status,
    ).toBe(403);
    const history = await app.request("GET", `/api/chat/${room.id}/messages`, {
      token: alice.token,
    });
    expect(history.body.map((message: any) => message.content)).toEqual(["before"]);
    const listed = (query: string) =>
      app
        .request("GET", `/api/channels${query}`, { token: alice.token })
        .then((reply) => reply.body.map((chat: any) => chat.id));
    expect(await listed("")).not.toContain(room.id);
    expect(await listed("?archived=true")).toContain(room.id);
    // Archiving again changes nothing and sends nothing.
    expect(
      (await app.request("POST", `/api/chat/${room.id}/archive`, { token: bob.token })).status,
    ).toBe(200);
    expect(await socket.barrier()).toEqual([]);
    expect(
      (await app.request("POST", `/api/chat/${room.id}/unarchive`, { token: bob.token })).body
        .archived,
    ).toBe(false);
    expect(
      (
        await app.request("POST", `/api/chat/${room.id}`, {
          token: bob.token,
          body: { content: "after" },
        })
      ).status,
    ).toBe(201);
    await socket.close();
  });

  test("in an archived channel edit, delete, react and pin are 403 and change nothing", async () => {
    const room = await channel(bob, "archived-changes");
    const sent = await app.request("POST", `/api/chat/${room.id}`, {
      token: bob.token,
      body: { content: "kept as it is" },
    });
    const path = `/api/chat/${room.id}`;
    const id = sent.body.id as number;
    await app.request("POST", `${path}/archive`, { token: bob.token });
    const attempts = [
      ["PATCH", `${path}/messages/${id}`, { content: "changed" }],
      ["DELETE", `${path}/messages/${id}`, undefined],
      ["PUT", `${path}/messages/${id}/reactions/eyes`, undefined],
      ["PUT", `${path}/pins/${id}`, undefined],
    ] as const;
    for (const [method, url, body] of attempts) {
      const reply = await app.request(method, url, { token: bob.token, body });
      expect([method, url, reply.status, reply.body.error?.code]).toEqual([
        method,
        url,
        403,
        "forbidden",
      ]);
      expect(reply.body.error.message).toContain("archived");
    }
    const history = await app.request("GET", `${path}/messages`, { token: bob.token });
    expect(history.body).toEqual([
      expect.objectContaining({ id, content: "kept as it is", reactions: [], deleted: false }),
    ]);
  });

  test("only channels are archived; by their owner, the owner and admins, 404 for what they cannot see", async () => {
    const xan = await join("Xan");
    const group = await app.request("POST", "/api/chat", {
      token: bob.token,
      body: { members: [alice.user.id, xan.user.id] },
    });
    expect(
      (await app.request("POST", `/api/chat/${group.body.id}/archive`, { token: bob.token }))
        .status,
    ).toBe(422);
    const room = await channel(bob, "bobs-room");
    expect(
      (await app.request("POST", `/api/chat/${room.id}/archive`, { token: xan.token })).status,
    ).toBe(403);
    expect(
      (await app.request("POST", `/api/chat/${room.id}/archive`, { token: mallory.token })).status,
    ).toBe(404);
    expect(
      (await app.request("POST", `/api/chat/${room.id}/archive`, { token: alice.token })).status,
    ).toBe(200);
    const hidden = await channel(bob, "bobs-secret", "private_channel");
    expect(
      (await app.request("POST", `/api/chat/${hidden.id}/archive`, { token: alice.token })).status,
    ).toBe(404);
    // The workspace's owner also renames and deletes a channel she can see.
    expect(
      (await app.request("POST", `/api/chat/${room.id}/unarchive`, { token: alice.token })).status,
    ).toBe(200);
    expect(
      (
        await app.request("PATCH", `/api/chat/${room.id}`, {
          token: alice.token,
          body: { name: "renamed" },
        })
      ).status,
    ).toBe(200);
    // Renaming, not choosing its members: that stays the chat owner's.
    const members = await app.request("PATCH", `/api/chat/${room.id}`, {
      token: alice.token,
      body: { members: [alice.user.id] },
    });
    expect(members.status).toBe(403);
    expect(members.body.error.code).toBe("forbidden");
    // A group is never archived: 422 to a member who does not own it, as to its owner.
    expect(
      (await app.request("POST", `/api/chat/${group.body.id}/archive`, { token: alice.token }))
        .status,
    ).toBe(422);
    expect(
      (await app.request("DELETE", `/api/chat/${room.id}`, { token: alice.token })).status,
    ).toBe(204);
    const actions = (await audit(alice)).map((entry) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(["chat.archived", "chat.unarchived"]));
  });
});

describe("the audit log", () => {
  test("owner and admins page through it newest first; members get 403; nothing edits it", async () => {
    expect((await app.request("GET", "/api/audit", { token: bob.token })).status).toBe(403);
    const all = await audit(alice);
    expect(all.length).toBeGreaterThan(3);
    const page = await app.request("GET", `/api/audit?limit=2&before=${(all[0] as any).id}`, {
      token: alice.token,
    });
    expect(page.body.map((entry: any) => entry.id)).toEqual([
      (all[1] as any).id,
      (all[2] as any).id,
    ]);
    expect((await app.request("GET", "/api/audit?limit=0", { token: alice.token })).status).toBe(
      422,
    );
    expect((await app.request("GET", "/api/audit?limit=101", { token: alice.token })).status).toBe(
      422,
    );
    for (const method of ["POST", "PATCH", "PUT", "DELETE"]) {
      expect(
        (await app.request(method, "/api/audit", { token: alice.token, body: {} })).status,
      ).toBeGreaterThanOrEqual(404);
    }
    expect((await audit(alice)).length).toBe(all.length);
    expect((await app.request("GET", "/api/audit", { token: mallory.token })).body).toEqual([]);
  });
});

describe("the audit log of moderation", () => {
  test("deleting someone else's message is recorded with who, whose and where; deleting one's own is not", async () => {
    const room = await channel(bob, "moderated");
    const path = `/api/chat/${room.id}`;
    const theirs = await app.request("POST", path, { token: bob.token, body: { content: "x" } });
    await app.request("POST", `${path}/join`, { token: alice.token });
    const own = await app.request("POST", path, { token: alice.token, body: { content: "y" } });
    const remove = (id: number) =>
      app.request("DELETE", `${path}/messages/${id}`, { token: alice.token });
    expect((await remove(own.body.id)).status).toBe(204);
    expect((await audit(alice))[0]?.action).not.toBe("message.deleted");
    expect((await remove(theirs.body.id)).status).toBe(204);
    expect((await audit(alice))[0]).toMatchObject({
      action: "message.deleted",
      actorId: alice.user.id,
      targetType: "message",
      targetId: String(theirs.body.id),
      details: { chatId: room.id, senderId: bob.user.id },
    });
  });
});

describe("onboarding", () => {
  test("a new workspace starts with a public #general that every new member joins", async () => {
    const zed = await signup(app, "Zed", "Zenith");
    const channels = (await app.request("GET", "/api/channels", { token: zed.token })).body;
    expect(channels.map((chat: any) => [chat.name, chat.members])).toEqual([
      ["general", [zed.user.id]],
    ]);
    const socket = await openWebSocket(app.url, zed.token);
    await socket.take();
    const joined = await signup(app, "Yan", "Zenith", await inviteCode(app, zed));
    const frames = await socket.takeUntil((frame) => frame.type === "chat.updated", {
      timeoutMs: 2000,
    });
    expect(frames.map((frame) => frame.type)).toEqual(["user.updated", "chat.updated"]);
    expect(frames[0]?.data).toMatchObject({ id: joined.user.id, role: "member" });
    expect(frames[1]?.data.members).toEqual([zed.user.id, joined.user.id]);
    await socket.close();
  });
});
