import { expect, test } from "bun:test";
import { startTestApp } from "../support/app.ts";

const app = await startTestApp();

test("healthz answers ok when the database answers", async () => {
  const reply = await app.request("GET", "/healthz");
  expect(reply.status).toBe(200);
  expect(reply.body).toEqual({ status: "ok" });
});
