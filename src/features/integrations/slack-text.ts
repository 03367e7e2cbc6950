// Text crossing the Slack bridge (API.md § Integrations): Slack's mrkdwn in, our Markdown out,
// and back. Pure functions, shared by incoming webhooks, the Web API, Socket Mode, import and
// export. Exported names (keep them stable, other parts of the bridge import them):
//
//   slackToMarkdown(text, resolve?)    Slack mrkdwn → our Markdown (Web API, webhooks, import)
//   markdownToSlack(content)           our Markdown → Slack mrkdwn (Web API answers, events, export)
//   attachmentsToMarkdown(attachments) Slack's legacy `attachments` → Markdown
//   blocksToMarkdown(blocks, resolve?) Block Kit `blocks` → Markdown
//   escapeMarkdown(text)               literal text (plain_text, rich_text) → Markdown that shows it
//   SlackResolver, defaultResolver     which of our ids a Slack `U…`/`C…` names
//
// None of them throws, whatever it is given: input comes from strangers (webhooks) and old
// exports. Choices a reader may wonder about:
// - An id that resolves to nothing stays readable (`@U123`, `#general`) instead of becoming a
//   mention of nobody. `<!everyone>` becomes `<!channel>`: our everyone-mention is per chat.
// - Inside code, Slack's wire escapes (`&lt;`) are undone and `<…>` tokens become what Slack
//   shows (a link's label, a mention), since Markdown code cannot hold links; nothing else changes.
// - A `&lt;` whose `<` would start our notation (`<@1>`, `<#1>`, `<!here>`) stays `&lt;`, which
//   Markdown shows as `<`: text typed in Slack never turns into a mention here.
// - An attachment is a block quote (Slack draws it with a bar on the left), its `color` a colored
//   square at its start, the nearest of Unicode's nine; images are links (the web app shows no
//   images from content). Block Kit `actions` and accessories are listed only when they are links.
import { parseSlackId } from "./slack-ids.ts";

/** Which of our ids a Slack user or channel id names, or undefined when none. */
export type SlackResolver = {
  user(slackId: string): number | undefined;
  chat(slackId: string): number | undefined;
};

/** Slack ids of this server (`U42`, `C7`, `D9`), read by `parseSlackId`. */
export const defaultResolver: SlackResolver = {
  user: (slackId) => parseSlackId(slackId, ["U"]),
  chat: (slackId) => parseSlackId(slackId, ["C", "D"]),
};

// ── Slack → Markdown ────────────────────────────────────────────────────────────────────────

/** Code first (``` blocks, then `spans`), then Slack's `<…>` tokens; the rest is prose. */
const slackPieces = /```[\s\S]*?```|`[^`\n]+`|<[^<>\n]+>/g;

/** Converts Slack mrkdwn to our Markdown. */
export function slackToMarkdown(text: string, resolve: SlackResolver = defaultResolver): string {
  if (typeof text !== "string" || text.length === 0) return "";
  const source = withoutPlaceholders(text);
  // Tokens sit inside prose (a link inside *bold*), so they stand in as private-use characters
  // while the prose is formatted, and come back afterwards.
  const tokens: string[] = [];
  let out = "";
  let prose = "";
  let last = 0;
  for (const match of source.matchAll(slackPieces)) {
    prose += source.slice(last, match.index);
    last = match.index + match[0].length;
    const piece = match[0];
    if (piece.startsWith("`")) {
      out += slackProse(prose, tokens);
      prose = "";
      out += slackCode(fenced(piece, out === "" || out.endsWith("\n"), source[last]), resolve);
    } else {
      prose += `\uE000${tokens.push(slackToken(piece.slice(1, -1), resolve)) - 1}\uE001`;
    }
  }
  return out + slackProse(prose + source.slice(last), tokens);
}

/** The private-use characters this file uses as place-holders, never taken from input. */
const withoutPlaceholders = (text: string) => text.replace(/[\uE000-\uE002]/g, "\uFFFD");
const restore = (text: string, kept: string[]) =>
  text.replace(/\uE000([0-9]+)\uE001/g, (_, index) => kept[Number(index)] ?? "");

