// The composer's member picker, without a browser: what `@` finds, and what choosing inserts.
import { describe, expect, test } from "bun:test";
import { avatarColour, initials } from "../../web/state/avatar.ts";
import { insertMention, mentionCandidates, mentionQuery } from "../../web/state/mention-picker.ts";
import { user } from "../support/web-state.ts";

const alice = user(1, "Alice Smith");
const bob = user(2, "Bob Jones");
const bobby = user(3, "Roberta Bobbins");
const carol = user(4, "Carol");

describe("the member picker", () => {
  test("opens for an @ word at the caret, not for an @ inside a word", () => {
    expect(mentionQuery("hi @bo", 6)).toEqual({ start: 3, query: "bo" });
    expect(mentionQuery("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionQuery("(@car", 5)).toEqual({ start: 1, query: "car" });
    expect(mentionQuery("mail bob@example.com", 20)).toBeUndefined();
    expect(mentionQuery("hi @bo there", 12)).toBeUndefined();
    expect(mentionQuery("hi @bo there", 6)).toEqual({ start: 3, query: "bo" });
    expect(mentionQuery("<@2> ", 5)).toBeUndefined();
  });

  test("lists members whose name starts with the query first, then a word of it, never the writer", () => {
    const members = [alice, bob, bobby, carol];
    const names = (query: string, everyone = true) =>
      mentionCandidates(members, 1, query, { everyone }).map((c) =>
        c.kind === "user" ? c.user.fullname : `@${c.name}`,
      );
    expect(names("bo")).toEqual(["Bob Jones", "Roberta Bobbins"]);
    expect(names("BOBB")).toEqual(["Roberta Bobbins"]);
    expect(names("jon")).toEqual(["Bob Jones"]);
    expect(names("ali")).toEqual([]);
    expect(names("")).toEqual(["Bob Jones", "Carol", "Roberta Bobbins", "@channel", "@here"]);
    expect(names("h")).toEqual(["@here"]);
    expect(names("", false)).toEqual(["Bob Jones", "Carol", "Roberta Bobbins"]);
    expect(mentionCandidates(members, 1, "", { everyone: true, limit: 2 })).toHaveLength(2);
  });

  test("choosing replaces the @ word with the mention and a space, and puts the caret after", () => {
    const text = "hi @bo";
    const query = mentionQuery(text, 6);
    if (!query) throw new Error("no query");
    expect(insertMention(text, query, 6, { kind: "user", user: bob })).toEqual({
      text: "hi <@2> ",
      caret: 8,
    });
    expect(insertMention("@he later", { start: 0, query: "he" }, 3, everyone("here"))).toEqual({
      text: "<!here> later",
      caret: 8,
    });
  });
});

const everyone = (name: "channel" | "here") => ({
  kind: "everyone" as const,
  name,
  description: "everyone in this chat",
});

describe("avatars", () => {
  test("show the initials of the first and last names", () => {
    expect(initials("Ada King Lovelace")).toBe("AL");
    expect(initials("  carol ")).toBe("C");
    expect(initials("Émile Zola")).toBe("ÉZ");
    expect(initials("")).toBe("?");
  });

  test("have a colour of their own that depends on the id only", () => {
    expect(avatarColour(7)).toBe(avatarColour(7));
    const colours = new Set(Array.from({ length: 12 }, (_, i) => avatarColour(i + 1)));
    expect(colours.size).toBeGreaterThan(6);
  });
});
