import { expect, test } from "bun:test";
import { dayBounds, snippetParts } from "../../web/state/search.ts";

test("a snippet is cut into text and the matches between U+E000 and U+E001", () => {
  expect(snippetParts("Lovely \ue000Crème\ue001 and \ue000聊天\ue001!")).toEqual([
    { text: "Lovely ", match: false },
    { text: "Crème", match: true },
    { text: " and ", match: false },
    { text: "聊天", match: true },
    { text: "!", match: false },
  ]);
  expect(snippetParts("<b>no html</b>")).toEqual([{ text: "<b>no html</b>", match: false }]);
});

test("days from and to are both included, as exclusive times", () => {
  const { after, before } = dayBounds("2026-03-02", "2026-03-02");
  expect(new Date(after as string).getTime()).toBe(new Date("2026-03-02T00:00:00").getTime() - 1);
  expect(new Date(before as string).getTime()).toBe(new Date("2026-03-03T00:00:00").getTime());
  expect(dayBounds("", "")).toEqual({});
});
