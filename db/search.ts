// The words of a message as both stores index them, and a search's q as both stores ask it.
// Tokens are made here, once, so SQLite's FTS5 and PostgreSQL's tsvector see the same ones: case
// and Latin/Greek/Cyrillic accents folded, and text written without spaces (Chinese, Japanese)
// cut into overlapping two-character tokens, so that any run of two or more characters is found.

/** A token and where it sits in the original text (UTF-16 offsets), for snippets. */
export type Token = { text: string; start: number; end: number };

/** Longer tokens are cut on both sides alike (PostgreSQL refuses lexemes over 2 KB). */
const maxTokenLength = 64;
const wordPattern = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;
const spacelessPattern = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30fc]+/gu;
const nonAscii = /[\u0080-\uffff]/;
const accentPattern = /([\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}])\p{M}+/gu;

/**
 * Characters the full fold may change: all but ASCII and the CJK Unified Ideographs (with
 * extension A), which neither normalization decomposes and only ASCII has case.
 */
const foldable = /[\u0080-\u33ff\u4dc0-\u4dff\ua000-\uffff]/;

/** Case and accents folded, full-width forms made plain; other scripts keep their marks. */
export function foldText(text: string): string {
  return foldable.test(text) ? foldFully(text) : text.toLowerCase();
}

/** foldText for any text; exported for the tests that hold the fast path to it. */
export function foldFully(text: string): string {
  return text.normalize("NFKD").replace(accentPattern, "$1").normalize("NFC").toLowerCase();
}

const cut = (text: string): string =>
  text.length <= maxTokenLength ? text : Array.from(text).slice(0, maxTokenLength).join("");

/** Private-use characters from U+E000 on are ours (snippet markers, chat tokens), never a word's. */
const ours = /[\ue000-\ue0ff]/g;

/** The tokens of a text, in order: words, and the two-character pieces of spaceless runs. */
export function tokenize(text: string): Token[] {
  return nonAscii.test(text) ? tokenizeUnicode(text) : tokenizeAscii(text);
}

/**
 * Plain ASCII, the usual case (a snippet tokenizes its whole message): words are runs of letters
 * and digits, folded by lowercasing alone; read a character at a time, 3x faster than a regex.
 */
function tokenizeAscii(text: string): Token[] {
  const tokens: Token[] = [];
  const lower = text.toLowerCase();
  let start = -1;
  for (let i = 0; i <= lower.length; i++) {
    const c = i < lower.length ? lower.charCodeAt(i) : 0;
    const inWord = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    if (inWord && start < 0) start = i;
    else if (!inWord && start >= 0) {
      tokens.push({ text: cut(lower.slice(start, i)), start, end: i });
      start = -1;
    }
  }
  return tokens;
}

/**
 * A word folded, as the words it became: NFKD turns a few characters into a space and a mark
 * (U+037A, U+FE70–FE7E) or into a phrase (U+FDFA), and an empty token is a syntax error in a
 * PostgreSQL tsvector.
 */
const foldedWords = (text: string): string[] => (foldText(text).match(wordPattern) ?? []).map(cut);

/** tokenize for any text; exported for the tests that hold the fast paths to it. */
export function tokenizeUnicode(text: string): Token[] {
  const tokens: Token[] = [];
  for (const word of text.replace(ours, " ").matchAll(wordPattern)) {
    const start = word.index;
    let last = 0;
    const plain = (from: number, to: number) => {
      for (const folded of foldedWords(word[0].slice(from, to))) {
        tokens.push({ text: folded, start: start + from, end: start + to });
      }
    };
    for (const run of word[0].matchAll(spacelessPattern)) {
      if (run.index > last) plain(last, run.index);
      const chars = Array.from(run[0]);
      let offset = start + run.index;
      if (chars.length === 1)
        tokens.push({ text: chars[0] as string, start: offset, end: offset + run[0].length });
      for (let i = 0; i + 1 < chars.length; i++) {
        const pair = (chars[i] as string) + (chars[i + 1] as string);
        for (const folded of foldedWords(pair)) {
          tokens.push({ text: folded, start: offset, end: offset + pair.length });
        }
        offset += (chars[i] as string).length;
      }
      last = run.index + run[0].length;
    }
    if (last < word[0].length) plain(last, word[0].length);
  }
  return tokens;
}

/** A text's tokens separated by spaces (tokenize takes plain ASCII, the usual case, apart). */
export function searchText(content: string): string {
  return tokenize(content)
    .map((token) => token.text)
    .join(" ");
}

/**
 * A chat's own token, indexed with each of its messages: a search narrowed to one chat
 * intersects it with the words rather than walking every match of a common word.
 */
export const chatToken = (chatId: number): string => `\ue002${chatId}`;

/** What the index holds for a message: its chat's token and its words ("" when it has none). */
export function indexText(chatId: number, content: string): string {
  const text = searchText(content);
  return text && `${chatToken(chatId)} ${text}`;
}

