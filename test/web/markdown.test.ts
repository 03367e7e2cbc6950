// Message content as the web app renders it: Markdown, mentions and links, without a browser
// (markdown-it's output; DOMPurify, the second line, is exercised in Chromium by test/e2e/web).
import { describe, expect, test } from "bun:test";
import {
  ContentRenderer,
  type Directory,
  directoryOf,
  mentions,
  renderContent,
} from "../../web/state/markdown.ts";
import type { Chat } from "../../web/state/store.ts";
import { initialState, loaded } from "../../web/state/store.ts";
import { user } from "../support/web-state.ts";

const alice = user(1, "Alice");
const bob = user(2, "Bob <b>Builder</b>");
const general: Chat = {
  id: 7,
  type: "public_channel",
  name: "general",
  ownerId: 1,
  workspaceId: 1,
  members: [1, 2],
  lastMessageId: null,
  createdAt: "2026-01-01T00:00:00.000Z",
  archived: false,
};

/** Alice reads; Bob is the other user of the workspace; #general is hers. */
const acme = {
  id: 1,
  name: "Acme",
  ownerId: 1,
  createdAt: "2026-01-01T00:00:00.000Z",
  settings: {
    invites: "members" as const,
    channelCreation: "members" as const,
    retentionDays: null,
  },
};
const state = loaded(initialState(alice, acme), [alice, bob], [general], []);
const asAlice = directoryOf(state);
const render = (content: string, directory: Directory = asAlice) =>
  renderContent(content, directory);

describe("Markdown", () => {
  test("bold, italics, strikethrough and inline code become their elements", () => {
    expect(render("**bold** _it_ *also* ~~gone~~ `x < y`")).toBe(
      "<p><strong>bold</strong> <em>it</em> <em>also</em> <s>gone</s> <code>x &lt; y</code></p>",
    );
  });

  test("lists, quotes and fenced code keep their structure; a typed line break stays one", () => {
    const html = render(
      "> quoted\n\n- one\n- two\n\n1. first\n\n```ts\nconst a = 1 < 2;\n```\nline\nnext",
    );
    expect(html).toContain("<blockquote>\n<p>quoted</p>\n</blockquote>");
    expect(html).toContain("<ul>\n<li>one</li>\n<li>two</li>\n</ul>");
    expect(html).toContain("<ol>\n<li>first</li>\n</ol>");
    expect(html).toContain('<pre><code class="language-ts">const a = 1 &lt; 2;\n</code></pre>');
    expect(html).toContain("<p>line<br>\nnext</p>");
  });

  test("quotes and dashes are left as typed (no typographer)", () => {
    expect(render(`"quoted" -- it's (c)`)).toBe(`<p>&quot;quoted&quot; -- it's (c)</p>`);
  });

  test("raw HTML in content is text, never markup", () => {
    expect(render(`<img src=x onerror="alert(1)"><b>bold?</b>`)).toBe(
      "<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;b&gt;bold?&lt;/b&gt;</p>",
    );
    expect(render("<script>alert(1)</script>\n\n<div>\nblock\n</div>")).not.toMatch(
      /<(script|div)/,
    );
  });

  test("images from content are not loaded: the alt text shows, as a link", () => {
    expect(render("![cat](https://example.com/cat.png)")).toBe(
      '<p>!<a href="https://example.com/cat.png" target="_blank" rel="noopener noreferrer">cat</a></p>',
    );
  });
});

describe("links", () => {
  const link = (href: string, text: string) =>
    `<a href="${href}" target="_blank" rel="noopener noreferrer">${text}</a>`;

  test("http, https and mailto links open in a new tab without the opener", () => {
    expect(render("[site](https://example.com/a?b=c) [plain](http://example.org)")).toBe(
      `<p>${link("https://example.com/a?b=c", "site")} ${link("http://example.org", "plain")}</p>`,
    );
    expect(render("[mail](mailto:bob@example.com)")).toBe(
      `<p>${link("mailto:bob@example.com", "mail")}</p>`,
    );
  });

  test("bare URLs, autolinks and email addresses become links", () => {
    expect(render("see https://example.com/x. or <https://example.org> or bob@example.com")).toBe(
      `<p>see ${link("https://example.com/x", "https://example.com/x")}. or ${link(
        "https://example.org",
        "https://example.org",
      )} or ${link("mailto:bob@example.com", "bob@example.com")}</p>`,
    );
  });

  test("any other protocol is not a link: the Markdown stays as text", () => {
    for (const href of [
      "javascript:alert(1)",
      "JaVaScRiPt:alert(1)",
      "&#106;avascript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "data:image/png;base64,AAAA",
      "vbscript:msgbox",
      "file:///etc/passwd",
      "ftp://example.com",
      "/chat/1",
    ]) {
      const html = render(`[x](${href}) <${href}>`);
      expect(html).not.toContain("<a");
      expect(html.startsWith("<p>[x](")).toBe(true);
    }
  });
});

