import { describe, expect, test } from "bun:test";
import { inProcessOnly, startTestApp } from "./support/app.ts";
import { people } from "./support/fixtures.ts";

const app = await startTestApp();
const { alice } = await people(app);
const chat = (
  await app.request("POST", "/api/chat", {
    token: alice.token,
    body: { members: [], type: "private_channel", name: "c" },
  })
).body;

describe("the error envelope", () => {
  test("malformed JSON is 400 bad_request, whatever the route", async () => {
    for (const [method, path] of [
      ["POST", "/api/signup"],
      ["POST", "/api/chat"],
      ["PATCH", `/api/chat/${chat.id}`],
      ["POST", `/api/chat/${chat.id}`],
    ] as const) {
      const reply = await app.request(method, path, {
        token: alice.token,
        body: '{"content": "unterminated',
        headers: { "content-type": "application/json" },
      });
      expect({ path, status: reply.status }).toEqual({ path, status: 400 });
      expect(reply.body.error.code).toBe("bad_request");
    }
  });

  test("a missing or bad token is 401 before a malformed body", async () => {
    for (const token of [undefined, "garbage"]) {
      const reply = await app.request("POST", "/api/chat", { token, body: "{nope" });
      expect(reply.status).toBe(401);
    }
  });

  test("a malformed body is 400 before 404, 403 or 422", async () => {
    const missing = await app.request("PATCH", "/api/chat/999999", {
      token: alice.token,
      body: "{nope",
    });
    expect(missing.status).toBe(400);
  });

  test("JSON sent without a JSON content type is still read as JSON", async () => {
    const reply = await app.request("POST", `/api/chat/${chat.id}`, {
      token: alice.token,
      body: JSON.stringify({ content: "curl -d style" }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(reply.status).toBe(201);
  });

  test("a JSON body over 256 KiB is 413, and at the limit it is read", async () => {
    const padding = (size: number) => JSON.stringify({ content: "x", pad: "p".repeat(size) });
    const over = await app.request("POST", `/api/chat/${chat.id}`, {
      token: alice.token,
      body: padding(256 * 1024),
      headers: { "content-type": "application/json" },
    });
    expect(over.status).toBe(413);
    expect(over.body.error.code).toBe("payload_too_large");
    const under = await app.request("POST", `/api/chat/${chat.id}`, {
      token: alice.token,
      body: padding(256 * 1024 - 40),
      headers: { "content-type": "application/json" },
    });
    expect(under.status).toBe(201);
  });

  test("a body nested absurdly deep is 422, never a 500, with or without a token", async () => {
    const deep = `{"email":"a@b.c","password":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const signin = await app.request("POST", "/api/signin", { body: deep });
    expect(signin.status).toBe(422);
    const members = `{"members":${"[".repeat(60_000)}${"]".repeat(60_000)}}`;
    expect(
      (await app.request("POST", "/api/chat", { token: alice.token, body: members })).status,
    ).toBe(422);
    expect((await app.request("POST", "/api/chat", { body: members })).status).toBe(401);
    expect(await app.errorLogs()).toEqual([]);
  });

  test("a JSON body that is not an object is 422, even where every field is optional", async () => {
    for (const body of ["[]", '"x"', "5", "true", "null"]) {
      const patch = await app.request("PATCH", `/api/chat/${chat.id}`, {
        token: alice.token,
        body,
      });
      expect({ body, status: patch.status }).toEqual({ body, status: 422 });
      const invite = await app.request("POST", "/api/invites", { token: alice.token, body });
      expect({ body, status: invite.status }).toEqual({ body, status: 422 });
    }
  });

  test("an object with a toString field where text belongs is 422 naming it, never a 500", async () => {
    // Found by the fuzzer: Elysia's own validation message turns the value into text, and an
    // object whose toString is not a function cannot be.
    for (const [method, path, body] of [
      ["POST", "/api/me/password", '{"currentPassword":{"toString":""}}'],
      ["POST", `/api/chat/${chat.id}`, '{"content":{"toString":1}}'],
      ["PATCH", `/api/chat/${chat.id}`, '{"name":{"a":{"toString":[]}}}'],
    ] as const) {
      const reply = await app.request(method, path, { token: alice.token, body });
      expect({ path, status: reply.status, body: reply.body }).toEqual({
        path,
        status: 422,
        body: {
          error: { code: "validation_failed", message: expect.stringContaining("toString") },
        },
      });
    }
    expect(await app.errorLogs()).toEqual([]);
  });

  test("ids in bodies are JSON numbers: numeric strings are 422", async () => {
    const reply = await app.request("POST", "/api/chat", {
      token: alice.token,
      body: { type: "group", members: [String(alice.user.id), "2"] },
    });
    expect(reply.status).toBe(422);
  });

  test("an unknown route is a 404 in the envelope", async () => {
    const reply = await app.request("GET", "/api/nothing-here", { token: alice.token });
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: { code: "not_found", message: expect.any(String) } });
  });

  test("validation messages name the field", async () => {
    const reply = await app.request("GET", `/api/chat/${chat.id}/messages?limit=500`, {
      token: alice.token,
    });
    expect(reply.body.error.message).toContain("limit");
  });
});

// Every parameter the OpenAPI document lists, so that a new route is covered as it is added, on
// the source and on the binary alike (whose query ranges once went unchecked).
type Operation = { parameters?: Parameter[]; responses?: Record<string, unknown> };
type Parameter = { name: string; in: string; schema: Record<string, any> };
const spec = (await app.request("GET", "/swagger/json")).body;
const operations = Object.entries(spec.paths as Record<string, Record<string, Operation>>).flatMap(
  ([path, methods]) =>
    Object.entries(methods)
      // An upgrade answers with a socket, not JSON (resume.test.ts covers its `since`).
      .filter(([, operation]) => !("101" in (operation.responses ?? {})))
      .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
);
/** The integer schema inside a parameter's, which may be a union with its numeric string. */
const integerSchema = (schema: Record<string, any>): Record<string, any> | undefined =>
  schema.type === "integer" ? schema : schema.anyOf?.find((s: any) => s.type === "integer");

describe("every path and query parameter", () => {
  test("a path id that is not a positive integer, or past the 32 bits chats and users have, names nothing: 404 on every route", async () => {
    const withId = operations.filter(({ path }) => path.includes("{id}"));
    expect(withId.length).toBeGreaterThan(5);
    for (const { method, path } of withId) {
      for (const id of [
        "0",
        "-1",
        "abc",
        "1.5",
        "1e3",
        "01",
        "2147483648",
        "9".repeat(16),
        "%20",
      ]) {
        const reply = await app.request(method, path.replace("{id}", id), {
          token: alice.token,
          ...(method !== "GET" && method !== "DELETE" && { body: {} }),
        });
        expect({ method, path, id, status: reply.status }).toEqual({
          method,
          path,
          id,
          status: 404,
        });
        expect(reply.body.error.code).toBe("not_found");
      }
    }
  });

  test("an id past 32 bits in a body or a mention names nobody: 422 for members, plain text in content", async () => {
    const far = 99_999_999_999;
    const created = await app.request("POST", "/api/chat", {
      token: alice.token,
      body: { type: "group", members: [far, far + 1] },
    });
    expect(created.status).toBe(422);
    expect(created.body.error.code).toBe("validation_failed");
    const sent = await app.request("POST", `/api/chat/${chat.id}`, {
      token: alice.token,
      body: { content: `hi <@${far}>` },
    });
    expect(sent.status).toBe(201);
    expect(sent.body.mentions).toEqual([]);
  });

  test("an integer query parameter outside its range, or not an integer, is 422 naming it", async () => {
    const checked: string[] = [];
    for (const { method, path, operation } of operations) {
      for (const parameter of operation.parameters ?? []) {
        const integer = parameter.in === "query" && integerSchema(parameter.schema);
        if (!integer) continue;
        checked.push(parameter.name);
        const at = (value: string | number) =>
          app.request(
            method,
            // Search needs its q beside the parameter tried.
            `${path.replace("{id}", String(chat.id))}?${path === "/api/search" ? "q=x&" : ""}${parameter.name}=${value}`,
            {
              token: alice.token,
            },
          );
        const refused = ["abc", "1.5", "", integer.minimum - 1, -(2 ** 53)];
        if (integer.maximum !== undefined) refused.push(integer.maximum + 1, 2 ** 53);
        for (const value of refused) {
          const reply = await at(value);
          expect({ path, parameter: parameter.name, value, status: reply.status }).toEqual({
            path,
            parameter: parameter.name,
            value,
            status: 422,
          });
          expect(reply.body.error.message).toContain(parameter.name);
        }
        for (const value of [integer.minimum, integer.maximum ?? integer.minimum + 1]) {
          const status = (await at(value)).status;
          // In range is read: a thread, a message to page around or a chat to search that names
          // nothing of this chat (or nothing visible) is 404, never 422.
          const named = ["thread", "around", "chatId"].includes(parameter.name);
          const accepted = named && status === 404 ? 404 : 200;
          expect({ parameter: parameter.name, value, status }).toEqual({
            parameter: parameter.name,
            value,
            status: accepted,
          });
        }
      }
    }
    expect(checked.sort()).toEqual([
      "around",
      "before",
      "chatId",
      "limit",
      "limit",
      "senderId",
      "thread",
    ]);
  });
});

describe("a failure on our side", () => {
  inProcessOnly(
    "fails the server's own store handle by closing it",
    "is 500 internal with a plain message: no stack, no SQL; health turns 503",
    async () => {
      const broken = await startTestApp();
      const { alice: someone } = await people(broken);
      await broken.db.close();
      const reply = await broken.request("GET", "/api/chat", { token: someone.token });
      expect(reply.status).toBe(500);
      expect(reply.body).toEqual({ error: { code: "internal", message: expect.any(String) } });
      expect(reply.body.error.message).not.toMatch(/select|sqlite|at |\.ts/i);
      expect((await broken.errorLogs()).length).toBeGreaterThan(0);
      const health = await broken.request("GET", "/healthz");
      expect(health.status).toBe(503);
      expect(health.body).toEqual({ status: "error" });
    },
  );
});
