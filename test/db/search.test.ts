// The tokens both stores index (db/search.ts): the fast path for plain ASCII must make exactly
// the tokens the Unicode path makes, or a message would be found by one store and not the other.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { indexText, parseQuery, searchText, tokenize } from "../../db/search.ts";

const slow = (text: string) =>
  tokenize(text)
    .map((token) => token.text)
    .join(" ");

test("plain ASCII text gets the same tokens on the fast path as on the Unicode one", () => {
  fc.assert(
    fc.property(
      fc.string({
        unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)),
        maxLength: 300,
      }),
      (text) => {
        expect(searchText(text)).toBe(slow(text));
      },
    ),
    { numRuns: 2000 },
  );
  expect(searchText(`${"A".repeat(100)} b`)).toBe(slow(`${"A".repeat(100)} b`));
});

test("accents and case fold, Chinese and Japanese runs become overlapping pairs", () => {
  expect(searchText("Crème BRÛLÉE")).toBe("creme brulee");
  expect(searchText("我们聊天")).toBe("我们 们聊 聊天");
  expect(searchText("カタカナ")).toBe("カタ タカ カナ");
  expect(searchText("日")).toBe("日");
});

test("the private-use characters of markers and chat tokens never become a word's", () => {
  expect(searchText("a\ue002b \ue0017")).toBe("a b 7");
  expect(indexText(5, "\ue0025")).toBe("\ue0025 5");
  expect(indexText(5, "!!")).toBe("");
});

test("q: words, phrases, exclusions, and the last plain word as a prefix", () => {
  expect(parseQuery('Café "au lait" -tea 聊天 lai')).toEqual({
    terms: [
      { tokens: ["cafe"], prefix: false },
      { tokens: ["au", "lait"], prefix: false },
      { tokens: ["聊天"], prefix: false },
      { tokens: ["lai"], prefix: true },
    ],
    excluded: [{ tokens: ["tea"], prefix: false }],
  });
  expect(parseQuery("-tea -coffee")).toBeUndefined();
  expect(parseQuery("e-mail")?.terms).toEqual([{ tokens: ["e", "mail"], prefix: true }]);
});
