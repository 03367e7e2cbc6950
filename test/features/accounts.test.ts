import { describe, expect, test } from "bun:test";
import { SignJWT } from "jose";
import { startTestApp } from "../support/app.ts";
import { inviteCode, people, signup } from "../support/fixtures.ts";

const app = await startTestApp();
const { alice, bob, mallory } = await people(app);

const body = (overrides: Record<string, unknown> = {}) => ({
  fullname: "Zoe",
  email: "zoe@example.test",
  password: "correct horse",
  workspace: "Zoe's place",
  ...overrides,
});

describe("sign-up", () => {
  test("a new workspace name creates the workspace with the new user as owner", async () => {
    expect(alice.workspace).toMatchObject({ name: "Acme", ownerId: alice.user.id });
    expect(alice.user).toEqual({
      id: expect.any(Number),
      fullname: "Alice",
      email: "alice@acme.test",
      workspaceId: alice.workspace.id,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      role: "owner",
      deactivated: false,
      bot: false,
      title: "",
      avatarUrl: null,
      status: null,
      timezone: null,
    });
    expect(alice.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  test("never answers with a password or its hash", async () => {
    const reply = await app.request("POST", "/api/signup", {
      body: body({ email: "h@x.test", workspace: "H" }),
    });
    expect(JSON.stringify(reply.body)).not.toMatch(/password|argon2/i);
  });

  test("bob joins acme with alice's invite", () => {
    expect(bob.user.workspaceId).toBe(alice.workspace.id);
    expect(bob.workspace.ownerId).toBe(alice.user.id);
  });

  test("an existing workspace without an invite is 403, whatever the case of its name", async () => {
    for (const workspace of ["Acme", "ACME", "acme"]) {
      const reply = await app.request("POST", "/api/signup", { body: body({ workspace }) });
      expect(reply.status).toBe(403);
      expect(reply.body.error.code).toBe("forbidden");
    }
  });

  test("an invite of another workspace, or an unknown one, does not open acme", async () => {
    const globexCode = await inviteCode(app, mallory);
    for (const invite of [globexCode, "no-such-code"]) {
      const reply = await app.request("POST", "/api/signup", {
        body: body({ workspace: "Acme", invite }),
      });
      expect(reply.status).toBe(403);
    }
  });

  test("an invite may be used any number of times", async () => {
    const code = await inviteCode(app, bob);
    const carol = await signup(app, "Carol", "acme", code);
    const dave = await signup(app, "Dave", "Acme", code);
    expect([carol.user.workspaceId, dave.user.workspaceId]).toEqual([
      alice.workspace.id,
      alice.workspace.id,
    ]);
  });

  test("an expired invite is 403", async () => {
    const code = await inviteCode(app, alice);
    await app.sql("update invites set expires_at = ? where code = ?", [Date.now() - 1, code]);
    const reply = await app.request("POST", "/api/signup", {
      body: body({ workspace: "Acme", invite: code }),
    });
    expect(reply.status).toBe(403);
  });

  test("a taken email is 409, compared case-insensitively", async () => {
    for (const email of ["alice@acme.test", "ALICE@Acme.Test"]) {
      const reply = await app.request("POST", "/api/signup", {
        body: body({ email, workspace: "Elsewhere" }),
      });
      expect(reply.status).toBe(409);
      expect(reply.body.error.code).toBe("conflict");
      expect(reply.body.error.message).toBe("that email is already registered");
    }
  });

  test("two sign-ups racing with one new email: one is 201, the other 409, and leaves no workspace", async () => {
    // Both pass the early check before either is stored: the unique index decides, in the store.
    const replies = await Promise.all(
      ["Race one", "Race two"].map((workspace) =>
        app.request("POST", "/api/signup", {
          body: body({ email: "race@example.test", workspace }),
        }),
      ),
    );
    expect(replies.map((reply) => reply.status).sort()).toEqual([201, 409]);
    const refused = replies.find((reply) => reply.status === 409);
    expect(refused?.body).toEqual({
      error: { code: "conflict", message: "that email is already registered" },
    });
    const workspaces = await app.sql("select id from workspaces where name like 'Race %'");
    expect(workspaces).toHaveLength(1);
  });

  test("a taken email is 409 even when repeating a sign-up into an existing workspace", async () => {
    const reply = await app.request("POST", "/api/signup", {
      body: {
        fullname: "Alice",
        email: "alice@acme.test",
        password: "whatever1",
        workspace: "Acme",
      },
    });
    expect(reply.status).toBe(409);
  });

  test("invalid fields are 422 with the field named", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ fullname: "" }, "fullname"],
      [{ fullname: "x".repeat(65) }, "fullname"],
      [{ fullname: "   " }, "fullname"],
      [{ email: "not-an-email" }, "email"],
      [{ password: "short" }, "password"],
      [{ password: "p".repeat(129) }, "password"],
      [{ workspace: "" }, "workspace"],
      [{ workspace: "w".repeat(65) }, "workspace"],
      [{ fullname: 42 }, "fullname"],
    ];
    for (const [overrides, field] of cases) {
      const reply = await app.request("POST", "/api/signup", { body: body(overrides) });
      expect(reply.status).toBe(422);
      expect(reply.body.error.code).toBe("validation_failed");
      expect(reply.body.error.message).toContain(field);
    }
  });

  test("lengths count UTF-16 code units: 64 emoji-free characters pass, 32 emoji fill them", async () => {
    const ok = await app.request("POST", "/api/signup", {
      body: body({ fullname: "é".repeat(64), email: "long@example.test", workspace: "Long" }),
    });
    expect(ok.status).toBe(201);
    const tooLong = await app.request("POST", "/api/signup", {
      body: body({ fullname: "😀".repeat(33), email: "emoji@example.test", workspace: "Emoji" }),
    });
    expect(tooLong.status).toBe(422);
  });

  test("a failed sign-up writes nothing", async () => {
    const before = await app.request("GET", "/api/users", { token: alice.token });
    await app.request("POST", "/api/signup", { body: body({ workspace: "Acme" }) });
    const after = await app.request("GET", "/api/users", { token: alice.token });
    expect(after.body).toEqual(before.body);
    const zoe = await app.request("POST", "/api/signin", {
      body: { email: "zoe@example.test", password: "correct horse" },
    });
    expect(zoe.status).toBe(401);
  });
});