describe("mentions", () => {
  test("a user of the workspace is a chip with their name, escaped", () => {
    expect(render("hi <@2>!")).toBe(
      '<p>hi <span class="mention" data-user-id="2">@Bob &lt;b&gt;Builder&lt;/b&gt;</span>!</p>',
    );
  });

  test("a mention of the reader is marked as theirs", () => {
    expect(render("<@1>")).toBe('<p><span class="mention me" data-user-id="1">@Alice</span></p>');
  });

  test("an id that is no user of the workspace stays plain text", () => {
    expect(render("<@99> <@0> <@x> <@ 2>")).toBe(
      "<p>&lt;@99&gt; &lt;@0&gt; &lt;@x&gt; &lt;@ 2&gt;</p>",
    );
  });

  test("<!channel> and <!here> are chips for everyone", () => {
    expect(render("<!channel> and <!here>, not <!everyone>")).toBe(
      '<p><span class="mention everyone">@channel</span> and <span class="mention everyone">@here</span>, not &lt;!everyone&gt;</p>',
    );
  });

  test("a chat is a link to its URL, by name when the reader has it, else by number", () => {
    expect(render("see <#7> and <#8>")).toBe(
      '<p>see <a class="chat-mention" href="/chat/7">#general</a> and <a class="chat-mention" href="/chat/8">#8</a></p>',
    );
  });

  test("code spans and fenced code keep the notation visible, as code", () => {
    expect(render("`<@2>` <@2>")).toBe(
      '<p><code>&lt;@2&gt;</code> <span class="mention" data-user-id="2">@Bob &lt;b&gt;Builder&lt;/b&gt;</span></p>',
    );
    expect(render("```\n<@2> <!here> <#7>\n```")).toBe(
      "<pre><code>&lt;@2&gt; &lt;!here&gt; &lt;#7&gt;\n</code></pre>",
    );
  });

  test("a backslash keeps a mention from being one", () => {
    expect(render("\\<@2>")).toBe("<p>&lt;@2&gt;</p>");
  });

  test("mentions work inside formatting and link text", () => {
    expect(render("**<@1>**")).toBe(
      '<p><strong><span class="mention me" data-user-id="1">@Alice</span></strong></p>',
    );
  });

  test("a message mentions a user by id or everyone, anywhere in it, code included", () => {
    expect(mentions("hi <@1>", 1)).toBe(true);
    expect(mentions("hi <@12>", 1)).toBe(false);
    expect(mentions("`<@1>`", 1)).toBe(true);
    expect(mentions("<!here> all", 1)).toBe(true);
    expect(mentions("<!channel>", 5)).toBe(true);
    expect(mentions("@Alice, <#1>", 1)).toBe(false);
  });
});

describe("the renderer's memory", () => {
  test("renders a content once, and again when what its mentions name changes", () => {
    let sanitized = 0;
    const renderer = new ContentRenderer((html) => {
      sanitized++;
      return html;
    });
    const first = renderer.html("hi <@2> in <#7>", asAlice);
    expect(renderer.html("hi <@2> in <#7>", directoryOf(state))).toBe(first);
    expect(sanitized).toBe(1);

    const renamed = loaded(state, [alice, user(2, "Robert")], [{ ...general, name: "lobby" }], []);
    const again = renderer.html("hi <@2> in <#7>", directoryOf(renamed));
    expect(again).toContain("@Robert");
    expect(again).toContain("#lobby");
    expect(sanitized).toBe(2);

    // Another reader: the chip marked as "me" is theirs now.
    const asBob = { ...asAlice, me: 2 };
    expect(renderer.html("hi <@2> in <#7>", asBob)).toContain('class="mention me"');
  });

  test("keeps at most its capacity, dropping the oldest first", () => {
    let sanitized = 0;
    const renderer = new ContentRenderer((html) => {
      sanitized++;
      return html;
    }, 2);
    renderer.html("a", asAlice);
    renderer.html("b", asAlice);
    renderer.html("c", asAlice);
    renderer.html("c", asAlice);
    expect(sanitized).toBe(3);
    renderer.html("a", asAlice);
    expect(sanitized).toBe(4);
  });

  test("fifty messages render fast enough to redraw a chat at once", () => {
    const renderer = new ContentRenderer();
    const contents = Array.from(
      { length: 50 },
      (_, i) => `**message ${i}** with _some_ \`code\`, a link https://example.com/${i} and <@2>`,
    );
    const started = performance.now();
    for (const content of contents) renderer.html(content, asAlice);
    const cold = performance.now() - started;
    const again = performance.now();
    for (const content of contents) renderer.html(content, asAlice);
    const warm = performance.now() - again;
    expect(cold).toBeLessThan(200);
    expect(warm).toBeLessThan(cold);
  });
});