/** Slack's `<…>`: mentions, channel links, `<!…>` commands, and links. */
function slackToken(inner: string, resolve: SlackResolver): string {
  const bar = inner.indexOf("|");
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? "" : unescapeSlack(inner.slice(bar + 1));
  if (target.startsWith("@")) {
    const id = safely(() => resolve.user(target.slice(1)));
    if (id !== undefined) return `<@${id}>`;
    return escapeMarkdown(`@${(label || target.slice(1)).replace(/^@/, "")}`);
  }
  if (target.startsWith("#")) {
    const id = safely(() => resolve.chat(target.slice(1)));
    if (id !== undefined) return `<#${id}>`;
    return escapeMarkdown(`#${(label || target.slice(1)).replace(/^#/, "")}`);
  }
  if (target.startsWith("!")) return slackCommand(target.slice(1), label);
  const url = unescapeSlack(target);
  if (!/^[a-z][a-z0-9+.-]*:\S/i.test(url)) return escapeMarkdown(`<${unescapeSlack(inner)}>`);
  const destination = markdownDestination(url);
  if (label === "" || label === url) {
    // A bare address reads better than a link to itself; mailto: keeps its link.
    if (/^mailto:/i.test(url)) return `[${escapeLabel(url.slice(7))}](${destination})`;
    return destination;
  }
  return `[${escapeLabel(label)}](${destination})`;
}

/** `<!here>`, `<!channel>`, `<!everyone>`, `<!subteam^S1|@team>`, `<!date^…|fallback>`. */
function slackCommand(command: string, label: string): string {
  const [name = "", ...parts] = command.split("^");
  if (name === "here") return "<!here>";
  if (name === "channel" || name === "everyone") return "<!channel>";
  if (name === "date") {
    const seconds = Number(parts[0]);
    if (label) return escapeMarkdown(label);
    return Number.isFinite(seconds) && Math.abs(seconds) < 8.64e12
      ? new Date(seconds * 1000).toISOString()
      : "";
  }
  if (name === "subteam") return escapeMarkdown(label || `@${parts[0] ?? "team"}`);
  return escapeMarkdown(label || `@${name}`);
}

/**
 * Slack's ``` may open and close mid-line; a Markdown fence needs lines of its own (or it would
 * swallow the rest of the message), so a block of several lines gets them. One line stays a span.
 */
function fenced(code: string, atLineStart: boolean, next: string | undefined): string {
  if (!code.startsWith("```") || !code.includes("\n")) return code;
  let inner = code.slice(3, -3);
  if (!inner.startsWith("\n")) inner = `\n${inner}`;
  if (!inner.endsWith("\n")) inner = `${inner}\n`;
  return `${atLineStart ? "" : "\n"}\`\`\`${inner}\`\`\`${next === undefined || next === "\n" ? "" : "\n"}`;
}

