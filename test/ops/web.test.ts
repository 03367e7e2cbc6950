// The web app's routes: the page answers at / and at each chat's URL, and shadows nothing else.
import { expect, test } from "bun:test";
import { startTestApp } from "../support/app.ts";

const app = await startTestApp();

test("a chat's URL answers with the web app's page, so a link or a reload opens the chat", async () => {
  const root = await app.request("GET", "/");
  const chat = await app.request("GET", "/chat/42");
  expect(chat.status).toBe(200);
  expect(chat.headers.get("content-type")).toStartWith("text/html");
  expect(chat.headers.get("cache-control")).toBe("no-cache");
  expect(chat.headers.get("content-security-policy")).toBeTruthy();
  expect(chat.body).toBe(root.body);
});

test("a thread's URL answers with the page too, so a link or a reload opens the thread", async () => {
  const root = await app.request("GET", "/");
  const thread = await app.request("GET", "/chat/42/thread/7");
  expect(thread.status).toBe(200);
  expect(thread.headers.get("content-type")).toStartWith("text/html");
  expect(thread.body).toBe(root.body);
});

test("a path that is not a chat's URL is 404, not the page", async () => {
  for (const path of [
    "/chat/general",
    "/chat/42/files",
    "/chats/42",
    "/assets/nothing.js",
    "/chat/42/thread/x",
    "/chat/42/thread/0",
    "/chat/42/thread/7/replies",
  ]) {
    const reply = await app.request("GET", path);
    expect(`${path} ${reply.status}`).toBe(`${path} 404`);
  }
});

test("the API, the docs and the probes keep their own answers beside the chat URLs", async () => {
  expect((await app.request("GET", "/api/chat/42")).status).toBe(401);
  expect((await app.request("GET", "/api/chat")).body.error.code).toBe("unauthorized");
  expect((await app.request("GET", "/healthz")).body).toEqual({ status: "ok" });
  expect((await app.request("GET", "/metrics")).body).toContain("chat_websocket_connections");
  expect((await app.request("GET", "/swagger/json")).body.openapi).toBeString();
  expect((await app.request("GET", "/swagger")).body).toContain("swagger-ui");
});
