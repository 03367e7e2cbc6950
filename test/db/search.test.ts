// The tokens both stores index (db/search.ts): the fast path for plain ASCII must make exactly
// the tokens the Unicode path makes, or a message would be found by one store and not the other.
import { expect, test } from "bun:test";
import fc from "fast-check";
import {
  foldFully,
  foldText,
  indexText,
  parseQuery,
  searchText,
  tokenize,
  tokenizeUnicode,
} from "../../db/search.ts";

const slow = (text: string) =>
  tokenizeUnicode(text)
    .map((token) => token.text)
    .join(" ");

/** Any text of ASCII characters, control characters included. */
const asciiText = fc.string({
  unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)),
  maxLength: 300,
});

test("plain ASCII text gets the same tokens on the fast path as on the Unicode one", () => {
  fc.assert(
    fc.property(asciiText, (text) => {
      expect(searchText(text)).toBe(slow(text));
    }),
    { numRuns: 2000 },
  );
  expect(searchText(`${"A".repeat(100)} b`)).toBe(slow(`${"A".repeat(100)} b`));
});

test("plain ASCII text gets the same tokens, at the same places, on tokenize's fast path", () => {
  fc.assert(
    fc.property(asciiText, (text) => {
      expect(tokenize(text)).toEqual(tokenizeUnicode(text));
    }),
    { numRuns: 2000 },
  );
  expect(tokenize(`x ${"Ab".repeat(50)}!`)).toEqual(tokenizeUnicode(`x ${"Ab".repeat(50)}!`));
  expect(tokenize("Crème")).toEqual([{ text: "creme", start: 0, end: 5 }]);
});

test("folding by case alone gives what the full fold gives, whatever the characters", () => {
  // ASCII, the CJK ideographs the fast path keeps, and their neighbours that it must not keep.
  const chars = [
    ..."aZ09 -",
    ..."聊天我们㐀䶵",
    ..."ÉéßİＡｱ가が㈱豈丽\u4dc0\u9fff\ua000\u3400\u33ff",
  ];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...chars), { maxLength: 40 }), (picked) => {
      const text = picked.join("");
      expect(foldText(text)).toBe(foldFully(text));
    }),
    { numRuns: 3000 },
  );
});

test("no text gives an empty token, whatever folding makes of it", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 60 }), (text) => {
      // Tokens joined by single spaces: none at either end, never two in a row.
      expect(searchText(text)).not.toMatch(/^ | $| {2}/);
      for (const token of tokenize(text)) expect(token.text).toMatch(/^[\p{L}\p{N}\p{M}\p{Co}]+$/u);
    }),
    { numRuns: 3000 },
  );
  // Each folds to a space and a mark, or to a phrase.
  for (const char of ["\u037a", "\ufe70", "\ufe7e", "\ufc5e", "\ufdfa", "\ufdfb"]) {
    expect(searchText(`a${char}b ${char.repeat(40)}`)).not.toMatch(/^ | $| {2}/);
  }
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
