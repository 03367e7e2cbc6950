// Hostile input, generated: every JSON route of the OpenAPI document and every WebSocket frame
// type get random and boundary values, wrong types, huge strings, deep nesting and unicode edge
// cases. Never a 5xx, always the error envelope, and the server stays healthy.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { slackMethods } from "../../src/features/integrations/slack-api.ts";
import { startTestApp } from "../support/app.ts";
import { people, signup } from "../support/fixtures.ts";
import { openWebSocket } from "../support/live.ts";

const runsPerRoute = Number(process.env.FUZZ_RUNS ?? 150);
const app = await startTestApp();
const { alice, bob } = await people(app);
const chat = (
  await app.request("POST", "/api/chat", { token: alice.token, body: { members: [bob.user.id] } })
).body;
const message = (
  await app.request("POST", `/api/chat/${chat.id}`, { token: alice.token, body: { content: "m" } })
).body;
const spec = (await app.request("GET", "/swagger/json")).body;
let leavers = 0;

const nasty = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\ud800",
    "\u202e",
    "😀".repeat(5000),
    "x".repeat(300_000),
    "<script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "NaN",
  ),
  fc.string({ unit: "binary" }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 2 ** 53, -(2 ** 63), Number.MAX_VALUE, 1e308),
  fc.boolean(),
  fc.constant(null),
);
const deep = fc
  .integer({ min: 20, max: 5000 })
  .map((depth) => "[".repeat(depth) + "]".repeat(depth));
/** Objects shaped like the route's own body, with each field replaced by anything at all. */
const shaped = (properties: string[]) =>
  fc.dictionary(
    fc.constantFrom(...properties, "extra", "__proto__", "constructor"),
    fc.oneof(nasty, fc.jsonValue(), fc.array(nasty)),
  );
const bodyFor = (properties: string[]) =>
  fc.oneof(
    shaped(properties.length ? properties : ["x"]).map((value) => JSON.stringify(value)),
    fc.jsonValue().map((value) => JSON.stringify(value)),
    deep,
    fc.string(),
    fc.constantFrom("", "{", "null", "[]", '{"a":', "\u0000"),
  );

const jsonRoutes = Object.entries(spec.paths as Record<string, Record<string, any>>).flatMap(
  ([path, methods]) =>
    Object.entries(methods)
      .filter(([, operation]) => operation.requestBody?.content?.["application/json"])
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        path: path.replace("{id}", String(chat.id)).replace("{messageId}", String(message.id)),
        properties: Object.keys(
          operation.requestBody.content["application/json"].schema?.properties ?? {},
        ),
      })),
);

describe("fuzzing every JSON route", () => {
  test("the document names JSON routes to fuzz", () => {
    expect(jsonRoutes.length).toBeGreaterThanOrEqual(7);
  });

  for (const route of jsonRoutes) {
    test(`${route.method} ${route.path}: never a 5xx, always the envelope`, async () => {
      // Signing out (everywhere) would end alice's tokens for every route after it: those are
      // called by a user of their own (after the first accepted body, the runs meet its 401).
      const token = route.path.startsWith("/api/signout")
        ? (await signup(app, `Leaver${++leavers}`, `Leavers${leavers}`)).token
        : alice.token;
      await fc.assert(
        fc.asyncProperty(bodyFor(route.properties), async (body) => {
          const reply = await fetch(`${app.url}${route.path}`, {
            method: route.method,
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body,
          });
          const text = await reply.text();
          expect(reply.status).toBeLessThan(500);
          if (reply.status >= 400) {
            const parsed = JSON.parse(text);
            expect(Object.keys(parsed)).toEqual(["error"]);
            expect(parsed.error).toEqual({
              code: expect.stringMatching(/^[a-z_]+$/),
              message: expect.any(String),
            });
          }
        }),
        { numRuns: runsPerRoute },
      );
    });
  }
});

describe("fuzzing Slack's apps.connections.open", () => {
  test("hostile JSON and form bodies, with and without an app token: always Slack's {ok} at HTTP 200", async () => {
    const bot = (
      await app.request("POST", "/api/bots", { token: alice.token, body: { name: "F" } })
    ).body as { appToken: string };
    const contentType = fc.constantFrom(
      "application/json",
      "application/x-www-form-urlencoded",
      "text/plain",
      "application/octet-stream",
      "",
    );
    const token = fc.constantFrom(undefined, bot.appToken, alice.token, "xapp-");
    await fc.assert(
      fc.asyncProperty(bodyFor(["token"]), contentType, token, async (body, type, bearer) => {
        const reply = await fetch(`${app.url}/api/slack/apps.connections.open`, {
          method: "POST",
          headers: {
            ...(type && { "content-type": type }),
            ...(bearer && { authorization: `Bearer ${bearer}` }),
          },
          body,
        });
        expect(reply.status).toBe(200);
        const answer = (await reply.json()) as { ok: unknown; error?: string };
        expect(typeof answer.ok).toBe("boolean");
        if (!answer.ok) expect(answer.error).toMatch(/^[a-z_]+$/);
      }),
      { numRuns: runsPerRoute },
    );
  });
});

