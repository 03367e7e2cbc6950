// Message content as the contract writes it: Markdown (CommonMark with GitHub's strikethrough,
// autolinks and fenced code) plus Slack's notation for mentions, `<@N>`, `<!channel>`, `<!here>`
// and `<#N>`. Turned into HTML here by markdown-it with raw HTML off, so that nothing in content
// becomes markup except what these rules make; the view sanitizes the result again.
import markdownIt, { type MarkdownIt, type StateInline, type Token } from "markdown-it";
import { chatTitle, type State } from "./store.ts";

/** Whom and which chats mentions name, as the reader sees them. */
export type Directory = {
  me: number;
  userName(id: number): string | undefined;
  chatName(id: number): string | undefined;
};

/** The reader's directory: the workspace's users and the reader's chats, by their titles. */
export function directoryOf(state: Pick<State, "me" | "users" | "chats">): Directory {
  return {
    me: state.me.id,
    userName: (id) => state.users[id]?.fullname,
    chatName: (id) => {
      const chat = state.chats[id];
      return chat && chatTitle(state, chat);
    },
  };
}

type Mention =
  | { kind: "user"; id: number }
  | { kind: "chat"; id: number }
  | { kind: "everyone"; name: "channel" | "here" };

const mentionAt = /^<(?:([@#])([1-9][0-9]{0,14})|!(channel|here))>/;

/**
 * The inline rule for mentions. A user it does not know stays plain text, as the contract says;
 * code spans and fences never reach it, so code shows the notation as typed.
 */
function mention(state: StateInline, silent: boolean): boolean {
  if (state.src.charCodeAt(state.pos) !== 0x3c /* < */) return false;
  const match = mentionAt.exec(state.src.slice(state.pos, state.pos + 20));
  if (!match) return false;
  const directory = state.env as Directory;
  let found: Mention;
  if (match[3]) found = { kind: "everyone", name: match[3] as "channel" | "here" };
  else if (match[1] === "#") found = { kind: "chat", id: Number(match[2]) };
  else {
    const id = Number(match[2]);
    if (directory.userName(id) === undefined) return false;
    found = { kind: "user", id };
  }
  if (!silent) state.push("mention", "", 0).meta = found;
  state.pos += match[0].length;
  return true;
}

const escapeHtml = (text: string) =>
  text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");

function renderMention(tokens: Token[], index: number, _options: unknown, env: unknown): string {
  const found = tokens[index]?.meta as Mention;
  const directory = env as Directory;
  switch (found.kind) {
    case "user": {
      const me = found.id === directory.me ? " me" : "";
      const name = directory.userName(found.id) ?? "";
      return `<span class="mention${me}" data-user-id="${found.id}">@${escapeHtml(name)}</span>`;
    }
    case "everyone":
      return `<span class="mention everyone">@${found.name}</span>`;
    case "chat": {
      // A chat the reader is not in keeps its number: its name is not theirs to see.
      const name = directory.chatName(found.id) ?? String(found.id);
      return `<a class="chat-mention" href="/chat/${found.id}">#${escapeHtml(name)}</a>`;
    }
  }
}

/** Links go only where a person can follow them safely. */
export const allowedLink = /^(?:https?:|mailto:)/i;

function createMarkdown(): MarkdownIt {
  const md = markdownIt("default", {
    html: false,
    linkify: true,
    typographer: false,
    // A line break typed in a chat is a line break, as in every chat app.
    breaks: true,
  });
  // Images from content would load from anywhere (and track the reader); tables are not in the
  // contract. Files are how pictures are shared.
  md.disable(["image", "table"]);
  md.validateLink = (url) => allowedLink.test(url);
  md.inline.ruler.before("autolink", "mention", mention);
  md.renderer.rules.mention = renderMention;
  const defaultLinkOpen = md.renderer.rules.link_open;
  md.renderer.rules.link_open = (tokens, index, options, env, self) => {
    const token = tokens[index];
    token?.attrSet("target", "_blank");
    token?.attrSet("rel", "noopener noreferrer");
    return defaultLinkOpen
      ? defaultLinkOpen(tokens, index, options, env, self)
      : self.renderToken(tokens, index, options);
  };
  return md;
}

const md = createMarkdown();

/** The content as HTML for this reader (not yet sanitized: see the view). */
export function renderContent(content: string, directory: Directory): string {
  return md.render(content, directory).trim();
}

const userMention = /<@([1-9][0-9]{0,14})>/g;
const chatMention = /<#([1-9][0-9]{0,14})>/g;
const everyoneMention = /<!(?:channel|here)>/;

/** Whether content mentions this user: by id, or everyone, anywhere (code included, as counted). */
export function mentions(content: string, userId: number): boolean {
  if (everyoneMention.test(content)) return true;
  for (const match of content.matchAll(userMention)) if (Number(match[1]) === userId) return true;
  return false;
}

/**
 * Renders content once per content and per what its mentions resolve to (a renamed chat, a user
 * who joins, a different reader), so that drawing a chat again costs a lookup per message.
 */
export class ContentRenderer {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly sanitize: (html: string) => string = (html) => html,
    private readonly capacity = 1000,
  ) {}

  html(content: string, directory: Directory): string {
    const key = cacheKey(content, directory);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const html = this.sanitize(renderContent(content, directory));
    // Oldest first out: a Map iterates in insertion order.
    if (this.cache.size >= this.capacity) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(key, html);
    return html;
  }
}

function cacheKey(content: string, directory: Directory): string {
  let key = `${directory.me}\u0000${content}`;
  for (const match of content.matchAll(userMention)) {
    key += `\u0000@${match[1]}=${directory.userName(Number(match[1])) ?? ""}`;
  }
  for (const match of content.matchAll(chatMention)) {
    key += `\u0000#${match[1]}=${directory.chatName(Number(match[1])) ?? ""}`;
  }
  return key;
}