describe("sign-in", () => {
  test("the right password gives a token, the user and the workspace", async () => {
    const reply = await app.request("POST", "/api/signin", {
      body: { email: "BOB@acme.test", password: bob.password },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.user).toEqual(bob.user);
    expect(reply.body.workspace).toEqual(bob.workspace);
    const me = await app.request("GET", "/api/me", { token: reply.body.token });
    expect(me.body.user.id).toBe(bob.user.id);
  });

  test("a wrong password and an unknown email give the same 401", async () => {
    const wrong = await app.request("POST", "/api/signin", {
      body: { email: "bob@acme.test", password: "not bob's password" },
    });
    const unknown = await app.request("POST", "/api/signin", {
      body: { email: "nobody@acme.test", password: "not bob's password" },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  test("passwords are stored as argon2id hashes only", async () => {
    const [row] = await app.sql<{ password_hash: string }>(
      "select password_hash from users where id = ?",
      [bob.user.id],
    );
    expect(row?.password_hash).toStartWith("$argon2id$");
    expect(row?.password_hash).not.toContain(bob.password);
  });
});

describe("tokens", () => {
  const secret = new TextEncoder().encode(app.config.auth.secret);
  const forge = (payload: Record<string, unknown>, key = secret, alg = "HS256") =>
    new SignJWT(payload).setProtectedHeader({ alg }).sign(key);

  test("no token, garbage, another secret, alg none, expired or no exp are all 401", async () => {
    const sub = String(alice.user.id);
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${btoa(JSON.stringify({ alg: "none", typ: "JWT" })).replace(/=+$/, "")}.${btoa(JSON.stringify({ sub, exp: now + 60 })).replace(/=+$/, "")}.`;
    const tokens = [
      undefined,
      "garbage",
      await forge({ sub, exp: now + 60 }, new TextEncoder().encode("another secret entirely!!")),
      unsigned,
      await forge({ sub, exp: now - 1 }),
      await forge({ sub }),
      await forge({ sub: "999999", exp: now + 60 }),
      await forge({ sub, exp: now + 60 }, secret, "HS512"),
    ];
    for (const token of tokens) {
      const reply = await app.request("GET", "/api/me", { token });
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe("unauthorized");
    }
  });

  test("a token verified by one server is refused by another with a different secret", async () => {
    expect((await app.request("GET", "/api/me", { token: alice.token })).status).toBe(200);
    const other = await startTestApp({
      auth: { secret: "a different secret for a different server" },
    });
    await people(other);
    expect((await other.request("GET", "/api/me", { token: alice.token })).status).toBe(401);
  });

  test("a token carries an expiry of the configured lifetime", () => {
    const claims = JSON.parse(atob(alice.token.split(".")[1] as string));
    expect(claims.exp - claims.iat).toBe(7 * 24 * 3600);
  });

  test("a token whose user was deleted is 401", async () => {
    const ghost = await signup(app, "Ghost", "Haunted");
    await app.sql("update workspaces set owner_id = null where id = ?", [ghost.workspace.id]);
    await app.sql("delete from sessions where user_id = ?", [ghost.user.id]);
    await app.sql("delete from chat_members where user_id = ?", [ghost.user.id]);
    await app.sql("delete from chats where workspace_id = ?", [ghost.workspace.id]);
    await app.sql("delete from users where id = ?", [ghost.user.id]);
    const reply = await app.request("GET", "/api/me", { token: ghost.token });
    expect(reply.status).toBe(401);
  });

  test("the token is read from the Authorization header, not the query, on ordinary routes", async () => {
    const reply = await app.request("GET", `/api/me?token=${alice.token}`);
    expect(reply.status).toBe(401);
  });
});

describe("me, invites and users", () => {
  test("me is the caller and their workspace", async () => {
    const reply = await app.request("GET", "/api/me", { token: mallory.token });
    expect(reply.body).toEqual({ user: mallory.user, workspace: mallory.workspace });
  });

  test("an invite expires in 7 days", async () => {
    const reply = await app.request("POST", "/api/invites", { token: bob.token, body: {} });
    expect(reply.status).toBe(201);
    const days = (Date.parse(reply.body.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);
  });

  test("users lists everyone of the caller's workspace and nobody else", async () => {
    const acme = await app.request("GET", "/api/users", { token: bob.token });
    const ids = acme.body.map((user: { id: number }) => user.id);
    expect(ids).toContain(alice.user.id);
    expect(ids).toContain(bob.user.id);
    expect(ids).not.toContain(mallory.user.id);
    const globex = await app.request("GET", "/api/users", { token: mallory.token });
    expect(globex.body).toEqual([mallory.user]);
  });
});