const isSpaceless = (token: string): boolean =>
  /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30fc]+$/u.test(token);

/** Tokens that must occur next to each other; the last one may be a prefix. */
export type Term = { tokens: string[]; prefix: boolean };

/** A q, parsed: every term must occur, no excluded term may. */
export type SearchTerms = { terms: Term[]; excluded: Term[] };

/**
 * Parses q: plain words, "phrases" and -exclusions (-word or -"phrase"). A word that holds
 * several tokens (e-mail, 聊天室) is a phrase of them. The last plain word also matches as a
 * prefix, unless it ends in a two-character piece (which is already every run it starts).
 * Returns undefined when nothing is left to look for (only exclusions, or only punctuation).
 */
export function parseQuery(q: string): SearchTerms | undefined {
  const terms: Term[] = [];
  const excluded: Term[] = [];
  let lastPlain: Term | undefined;
  for (const piece of q.matchAll(/(-?)(?:"([^"]*)"?|(\S+))/g)) {
    const [, minus, phrase, word] = piece;
    const tokens = tokenize(phrase ?? word ?? "").map((token) => token.text);
    if (tokens.length === 0) continue;
    const term: Term = { tokens, prefix: false };
    if (minus) excluded.push(term);
    else {
      terms.push(term);
      if (phrase === undefined) lastPlain = term;
    }
  }
  if (terms.length === 0) return undefined;
  if (lastPlain) {
    const end = lastPlain.tokens[lastPlain.tokens.length - 1] as string;
    lastPlain.prefix = !(isSpaceless(end) && Array.from(end).length >= 2);
  }
  return { terms, excluded };
}

/**
 * The FTS5 MATCH expression, narrowed to a chat when one is given: tokens hold only letters,
 * numbers and marks, never a quote.
 */
export function ftsQuery({ terms, excluded }: SearchTerms, chatId?: number): string {
  const phrase = (term: Term) => `"${term.tokens.join(" ")}"${term.prefix ? "*" : ""}`;
  const chat = chatId === undefined ? [] : [`"${chatToken(chatId)}"`];
  const wanted = `(${[...chat, ...terms.map(phrase)].join(" AND ")})`;
  return [wanted, ...excluded.map(phrase)].join(" NOT ");
}

/** The PostgreSQL tsquery text, taken as written (`::tsquery`), lexemes quoted. */
export function tsQuery({ terms, excluded }: SearchTerms, chatId?: number): string {
  const phrase = (term: Term) =>
    `(${term.tokens
      .map((token, i) => `'${token}'${term.prefix && i === term.tokens.length - 1 ? ":*" : ""}`)
      .join(" <-> ")})`;
  const chat = chatId === undefined ? [] : [`'${chatToken(chatId)}'`];
  return [...chat, ...terms.map(phrase), ...excluded.map((term) => `!${phrase(term)}`)].join(" & ");
}

/** Private-use markers around each match in a snippet, as Slack's search uses them. */
export const matchStart = "\ue000";
export const matchEnd = "\ue001";
const snippetLength = 200;
const snippetLead = 60;

/**
 * About 200 characters of the content around its first match, each matching token between
 * U+E000 and U+E001. Markers already in the content are dropped, so the ones here are ours.
 */
export function snippetOf(content: string, { terms }: SearchTerms): string {
  const text = content.replace(/[\ue000\ue001]/g, " ");
  const whole = new Set<string>();
  const prefixes: string[] = [];
  for (const term of terms) {
    term.tokens.forEach((token, i) => {
      if (term.prefix && i === term.tokens.length - 1) prefixes.push(token);
      else whole.add(token);
    });
  }
  const ranges: [number, number][] = [];
  for (const token of tokenize(text)) {
    if (whole.has(token.text) || prefixes.some((prefix) => token.text.startsWith(prefix))) {
      const last = ranges[ranges.length - 1];
      if (last && token.start <= last[1]) last[1] = Math.max(last[1], token.end);
      else ranges.push([token.start, token.end]);
    }
  }
  const first = ranges[0]?.[0] ?? 0;
  let from = Math.max(0, first - snippetLead);
  // Start at a word's beginning when the window cuts into one (and never inside a surrogate pair).
  if (from > 0) {
    const space = text.lastIndexOf(" ", from);
    from = space >= first - snippetLead * 2 && space >= 0 ? space + 1 : from;
    if (/[\udc00-\udfff]/.test(text[from] ?? "")) from -= 1;
  }
  let to = Math.min(text.length, from + snippetLength);
  if (/[\udc00-\udfff]/.test(text[to] ?? "")) to += 1;
  let out = "";
  let at = from;
  for (const [start, end] of ranges) {
    if (end <= from || start >= to) continue;
    const s = Math.max(start, from);
    const e = Math.min(end, to);
    out += text.slice(at, s) + matchStart + text.slice(s, e) + matchEnd;
    at = e;
  }
  return out + text.slice(at, to);
}