/** Inside code: wire escapes undone, tokens as Slack shows them, formatting left alone. */
function slackCode(code: string, resolve: SlackResolver): string {
  return code
    .replace(/<([^<>\n]+)>/g, (_, inner: string) => {
      if (/^[@#!]/.test(inner)) {
        const token = slackToken(inner, resolve);
        return /^<[@#!]/.test(token) ? token : inner.slice(inner.indexOf("|") + 1);
      }
      const bar = inner.indexOf("|");
      return bar < 0 ? inner : inner.slice(bar + 1);
    })
    .replace(/&(lt|gt|amp);/g, (_, name: string) => entityChars[name] ?? "");
}

const entityChars: Record<string, string> = { lt: "<", gt: ">", amp: "&" };

// Slack's emphasis: the marker touches the text inside and no letter or digit outside, on one line.
// Slack has no escapes: a backslash is a character like any other.
const slackBold = /(?<![\p{L}\p{N}*])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![\p{L}\p{N}*])/gu;
const slackItalic = /(?<![\p{L}\p{N}_])_(?=[^\s_])([^_\n]*?[^\s_])_(?![\p{L}\p{N}_])/gu;
const slackStrike = /(?<![\p{L}\p{N}~])~(?=[^\s~])([^~\n]*?[^\s~])~(?![\p{L}\p{N}~])/gu;

/** Prose: emphasis, then the wire escapes, then the tokens back in place. */
function slackProse(prose: string, tokens: string[]): string {
  if (prose === "") return "";
  const text = prose
    // A backslash that Markdown would read as an escape is shown as typed.
    .replace(/\\(?=[!-/:-@[-`{-~])/g, "\\\\")
    .replace(slackBold, "\uE002$1\uE002")
    .replace(slackItalic, "*$1*")
    .replace(slackStrike, "~~$1~~")
    .replaceAll("\uE002", "**");
  return restore(unescapeProse(text), tokens);
}

/**
 * A `<` that would start our notation or, before a URI scheme, a Markdown autolink (CommonMark's
 * 2–32 characters, as markdown-it reads them): typed text keeps it as `&lt;`.
 */
const notationAfterLt = /^(?:[@#!]|[a-z][a-z0-9+.-]{1,31}:)/i;

/** `&lt; &gt; &amp;` undone, except where the result would read as our notation or an entity. */
function unescapeProse(text: string): string {
  return text.replace(/&(lt|gt|amp);/g, (entity, name: string, offset: number) => {
    const after = text.slice(offset + entity.length, offset + entity.length + 40);
    if (name === "lt" && notationAfterLt.test(after)) return entity;
    if (name === "amp" && /^(?:[a-z][a-z0-9]*|#[0-9]+|#x[0-9a-f]+);/i.test(after)) return entity;
    return entityChars[name] ?? entity;
  });
}

/** Slack's three wire escapes undone (link labels and urls). */
const unescapeSlack = (text: string) =>
  text.replace(/&(lt|gt|amp);/g, (entity, name: string) => entityChars[name] ?? entity);

/** A link's target as Markdown reads it: no spaces, parentheses only when balanced. */
function markdownDestination(url: string): string {
  let destination = url.replace(/\s/g, (space) => encodeURIComponent(space));
  let depth = 0;
  for (const char of destination) {
    if (char === "(") depth++;
    else if (char === ")" && --depth < 0) break;
  }
  if (depth !== 0) destination = destination.replaceAll("(", "%28").replaceAll(")", "%29");
  return destination;
}

const escapeLabel = (label: string) => label.replace(/[\\[\]]/g, "\\$&");

/**
 * Literal text as Markdown that shows it as is: punctuation Markdown reads is escaped, and `<`
 * and `&` become entities where they would start our notation or an entity.
 */
export function escapeMarkdown(text: string): string {
  if (typeof text !== "string") return "";
  return text
    .replace(/[\\`*_~[\]]/g, "\\$&")
    .replace(/&(?=(?:[a-z][a-z0-9]*|#[0-9]+|#x[0-9a-f]+);)/gi, "&amp;")
    .replace(/<(?=[@#!]|[a-z][a-z0-9+.-]{1,31}:)/gi, "&lt;")
    .replace(/^(\s*)([#>+-]|[0-9]+[.)])(?=\s|$)/gm, (_, space: string, marker: string) =>
      /^[0-9]/.test(marker)
        ? `${space}${marker.slice(0, -1)}\\${marker.slice(-1)}`
        : `${space}\\${marker}`,
    );
}

// ── Markdown → Slack ────────────────────────────────────────────────────────────────────────

/**
 * Code (fences and spans), then what must not be touched by emphasis: our mentions, links,
 * autolinks, bare URLs and backslash escapes.
 */
const markdownPieces = new RegExp(
  [
    /^ {0,3}(?<fence>`{3,}(?=[^`\n]*\n)|~{3,})[^\n]*\n[\s\S]*?(?:\n {0,3}\k<fence>[`~]*[ \t]*(?=\n|$)|$(?![\s\S]))/
      .source,
    /(?<ticks>`+)(?!`)[\s\S]*?[^`]\k<ticks>(?!`)/.source,
    /<(?:[@#][1-9][0-9]{0,14}|!channel|!here)>/.source,
    /!?\[(?:[^\]\\\n]|\\.)*\]\((?:<[^<>\n]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+"[^"\n]*")?\)/
      .source,
    /<[a-z][a-z0-9+.-]{1,31}:[^<>\s]*>/.source,
    /\bhttps?:\/\/[^\s<]*[^\s<.,:;!?'")\]*_~]/.source,
    /\\[!-/:-@[-`{-~]/.source,
  ].join("|"),
  "gim",
);

/** Converts our Markdown to Slack mrkdwn. */
export function markdownToSlack(content: string): string {
  if (typeof content !== "string" || content.length === 0) return "";
  const source = withoutPlaceholders(content);
  const kept: string[] = [];
  let prose = "";
  let last = 0;
  for (const match of source.matchAll(markdownPieces)) {
    prose += source.slice(last, match.index);
    last = match.index + match[0].length;
    prose += `\uE000${kept.push(markdownPiece(match[0])) - 1}\uE001`;
  }
  return restore(markdownProse(prose + source.slice(last)), kept);
}

function markdownPiece(piece: string): string {
  const first = piece.trimStart()[0];
  if (first === "`" || (first === "~" && /^ {0,3}~{3}/.test(piece))) return escapeSlack(piece);
  if (piece.startsWith("\\")) return escapeSlack(piece.slice(1));
  const mention = /^<([@#])([0-9]+)>$/.exec(piece);
  if (mention) return `<${mention[1]}${mention[1] === "@" ? "U" : "C"}${mention[2]}>`;
  if (piece === "<!channel>" || piece === "<!here>") return piece;
  const link = /^!?\[((?:[^\]\\]|\\.)*)\]\((<[^<>]*>|[^\s]*?)(?:\s+"[^"]*")?\)$/.exec(piece);
  if (link) {
    const label = decodeEntities((link[1] ?? "").replace(/\\([!-/:-@[-`{-~])/g, "$1"));
    const url = (link[2] ?? "").replace(/^<([\s\S]*)>$/, "$1");
    if (label === "" || label === url) return `<${escapeSlack(url)}>`;
    return `<${escapeSlack(url)}|${escapeSlack(label)}>`;
  }
  if (piece.startsWith("<")) return `<${escapeSlack(piece.slice(1, -1))}>`;
  return `<${escapeSlack(piece)}>`;
}

// Unlike CommonMark, `*` inside a word is not emphasis here: Slack would show it as typed.
const markdownBoldItalic = /(?<![\p{L}\p{N}*])\*\*\*(?=\S)([^*\n]*?\S)\*\*\*(?![\p{L}\p{N}*])/gu;
const markdownBold = /(?<![\p{L}\p{N}*])\*\*(?=[^\s*])([^\n]*?[^\s])\*\*(?![\p{L}\p{N}*])/gu;
const markdownUnderBold = /(?<![\p{L}\p{N}_])__(?=[^\s_])([^\n]*?[^\s])__(?![\p{L}\p{N}_])/gu;
const markdownItalic = /(?<![\p{L}\p{N}*])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![\p{L}\p{N}*])/gu;
const markdownUnderItalic = /(?<![\p{L}\p{N}_])_(?=[^\s_])([^_\n]*?[^\s_])_(?![\p{L}\p{N}_])/gu;
const markdownStrike = /(?<![\p{L}\p{N}~])~~?(?=[^\s~])([^~\n]*?[^\s~])~~?(?![\p{L}\p{N}~])/gu;

/** Prose: wire escapes, then emphasis (bold stands in as a private-use character meanwhile). */
function markdownProse(prose: string): string {
  return escapeSlack(decodeEntities(prose))
    .replace(markdownBoldItalic, "\uE002_$1_\uE002")
    .replace(markdownBold, "\uE002$1\uE002")
    .replace(markdownUnderBold, "\uE002$1\uE002")
    .replace(markdownItalic, "_$1_")
    .replace(markdownUnderItalic, "_$1_")
    .replace(markdownStrike, "~$1~")
    .replaceAll("\uE002", "*");
}

/** Slack's three wire escapes. */
const escapeSlack = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** The entities Markdown would show as characters, as those characters. */
function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(
    /&(?:(lt|gt|amp|quot|apos|nbsp)|#([0-9]{1,7})|#x([0-9a-f]{1,6}));/gi,
    (entity, name: string | undefined, decimal: string | undefined, hex: string | undefined) => {
      if (name) return namedEntities[name.toLowerCase()] ?? entity;
      const code = decimal ? Number(decimal) : Number.parseInt(hex ?? "", 16);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
        ? String.fromCodePoint(code)
        : entity;
    },
  );
}

const namedEntities: Record<string, string> = {
  lt: "<",
  gt: ">",
  amp: "&",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
};

// ── Attachments and blocks ──────────────────────────────────────────────────────────────────

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const str = (value: unknown): string =>
  typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
/** Only links a reader can follow safely become links. */
const isWebUrl = (value: string) => /^(?:https?:|mailto:)\S+$/i.test(value);
const link = (label: string, url: string) =>
  isWebUrl(url)
    ? `[${escapeLabel(label || url)}](${markdownDestination(url)})`
    : escapeMarkdown(label);

/** Lines quoted with `> `, so that a block reads as one piece set apart. */
const quote = (text: string) =>
  text
    .split("\n")
    .map((line) => (line === "" ? ">" : `> ${line}`))
    .join("\n");

/** Slack's three named colors, and the squares of Unicode by their RGB for the rest. */
const namedColors: Record<string, string> = { good: "🟩", warning: "🟨", danger: "🟥" };
const squares: [string, number, number, number][] = [
  ["🟥", 221, 46, 68],
  ["🟧", 244, 144, 12],
  ["🟨", 253, 203, 88],
  ["🟩", 120, 177, 89],
  ["🟦", 85, 172, 238],
  ["🟪", 170, 142, 214],
  ["🟫", 193, 105, 79],
  ["⬛", 49, 55, 61],
  ["⬜", 230, 231, 232],
];

/** The square nearest a Slack color (`good`, `#36a64f`, `36a64f`), or "" when it is not one. */
export function colorMarker(color: unknown): string {
  const named = namedColors[str(color).toLowerCase()];
  if (named) return named;
  const value = str(color);
  const hex = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(value.trim())?.[1];
  if (!hex) return "";
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join("") : hex;
  const [r, g, b] = [0, 2, 4].map((at) => Number.parseInt(full.slice(at, at + 2), 16)) as [
    number,
    number,
    number,
  ];
  let best = "";
  let distance = Number.POSITIVE_INFINITY;
  for (const [square, sr, sg, sb] of squares) {
    const d = (r - sr) ** 2 + (g - sg) ** 2 + (b - sb) ** 2;
    if (d < distance) [best, distance] = [square, d];
  }
  return best;
}

/**
 * Slack's legacy attachments as Markdown: each one a block quote with its color's square, author,
 * title, text, fields, image, footer; `fallback` only when it shows nothing else. Blank lines
 * between attachments.
 */
export function attachmentsToMarkdown(
  attachments: unknown,
  resolve: SlackResolver = defaultResolver,
): string {
  return list(attachments)
    .map((attachment) => (isObject(attachment) ? attachmentToMarkdown(attachment, resolve) : ""))
    .filter((text) => text !== "")
    .join("\n\n");
}

function attachmentToMarkdown(a: Json, resolve: SlackResolver): string {
  const mrkdwn = (value: unknown) => slackToMarkdown(str(value), resolve).trim();
  const lines: string[] = [];
  const author = str(a.author_name).trim();
  if (author) lines.push(link(author, str(a.author_link)));
  const title = str(a.title).trim();
  if (title)
    lines.push(
      `**${isWebUrl(str(a.title_link)) ? link(title, str(a.title_link)) : escapeMarkdown(title)}**`,
    );
  if (mrkdwn(a.text)) lines.push(mrkdwn(a.text));
  for (const field of list(a.fields)) {
    if (!isObject(field)) continue;
    const name = escapeMarkdown(str(field.title).trim());
    const value = mrkdwn(field.value);
    if (!name && !value) continue;
    if (!name) lines.push(value);
    else if (!value) lines.push(`**${name}**`);
    else lines.push(value.includes("\n") ? `**${name}**\n${value}` : `**${name}**: ${value}`);
  }
  const blocks = blocksToMarkdown(a.blocks, resolve);
  if (blocks) lines.push(blocks);
  const image = str(a.image_url);
  if (isWebUrl(image)) lines.push(link("image", image));
  const footer = [mrkdwn(a.footer), attachmentTime(a.ts)].filter(Boolean).join(" · ");
  if (footer) lines.push(footer);
  const actions = list(a.actions)
    .filter(isObject)
    .map((action) => (isWebUrl(str(action.url)) ? link(str(action.text), str(action.url)) : ""))
    .filter(Boolean);
  if (actions.length > 0) lines.push(actions.join(" · "));
  if (lines.length === 0 && str(a.fallback).trim()) lines.push(mrkdwn(a.fallback));
  const pretext = mrkdwn(a.pretext);
  if (lines.length === 0) return pretext;
  const marker = colorMarker(a.color);
  const body = quote(marker ? `${marker} ${lines.join("\n")}` : lines.join("\n"));
  return pretext ? `${pretext}\n${body}` : body;
}

/** An attachment's `ts` (Unix seconds, a number or a string) as an ISO time. */
function attachmentTime(ts: unknown): string {
  const seconds = typeof ts === "number" ? ts : Number.parseFloat(str(ts));
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 8.64e12) return "";
  return new Date(Math.floor(seconds) * 1000).toISOString();
}

/**
 * Block Kit blocks as Markdown, a paragraph each: section (text, fields, an image or link
 * accessory), header, context, divider, image, rich_text, markdown, video and file as links;
 * actions only as their link buttons; input and unknown blocks are left out.
 */
export function blocksToMarkdown(
  blocks: unknown,
  resolve: SlackResolver = defaultResolver,
): string {
  return list(blocks)
    .map((block) => (isObject(block) ? blockToMarkdown(block, resolve) : ""))
    .filter((text) => text !== "")
    .join("\n\n");
}

/** A text object: `mrkdwn` is Slack's markup, `plain_text` is shown as is. */
function textObject(value: unknown, resolve: SlackResolver): string {
  if (typeof value === "string") return slackToMarkdown(value, resolve).trim();
  if (!isObject(value)) return "";
  if (value.type === "plain_text") return escapeMarkdown(str(value.text)).trim();
  if (value.verbatim === true) return slackToMarkdown(str(value.text), resolve).trim();
  return slackToMarkdown(str(value.text), resolve).trim();
}

function imageLink(element: Json): string {
  const file = isObject(element.slack_file) ? str(element.slack_file.url) : "";
  const url = str(element.image_url) || file;
  const label = str(element.alt_text) || textObject(element.title, defaultResolver) || "image";
  return isWebUrl(url) ? link(label, url) : escapeMarkdown(label);
}

/** Buttons and other elements: only those that open a link have anything to show here. */
function elementLink(element: unknown, resolve: SlackResolver): string {
  if (!isObject(element)) return "";
  if (element.type === "image") return imageLink(element);
  const url = str(element.url);
  if (!isWebUrl(url)) return "";
  return link(textObject(element.text, resolve).replace(/\\(.)/g, "$1") || url, url);
}

function blockToMarkdown(block: Json, resolve: SlackResolver): string {
  switch (block.type) {
    case "section": {
      const parts = [textObject(block.text, resolve)];
      for (const field of list(block.fields)) parts.push(textObject(field, resolve));
      parts.push(elementLink(block.accessory, resolve));
      return parts.filter(Boolean).join("\n");
    }
    case "header": {
      const text = textObject(block.text, resolve).replace(/\n/g, " ");
      return text ? `### ${text}` : "";
    }
    case "context":
      return list(block.elements)
        .map((element) =>
          isObject(element) && element.type === "image"
            ? imageLink(element)
            : textObject(element, resolve),
        )
        .filter(Boolean)
        .join(" · ");
    case "divider":
      return "---";
    case "image": {
      const image = imageLink(block);
      const title = textObject(block.title, resolve);
      return title && !image.includes(title) ? `${title}\n${image}` : image;
    }
    case "markdown":
      // Already Markdown, the standard kind.
      return str(block.text).trim();
    case "rich_text":
      return richText(list(block.elements), resolve);
    case "actions":
      return list(block.elements)
        .map((element) => elementLink(element, resolve))
        .filter(Boolean)
        .join(" · ");
    case "video": {
      const url = str(block.title_url) || str(block.video_url);
      return link(textObject(block.title, resolve) || str(block.alt_text) || "video", url);
    }
    case "file":
      return escapeMarkdown(`[file ${str(block.external_id)}]`);
    default:
      return "";
  }
}

/** A rich_text block's sections, lists, quotes and preformatted parts, one after another. */
function richText(elements: unknown[], resolve: SlackResolver): string {
  const out: string[] = [];
  for (const element of elements) {
    if (!isObject(element)) continue;
    switch (element.type) {
      case "rich_text_section":
        out.push(richInline(list(element.elements), resolve));
        break;
      case "rich_text_quote":
        out.push(quote(richInline(list(element.elements), resolve)));
        break;
      case "rich_text_preformatted": {
        const code = list(element.elements)
          .filter(isObject)
          .map((part) => str(part.text) || str(part.url))
          .join("");
        out.push(`\`\`\`\n${code.replace(/```/g, "``\u200b`")}\n\`\`\``);
        break;
      }
      case "rich_text_list": {
        const indent = "   ".repeat(Math.min(8, Math.max(0, Number(element.indent) || 0)));
        const start = Math.max(1, Math.floor(Number(element.offset) || 0) + 1);
        const items = list(element.elements).map((item, index) => {
          const text = isObject(item) ? richInline(list(item.elements), resolve) : "";
          const bullet = element.style === "ordered" ? `${start + index}.` : "-";
          return `${indent}${bullet} ${text.replace(/\n/g, `\n${indent}   `)}`;
        });
        out.push(items.join("\n"));
        break;
      }
    }
  }
  // Slack's sections carry their own line breaks; lists and quotes need a line of their own.
  return out
    .reduce((text, part, index) => {
      if (index === 0) return part;
      return text.endsWith("\n") || part.startsWith("\n") ? text + part : `${text}\n${part}`;
    }, "")
    .trim();
}

/** Rich text's inline elements: styled text, links, mentions, emoji, dates, colors. */
function richInline(elements: unknown[], resolve: SlackResolver): string {
  let out = "";
  for (const element of elements) {
    if (!isObject(element)) continue;
    const style = isObject(element.style) ? element.style : {};
    let text: string;
    switch (element.type) {
      case "text": {
        // Line breaks stay outside the markers, which Markdown reads only on one line.
        text = str(element.text)
          .split("\n")
          .map((line) => styled(escapeMarkdown(line), style))
          .join("\n");
        out += text;
        continue;
      }
      case "link": {
        const url = str(element.url);
        const label = str(element.text);
        text = isWebUrl(url)
          ? label && label !== url
            ? link(label, url)
            : markdownDestination(url)
          : escapeMarkdown(label || url);
        break;
      }
      case "user": {
        const id = safely(() => resolve.user(str(element.user_id)));
        text = id === undefined ? escapeMarkdown(`@${str(element.user_id)}`) : `<@${id}>`;
        break;
      }
      case "channel": {
        const id = safely(() => resolve.chat(str(element.channel_id)));
        text = id === undefined ? escapeMarkdown(`#${str(element.channel_id)}`) : `<#${id}>`;
        break;
      }
      case "broadcast":
        text = element.range === "here" ? "<!here>" : "<!channel>";
        break;
      case "emoji":
        text = emoji(element);
        break;
      case "usergroup":
        text = escapeMarkdown(`@${str(element.usergroup_id)}`);
        break;
      case "team":
        text = escapeMarkdown(`@${str(element.team_id)}`);
        break;
      case "date":
        text = escapeMarkdown(str(element.fallback)) || attachmentTime(element.timestamp);
        break;
      case "color":
        text = escapeMarkdown(str(element.value));
        break;
      default:
        text = escapeMarkdown(str(element.text));
    }
    out += styled(text, style);
  }
  return out;
}

/** Bold, italic, strike and code around text that has any (never around spaces alone). */
function styled(text: string, style: Json): string {
  const trimmed = text.trim();
  if (trimmed === "") return text;
  const lead = text.slice(0, text.indexOf(trimmed));
  const tail = text.slice(lead.length + trimmed.length);
  let inner = trimmed;
  if (style.code === true)
    inner = `\`${inner.replace(/\\([\\`*_~[\]])/g, "$1").replaceAll("`", "ˋ")}\``;
  if (style.strike === true) inner = `~~${inner}~~`;
  if (style.italic === true) inner = `*${inner}*`;
  if (style.bold === true) inner = `**${inner}**`;
  return lead + inner + tail;
}

/** An emoji element: its Unicode characters when given, else its `:name:`. */
function emoji(element: Json): string {
  const unicode = str(element.unicode);
  if (/^[0-9a-f]{1,6}(?:-[0-9a-f]{1,6})*$/i.test(unicode)) {
    try {
      return String.fromCodePoint(...unicode.split("-").map((hex) => Number.parseInt(hex, 16)));
    } catch {
      // A code point past Unicode's range: the name will do.
    }
  }
  const name = str(element.name).replace(/[^a-z0-9_+-]/gi, "");
  return name ? `:${name}:` : "";
}

/** A resolver's answer, or undefined when it throws or answers something that is not an id. */
function safely(lookup: () => number | undefined): number | undefined {
  try {
    const id = lookup();
    return typeof id === "number" && Number.isSafeInteger(id) && id > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}
