// Each chat's URL, both ways.
import { expect, test } from "bun:test";
import { chatIdFromPath, chatPath, routeFromPath } from "../../web/state/route.ts";

test("a chat's URL names it, and the root names none", () => {
  expect(chatPath(42)).toBe("/chat/42");
  expect(chatPath(undefined)).toBe("/");
  expect(chatIdFromPath("/chat/42")).toBe(42);
  expect(chatIdFromPath("/")).toBeUndefined();
});

test("a path that is not exactly a chat's URL names no chat", () => {
  for (const path of ["/chat/", "/chat/0", "/chat/-1", "/chat/4x", "/chat/42/", "/x/chat/42"]) {
    expect(chatIdFromPath(path)).toBeUndefined();
  }
});

test("a thread's URL names its chat and its root, and Back to the chat's URL closes it", () => {
  expect(chatPath(42, 7)).toBe("/chat/42/thread/7");
  expect(routeFromPath("/chat/42/thread/7")).toEqual({ chatId: 42, threadId: 7 });
  expect(routeFromPath("/chat/42")).toEqual({ chatId: 42 });
  expect(chatIdFromPath("/chat/42/thread/7")).toBe(42);
  for (const path of [
    "/chat/42/thread/",
    "/chat/42/thread/0",
    "/chat/42/thread/7/",
    "/chat/42/7",
  ]) {
    expect(routeFromPath(path)).toEqual({ chatId: undefined });
  }
});