describe("fuzzing the v2 routes' path and query parameters", () => {
  const segment = fc.oneof(
    // A lone surrogate cannot be percent-encoded: the well-formed text stands in for it.
    nasty.map((value) => encodeURIComponent(String(value).toWellFormed()).slice(0, 4000)),
    fc.constantFrom("+1", "%2B1::skin-tone-3", "tada", "%2e%2e", "..%2F..", String(message.id)),
  );
  const target = fc.oneof(
    segment.map((emoji) => ["PUT", `/messages/${message.id}/reactions/${emoji}`]),
    segment.map((emoji) => ["DELETE", `/messages/${message.id}/reactions/${emoji}`]),
    segment.map((id) => ["GET", `/messages/${id}`]),
    segment.map((id) => ["GET", `/messages/${id}/edits`]),
    segment.map((id) => ["PUT", `/pins/${id}`]),
    segment.map((id) => ["DELETE", `/pins/${id}`]),
    segment.map((id) => ["GET", `/messages?thread=${id}`]),
    segment.map((id) => ["GET", `/messages?around=${id}`]),
  );
  test("never a 5xx, always the envelope", async () => {
    await fc.assert(
      fc.asyncProperty(target, async ([method, path]) => {
        const reply = await fetch(`${app.url}/api/chat/${chat.id}${path}`, {
          method,
          headers: { authorization: `Bearer ${alice.token}` },
        });
        const text = await reply.text();
        expect(reply.status).toBeLessThan(500);
        if (reply.status >= 400) expect(Object.keys(JSON.parse(text))).toEqual(["error"]);
      }),
      { numRuns: runsPerRoute * 2 },
    );
  });
});

describe("fuzzing incoming webhooks", () => {
  const answers = ["ok", "invalid_payload", "no_service", "channel_is_archived", "rate_limited"];
  const element = fc.oneof(
    nasty,
    fc.jsonValue(),
    fc.record({
      type: fc.constantFrom("section", "header", "context", "rich_text", "image", "actions"),
      text: fc.oneof(
        nasty,
        fc.record({ type: fc.constantFrom("mrkdwn", "plain_text"), text: nasty }),
      ),
      elements: fc.array(fc.oneof(nasty, fc.jsonValue()), { maxLength: 5 }),
      fields: fc.array(fc.oneof(nasty, fc.jsonValue()), { maxLength: 5 }),
    }),
  );
  const payload = fc.record(
    {
      text: fc.oneof(nasty, fc.string({ unit: "grapheme" })),
      attachments: fc.oneof(nasty, fc.array(element, { maxLength: 4 })),
      blocks: fc.oneof(nasty, fc.array(element, { maxLength: 4 })),
      thread_ts: fc.oneof(nasty, fc.constant("1700000000.000001")),
      username: nasty,
      icon_emoji: nasty,
    },
    { requiredKeys: [] },
  );
  const request = fc.oneof(
    payload.map((value) => ({ type: "application/json", body: JSON.stringify(value) })),
    payload.map((value) => ({
      type: "application/x-www-form-urlencoded",
      body: new URLSearchParams({ payload: JSON.stringify(value) }).toString(),
    })),
    bodyFor(["text", "attachments", "blocks"]).map((body) => ({ type: "application/json", body })),
    fc.string().map((body) => ({ type: "application/x-www-form-urlencoded", body })),
  );

  test("any payload is answered in one of Slack's words, never a 5xx", async () => {
    const channel = (
      await app.request("POST", "/api/chat", {
        token: alice.token,
        body: { type: "private_channel", name: "fuzzed-hooks", members: [bob.user.id] },
      })
    ).body;
    const { url } = (
      await app.request("POST", `/api/chat/${channel.id}/webhooks`, {
        token: alice.token,
        body: { name: "fuzz" },
      })
    ).body;
    await fc.assert(
      fc.asyncProperty(request, async ({ type, body }) => {
        const reply = await fetch(url, { method: "POST", headers: { "content-type": type }, body });
        expect(reply.status).toBeLessThan(500);
        expect(answers).toContain(await reply.text());
      }),
      { numRuns: runsPerRoute * 2 },
    );
  });

  test("any secret that is not a webhook's is no_service", async () => {
    const secret = nasty.map((value) =>
      encodeURIComponent(String(value).toWellFormed()).slice(0, 4000),
    );
    await fc.assert(
      fc.asyncProperty(secret, async (value) => {
        const reply = await fetch(`${app.url}/api/hooks/${value}`, {
          method: "POST",
          body: '{"text":"x"}',
        });
        const text = await reply.text();
        // An empty secret names no route at all: the envelope's 404.
        if (value === "") expect(reply.status).toBe(404);
        else expect({ status: reply.status, text }).toEqual({ status: 404, text: "no_service" });
      }),
      { numRuns: runsPerRoute },
    );
  });
});

