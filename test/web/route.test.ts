// Each chat's URL, both ways.
import { expect, test } from "bun:test";
import { chatIdFromPath, chatPath } from "../../web/state/route.ts";

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
