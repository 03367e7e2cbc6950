import { describe, expect, test } from "bun:test";
import { inProcessOnly, startTestApp } from "../support/app.ts";
import { people } from "../support/fixtures.ts";
import { openWebSocket } from "../support/live.ts";

const limits = { signin: 3, signup: 2, messages: 4, uploads: 2, connects: 3 };
const app = await startTestApp({ limits, server: { trustedProxies: ["127.0.0.1"] } });
// Sign-ups for the fixtures come from "other" addresses, so they do not use up the limit.
let fixtureIp = 0;
const { alice, bob, mallory } = await (async () => {
  const original = app.request;
  app.request = (method, path, options = {}) =>
    original(method, path, {
      ...options,
      headers: { "x-forwarded-for": `10.9.9.${++fixtureIp}`, ...options.headers },
    });
  try {
    return await people(app);
  } finally {
    app.request = original;
  }
})();
const from = (ip: string) => ({ "x-forwarded-for": ip });
const signin = (email: string, ip: string, password = "wrong password") =>
  app.request("POST", "/api/signin", { body: { email, password }, headers: from(ip) });

describe("sign-in is limited per IP and per account", () => {
  test("N attempts pass in any minute, the next is 429 with Retry-After and X-RateLimit-* headers", async () => {
    const replies = [];
    for (let i = 0; i < 3; i++) replies.push(await signin("alice@acme.test", "10.0.0.1"));
    expect(replies.map((r) => r.status)).toEqual([401, 401, 401]);
    expect(replies.map((r) => r.headers.get("x-ratelimit-remaining"))).toEqual(["2", "1", "0"]);
    const refused = await signin("alice@acme.test", "10.0.0.1", alice.password);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("x-ratelimit-limit")).toBe("3");
  });

  inProcessOnly(
    "moves the rate limiter's clock on a minute",
    "refused attempts do not count: a minute after the first ones, attempts pass again",
    async () => {
      for (let i = 0; i < 3; i++) await signin("bob@acme.test", "10.0.0.2");
      for (let i = 0; i < 5; i++)
        expect((await signin("bob@acme.test", "10.0.0.2")).status).toBe(429);
      app.advanceClock(60_001);
      expect((await signin("bob@acme.test", "10.0.0.2", bob.password)).status).toBe(200);
    },
  );

  test("the account limit holds across addresses; the IP limit across accounts", async () => {
    for (let i = 0; i < 3; i++) await signin("mallory@globex.test", `10.1.0.${i}`);
    expect((await signin("mallory@globex.test", "10.1.0.99", mallory.password)).status).toBe(429);
    for (let i = 0; i < 3; i++) await signin(`nobody${i}@x.test`, "10.2.0.1");
    expect((await signin("someone-else@x.test", "10.2.0.1")).status).toBe(429);
  });

  test("a sign-in refused by its account's limit does not use up its address's", async () => {
    for (let i = 0; i < 3; i++) await signin("target@x.test", `10.5.1.${i}`);
    for (let i = 0; i < 3; i++)
      expect((await signin("target@x.test", "10.5.0.1")).status).toBe(429);
    const others = [];
    for (let i = 0; i < 4; i++) others.push((await signin(`other${i}@x.test`, "10.5.0.1")).status);
    expect(others).toEqual([401, 401, 401, 429]);
  });

  test("X-Forwarded-For is believed only from a configured proxy", async () => {
    const strict = await startTestApp({ limits: { signin: 2 } });
    for (let i = 0; i < 2; i++) {
      await strict.request("POST", "/api/signin", {
        body: { email: `x${i}@x.test`, password: "whatever1" },
        headers: from(`172.16.0.${i}`),
      });
    }
    const spoofed = await strict.request("POST", "/api/signin", {
      body: { email: "y@x.test", password: "whatever1" },
      headers: from("172.16.9.9"),
    });
    expect(spoofed.status).toBe(429);
  });
});