describe("fuzzing search's query", () => {
  const text = fc.oneof(
    nasty.map((value) => String(value).toWellFormed().slice(0, 300)),
    fc.string({ unit: "grapheme", maxLength: 250 }),
    fc
      .array(
        fc.constantFrom(
          '"',
          "-",
          "*",
          "(",
          ")",
          ":",
          "^",
          "'",
          "\\",
          "聊天",
          "a",
          " ",
          "NOT",
          "OR",
        ),
        {
          maxLength: 30,
        },
      )
      .map((parts) => parts.join("")),
  );
  const params = fc.record(
    {
      q: text,
      chatId: fc.oneof(text, fc.constant(String(chat.id))),
      senderId: text,
      after: fc.oneof(
        text,
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      ),
      before: text,
      limit: fc.oneof(text, fc.integer({ min: -5, max: 200 }).map(String)),
      cursor: text,
    },
    { requiredKeys: ["q"] },
  );
  test("never a 5xx, always the envelope", async () => {
    await fc.assert(
      fc.asyncProperty(params, async (query) => {
        const reply = await fetch(`${app.url}/api/search?${new URLSearchParams(query)}`, {
          headers: { authorization: `Bearer ${alice.token}` },
        });
        const body = await reply.text();
        expect(reply.status).toBeLessThan(500);
        if (reply.status >= 400) expect(Object.keys(JSON.parse(body))).toEqual(["error"]);
      }),
      { numRuns: runsPerRoute * 3 },
    );
  });
});

describe("fuzzing Slack's Web API", () => {
  // Slack's arguments, filled with anything at all, and a few that name real things.
  const slackArgs = fc.dictionary(
    fc.constantFrom(
      "channel",
      "ts",
      "thread_ts",
      "timestamp",
      "message_ts",
      "text",
      "blocks",
      "attachments",
      "name",
      "users",
      "user",
      "email",
      "query",
      "limit",
      "count",
      "page",
      "cursor",
      "latest",
      "oldest",
      "inclusive",
      "types",
      "is_private",
      "token",
      "x[]",
      "bad name",
    ),
    fc.oneof(
      nasty,
      fc.jsonValue(),
      fc.constantFrom(`C${chat.id}`, `D${chat.id}`, `U${alice.user.id}`, "1700000000.000001", "*"),
    ),
  );
  for (const method of slackMethods) {
    test(`${method}: always HTTP 200 with {ok}, never an internal error`, async () => {
      await fc.assert(
        fc.asyncProperty(slackArgs, fc.boolean(), async (args, asForm) => {
          const form = new URLSearchParams();
          for (const [name, value] of Object.entries(args)) {
            const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
            form.set(name, text.toWellFormed());
          }
          const reply = await fetch(`${app.url}/api/slack/${method}`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${alice.token}`,
              "content-type": asForm ? "application/x-www-form-urlencoded" : "application/json",
            },
            body: asForm ? form.toString() : JSON.stringify(args),
          });
          const body = (await reply.json()) as { ok: unknown; error?: string };
          expect(reply.status).toBe(200);
          expect(typeof body.ok).toBe("boolean");
          if (!body.ok) expect(body.error).toMatch(/^[a-z_]+$/);
          expect(body.error).not.toBe("internal_error");
        }),
        { numRuns: Math.ceil(runsPerRoute / 3) },
      );
    });
  }
});

describe("fuzzing WebSocket frames", () => {
  test("every frame is answered with a frame or nothing, never an internal error; the socket stays open", async () => {
    const socket = await openWebSocket(app.url, bob.token);
    await socket.take();
    const frame = fc
      .oneof(
        fc
          .record(
            {
              type: fc.constantFrom("send", "typing", "ping", "pong", "ack", ""),
              chatId: fc.oneof(nasty, fc.constant(chat.id)),
              content: nasty,
              files: fc.oneof(nasty, fc.array(nasty)),
              clientId: nasty,
              threadId: fc.oneof(nasty, fc.constant(message.id)),
            },
            { requiredKeys: ["type"] },
          )
          .map((value) => JSON.stringify(value)),
        fc.jsonValue().map((value) => JSON.stringify(value)),
        fc.string({ maxLength: 2000 }),
        deep,
        // Larger frames close the socket with 1009 by design (tested in realtime.test.ts).
      )
      .filter((text) => Buffer.byteLength(text) < app.config.realtime.maxPayloadLength);
    await fc.assert(
      fc.asyncProperty(frame, async (text) => {
        socket.send(text);
        // The barrier proves the frame was handled: every answer to it came before the pong.
        const answers = await socket.barrier();
        for (const answer of answers) {
          if (answer.type === "error") expect(answer.error.code).not.toBe("internal");
        }
      }),
      { numRuns: runsPerRoute * 3 },
    );
    expect(socket.socket.readyState).toBe(WebSocket.OPEN);
    await socket.close();
  });

  test("after all of it, the server is healthy and nothing was logged as a bug", async () => {
    expect((await app.request("GET", "/healthz")).status).toBe(200);
    expect(await app.errorLogs()).toEqual([]);
  });
});
