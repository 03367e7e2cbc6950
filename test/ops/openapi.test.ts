import { describe, expect, test } from "bun:test";
import { startTestApp } from "../support/app.ts";

const app = await startTestApp();
const spec = (await app.request("GET", "/swagger/json")).body;

/** Every route the contract names for the core. */
const contract = [
  "post /api/signup",
  "post /api/signin",
  "get /api/me",
  "post /api/invites",
  "get /api/users",
  "get /api/chat",
  "post /api/chat",
  "get /api/chat/{id}",
  "patch /api/chat/{id}",
  "delete /api/chat/{id}",
  "post /api/chat/{id}/join",
  "post /api/chat/{id}/leave",
  "get /api/channels",
  "post /api/chat/{id}",
  "get /api/chat/{id}/messages",
  "get /healthz",
];

describe("the OpenAPI document", () => {
  test("is OpenAPI 3 and describes every route of the contract", () => {
    expect(spec.openapi).toStartWith("3.");
    const documented = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.keys(methods as object).map(
        (method) => `${method} ${path.replace(/:(\w+)/g, "{$1}")}`,
      ),
    );
    for (const route of contract) expect(documented).toContain(route);
  });

  test("describes each JSON body with its schema, and ids as integers", () => {
    const create = spec.paths["/api/chat"].post.requestBody.content["application/json"].schema;
    expect(create.required).toEqual(["members"]);
    expect(create.properties.members.items).toEqual({ type: "integer", minimum: 1 });
    const signup = spec.paths["/api/signup"].post.requestBody.content["application/json"].schema;
    expect(Object.keys(signup.properties)).toEqual([
      "fullname",
      "email",
      "password",
      "workspace",
      "invite",
    ]);
    const upload = spec.paths["/api/upload"].post.requestBody.content;
    expect(Object.keys(upload)).toEqual(["multipart/form-data"]);
    expect(spec.paths["/api/ws"].get.responses["101"]).toBeDefined();
    for (const methods of Object.values(spec.paths))
      expect(Object.keys(methods as object)).not.toContain("ws");
  });

  test("documents bodies, error responses and bearer security", () => {
    const chatPath = Object.keys(spec.paths).find((p) =>
      /^\/api\/chat\/(\{id\}|:id)$/.test(p),
    ) as string;
    const send = spec.paths[chatPath].post;
    expect(send.requestBody).toBeDefined();
    expect(Object.keys(send.responses)).toEqual(
      expect.arrayContaining(["200", "201", "401", "403", "404", "422"]),
    );
    expect(spec.components.securitySchemes.bearer.scheme).toBe("bearer");
  });

  test("documents the history page's responses, which are not checked at run time", () => {
    const historyPath = Object.keys(spec.paths).find((p) => p.endsWith("/messages")) as string;
    const history = spec.paths[historyPath].get;
    expect(Object.keys(history.responses)).toEqual(
      expect.arrayContaining(["200", "401", "404", "422"]),
    );
    const page = history.responses["200"].content["application/json"].schema;
    expect(page.type).toBe("array");
    expect(JSON.stringify(history)).not.toContain("x-documented-responses");
  });
});

describe("the Swagger UI", () => {
  test("is served with its assets from this server, loading nothing from other hosts", async () => {
    const page = await fetch(`${app.url}/swagger`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(source).toStartWith("/");
      const asset = await fetch(`${app.url}${source}`);
      expect({ source, status: asset.status }).toEqual({ source, status: 200 });
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(10);
    }
    expect(html).not.toMatch(/<script>[^<]/);
  });
});
