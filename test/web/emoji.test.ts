// Emoji by Slack's names from @emoji-mart/data: the picker's search, frequent first, skin tones,
// and the composer's `:name` autocomplete.
import { describe, expect, test } from "bun:test";
import data from "@emoji-mart/data";
import {
  emojiCharacter,
  emojiQuery,
  emojiUsed,
  frequentEmoji,
  indexEmoji,
  insertEmoji,
  searchEmoji,
} from "../../web/state/emoji.ts";

const index = indexEmoji(data as Parameters<typeof indexEmoji>[0]);

describe("emoji", () => {
  test("Slack's names map to characters, with skin tones and aliases; unknown (custom) names to nothing", () => {
    expect(emojiCharacter(index, "+1")).toBe("👍");
    expect(emojiCharacter(index, "tada")).toBe("🎉");
    expect(emojiCharacter(index, "+1::skin-tone-3")).toBe("👍🏼");
    expect(emojiCharacter(index, "satisfied")).toBe("😆");
    expect(emojiCharacter(index, "our-team-logo")).toBeUndefined();
    expect(emojiCharacter(undefined, "tada")).toBeUndefined();
  });

  test("search finds by the start of a name first, then by a word of it, then by keyword", () => {
    const names = searchEmoji(index, "smile", {}).map((emoji) => emoji.name);
    expect(names[0]).toBe("smile");
    expect(names).toContain("smiley_cat");
    expect(searchEmoji(index, "thumbsup", {}).map((e) => e.name)).toContain("+1");
    expect(searchEmoji(index, "zzzqqq", {})).toEqual([]);
  });

  test("the reader's frequent emoji come first, the most used first, then the latest", () => {
    let usage = emojiUsed({}, "tada", 1);
    usage = emojiUsed(usage, "rocket", 2);
    usage = emojiUsed(usage, "rocket", 3);
    usage = emojiUsed(usage, "eyes", 4);
    expect(frequentEmoji(usage)).toEqual(["rocket", "eyes", "tada"]);
    const all = searchEmoji(index, "", usage).map((emoji) => emoji.name);
    expect(all.slice(0, 3)).toEqual(["rocket", "eyes", "tada"]);
    expect(all.filter((name) => name === "rocket")).toHaveLength(1);
    // Among equally good matches, a frequent one first.
    const smileys = searchEmoji(index, "sm", emojiUsed({}, "smirk", 1)).map((emoji) => emoji.name);
    expect(smileys[0]).toBe("smirk");
  });

  test("`:name` after a space or at the start is a query, from two characters; times and URLs are not", () => {
    expect(emojiQuery(":ta", 3)).toEqual({ start: 0, query: "ta" });
    expect(emojiQuery("well :TaD", 9)).toEqual({ start: 5, query: "tad" });
    expect(emojiQuery(":t", 2)).toBeUndefined();
    expect(emojiQuery("at 12:30", 8)).toBeUndefined();
    expect(emojiQuery("see http://x", 12)).toBeUndefined();
    expect(emojiQuery("done :tada: ", 12)).toBeUndefined();
  });

  test("choosing an emoji replaces the `:name` with the character and a space", () => {
    const at = emojiQuery("well :tad", 9);
    expect(at).toBeDefined();
    if (!at) return;
    expect(insertEmoji("well :tad", at, 9, "🎉")).toEqual({ text: "well 🎉 ", caret: 8 });
    expect(insertEmoji("well :tad done", at, 9, "🎉")).toEqual({ text: "well 🎉 done", caret: 8 });
  });
});