describe("other limits", () => {
  test("sign-ups per IP", async () => {
    const signup = (n: number) =>
      app.request("POST", "/api/signup", {
        body: {
          fullname: "New",
          email: `new${n}@x.test`,
          password: "password1",
          workspace: `W${n}`,
        },
        headers: from("10.3.0.1"),
      });
    expect([(await signup(1)).status, (await signup(2)).status, (await signup(3)).status]).toEqual([
      201, 201, 429,
    ]);
  });

  test("password resets per IP, whatever the code: guessing codes gets 429", async () => {
    const reset = (n: number, ip: string) =>
      app.request("POST", "/api/password/reset", {
        body: { code: `guessed-code-number-${n}`, password: "a new password" },
        headers: from(ip),
      });
    const statuses = [];
    for (let n = 0; n < 3; n++) statuses.push((await reset(n, "10.4.0.1")).status);
    expect(statuses).toEqual([403, 403, 429]);
    expect((await reset(3, "10.4.0.2")).status).toBe(403);
  });

  test("messages per user, over HTTP and the socket together; a bad token is still 401", async () => {
    const chat = (
      await app.request("POST", "/api/chat", {
        token: alice.token,
        body: { members: [bob.user.id] },
      })
    ).body;
    const send = () =>
      app.request("POST", `/api/chat/${chat.id}`, { token: alice.token, body: { content: "hi" } });
    expect([(await send()).status, (await send()).status]).toEqual([201, 201]);
    const socket = await openWebSocket(app.url, alice.token);
    await socket.take();
    for (const clientId of ["s1", "s2"]) {
      socket.send({ type: "send", chatId: chat.id, content: "hi", clientId });
      expect(
        (await socket.takeUntil((f) => f.type === "ack" || f.type === "error")).at(-1)?.type,
      ).toBe("ack");
    }
    socket.send({ type: "send", chatId: chat.id, content: "one too many", clientId: "s3" });
    expect((await socket.takeUntil((f) => f.type === "error")).at(-1)).toMatchObject({
      type: "error",
      clientId: "s3",
      error: { code: "rate_limited" },
    });
    expect((await send()).status).toBe(429);
    expect(
      (
        await app.request("POST", `/api/chat/${chat.id}`, {
          token: "garbage",
          body: { content: "x" },
        })
      ).status,
    ).toBe(401);
    await socket.close();
    // Bob's own allowance is untouched.
    expect(
      (
        await app.request("POST", `/api/chat/${chat.id}`, {
          token: bob.token,
          body: { content: "hi" },
        })
      ).status,
    ).toBe(201);
  });

  test("sends refused as not a member do not count against the sender's messages", async () => {
    const hidden = (
      await app.request("POST", "/api/chat", {
        token: alice.token,
        body: { members: [bob.user.id] },
      })
    ).body;
    const own = (
      await app.request("POST", "/api/chat", {
        token: mallory.token,
        body: { type: "private_channel", name: "mine", members: [] },
      })
    ).body;
    const send = (chatId: number) =>
      app.request("POST", `/api/chat/${chatId}`, { token: mallory.token, body: { content: "x" } });
    const refused = [];
    for (let i = 0; i < 6; i++) refused.push((await send(hidden.id)).status);
    expect(refused).toEqual([404, 404, 404, 404, 404, 404]);
    const mine = [];
    for (let i = 0; i < 5; i++) mine.push((await send(own.id)).status);
    expect(mine).toEqual([201, 201, 201, 201, 429]);
  });

  test("uploads per user, counted once per request however many files it holds", async () => {
    const upload = () => {
      const form = new FormData();
      for (let i = 0; i < 5; i++) form.append("files", new Blob([`file ${i}`]), `${i}.txt`);
      return app.request("POST", "/api/upload", { token: bob.token, body: form });
    };
    expect([(await upload()).status, (await upload()).status, (await upload()).status]).toEqual([
      201, 201, 429,
    ]);
  });

  test("an upload refused for its token or its body does not count; over the limit, a bad token is still 401", async () => {
    const upload = (token: string) => {
      const form = new FormData();
      form.append("files", new Blob(["a file"]), "a.txt");
      return app.request("POST", "/api/upload", { token, body: form });
    };
    const malformed = await app.request("POST", "/api/upload", {
      token: alice.token,
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect((await upload("garbage")).status).toBe(401);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await upload(alice.token)).status);
    expect(statuses).toEqual([201, 201, 429]);
    expect((await upload("garbage")).status).toBe(401);
  });

  test("connects per IP, WebSocket and event stream together", async () => {
    const ip = "10.4.0.1";
    const stream = () => fetch(`${app.url}/api/events?token=${bob.token}`, { headers: from(ip) });
    const upgrade = () =>
      fetch(`${app.url}/api/ws?token=${bob.token}`, {
        headers: {
          ...from(ip),
          upgrade: "websocket",
          connection: "Upgrade",
          "sec-websocket-version": "13",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
      });
    const first = await stream();
    expect(first.status).toBe(200);
    await first.body?.cancel();
    expect((await upgrade()).status).toBe(101);
    const third = await stream();
    expect(third.status).toBe(200);
    await third.body?.cancel();
    const refused = await upgrade();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBeTruthy();
  });

  test("a limit of 0 turns it off", async () => {
    const open = await startTestApp();
    for (let i = 0; i < 30; i++) {
      const reply = await open.request("POST", "/api/signin", {
        body: { email: "a@b.test", password: "whatever1" },
      });
      expect(reply.status).toBe(401);
    }
  });
});

describe("changing the password", () => {
  test("ends every older token; the answer carries a new one; the new password signs in", async () => {
    const person = await (async () => {
      const reply = await app.request("POST", "/api/signup", {
        body: {
          fullname: "Pat",
          email: "pat@x.test",
          password: "old password",
          workspace: "Pat's",
        },
        headers: from("10.5.0.1"),
      });
      return reply.body;
    })();
    const other = (
      await app.request("POST", "/api/signin", {
        body: { email: "pat@x.test", password: "old password" },
        headers: from("10.5.0.2"),
      })
    ).body.token;
    const wrong = await app.request("POST", "/api/me/password", {
      token: person.token,
      body: { currentPassword: "not it", newPassword: "new password" },
    });
    expect(wrong.status).toBe(403);
    const changed = await app.request("POST", "/api/me/password", {
      token: person.token,
      body: { currentPassword: "old password", newPassword: "new password" },
    });
    expect(changed.status).toBe(200);
    for (const token of [person.token, other]) {
      expect((await app.request("GET", "/api/me", { token })).status).toBe(401);
    }
    expect((await app.request("GET", "/api/me", { token: changed.body.token })).status).toBe(200);
    const again = await app.request("POST", "/api/signin", {
      body: { email: "pat@x.test", password: "new password" },
      headers: from("10.5.0.3"),
    });
    expect(again.status).toBe(200);
  });
});

describe("headers", () => {
  test("every answer says nosniff, no referrer, never framed; JSON forbids loading anything", async () => {
    for (const path of ["/api/me", "/healthz", "/api/nothing"]) {
      const reply = await fetch(`${app.url}${path}`, {
        headers: { authorization: `Bearer ${alice.token}` },
      });
      expect(reply.headers.get("x-content-type-options")).toBe("nosniff");
      expect(reply.headers.get("referrer-policy")).toBe("no-referrer");
      expect(reply.headers.get("x-frame-options")).toBe("DENY");
      expect(reply.headers.get("content-security-policy")).toContain("default-src 'none'");
    }
  });

  test("the web app and Swagger UI allow their own scripts only, never inline script", async () => {
    for (const path of ["/", "/swagger"]) {
      const policy =
        (await fetch(`${app.url}${path}`)).headers.get("content-security-policy") ?? "";
      expect(policy).toContain("script-src 'self'");
      expect(policy).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(policy).toContain("frame-ancestors 'none'");
    }
  });

  test("CORS is closed by default and opens to configured origins only", async () => {
    const preflight = (url: string, origin: string) =>
      fetch(`${url}/api/chat`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization",
        },
      });
    const closed = await preflight(app.url, "https://elsewhere.example");
    expect(closed.headers.get("access-control-allow-origin")).toBeNull();
    const open = await startTestApp({ server: { corsOrigins: ["https://app.example"] } });
    const allowed = await preflight(open.url, "https://app.example");
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const other = await preflight(open.url, "https://evil.example");
    expect(other.headers.get("access-control-allow-origin")).not.toBe("https://evil.example");
  });
});
