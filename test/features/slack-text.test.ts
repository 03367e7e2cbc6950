// Slack's mrkdwn and our Markdown, both ways (API.md § Integrations), with the attachments and
// Block Kit blocks that webhooks and imports carry rendered to Markdown.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  attachmentsToMarkdown,
  blocksToMarkdown,
  colorMarker,
  escapeMarkdown,
  markdownToSlack,
  type SlackResolver,
  slackToMarkdown,
} from "../../src/features/integrations/slack-text.ts";

/** What Slack does to typed text before it goes on the wire. */
const slackEscape = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

describe("Slack to Markdown", () => {
  test("user mentions become ours, with or without a label", () => {
    expect(slackToMarkdown("hi <@U42>")).toBe("hi <@42>");
    expect(slackToMarkdown("hi <@U42|alice>!")).toBe("hi <@42>!");
  });

  test("a user id that names nobody here stays readable instead of a broken mention", () => {
    expect(slackToMarkdown("<@W0123ABC>")).toBe("@W0123ABC");
    expect(slackToMarkdown("<@UABCDEF|bob>")).toBe("@bob");
    expect(slackToMarkdown("<@U99999999999>")).toBe("@U99999999999");
  });

  test("channel links become ours, with or without a name, and unknown ones stay readable", () => {
    expect(slackToMarkdown("see <#C7|general> and <#C8>")).toBe("see <#7> and <#8>");
    expect(slackToMarkdown("see <#D9>")).toBe("see <#9>");
    expect(slackToMarkdown("<#CABC123|random> <#G1>")).toBe("#random #G1");
  });

  test("a resolver maps another workspace's ids, and what it does not know stays text", () => {
    const resolve: SlackResolver = {
      user: (id) => ({ U0AAA: 5 })[id],
      chat: (id) => ({ C0BBB: 9 })[id],
    };
    expect(slackToMarkdown("<@U0AAA> in <#C0BBB|x>, not <@U42|carol> nor <#C7|y>", resolve)).toBe(
      "<@5> in <#9>, not @carol nor #y",
    );
  });

  test("a resolver that throws or answers nonsense leaves the text readable", () => {
    const throwing: SlackResolver = {
      user: () => {
        throw new Error("boom");
      },
      chat: () => -3,
    };
    expect(slackToMarkdown("<@U1> <#C1|gen>", throwing)).toBe("@U1 #gen");
  });

  test("links with a label become Markdown links, bare ones bare addresses", () => {
    expect(slackToMarkdown("<https://example.com|Example>")).toBe("[Example](https://example.com)");
    expect(slackToMarkdown("go to <https://example.com>")).toBe("go to https://example.com");
    expect(slackToMarkdown("<https://example.com|https://example.com>")).toBe(
      "https://example.com",
    );
  });

  test("a label's brackets are escaped and its wire escapes undone", () => {
    expect(slackToMarkdown("<https://x.io|[a] &amp; b>")).toBe("[\\[a\\] & b](https://x.io)");
  });

  test("a url keeps balanced parentheses and encodes spaces and stray ones", () => {
    expect(slackToMarkdown("<https://en.wikipedia.org/wiki/Bun_(software)|Bun>")).toBe(
      "[Bun](https://en.wikipedia.org/wiki/Bun_(software))",
    );
    expect(slackToMarkdown("<https://x.io/a)b|x>")).toBe("[x](https://x.io/a%29b)");
  });

  test("mailto links keep their link and show the address", () => {
    expect(slackToMarkdown("<mailto:bob@example.com|Bob>")).toBe("[Bob](mailto:bob@example.com)");
    expect(slackToMarkdown("<mailto:bob@example.com>")).toBe(
      "[bob@example.com](mailto:bob@example.com)",
    );
  });

  test("bold, italic and strikethrough become Markdown's", () => {
    expect(slackToMarkdown("*bold* _italic_ ~struck~")).toBe("**bold** *italic* ~~struck~~");
    expect(slackToMarkdown("*_both_*")).toBe("***both***");
    expect(slackToMarkdown("*a* and *several words*")).toBe("**a** and **several words**");
  });

  test("markers inside words or next to spaces are left as typed", () => {
    expect(slackToMarkdown("snake_case_name 2*3*4 a ~ b ~ c * d *")).toBe(
      "snake_case_name 2*3*4 a ~ b ~ c * d *",
    );
  });

  test("emphasis does not cross a line", () => {
    expect(slackToMarkdown("*one\ntwo*")).toBe("*one\ntwo*");
  });

  test("the three wire escapes are undone", () => {
    expect(slackToMarkdown("a &lt; b &gt; c &amp; d")).toBe("a < b > c & d");
  });

  test("escaped text never turns into a mention or an entity here", () => {
    expect(slackToMarkdown("&lt;@42&gt; &lt;#7&gt; &lt;!here&gt;")).toBe(
      "&lt;@42> &lt;#7> &lt;!here>",
    );
    expect(slackToMarkdown("&amp;lt; and &amp;#64;")).toBe("&amp;lt; and &amp;#64;");
  });

  test("everyone-mentions are kept as ours; everyone means the chat's members here", () => {
    expect(slackToMarkdown("<!channel> <!here> <!here|here> <!everyone>")).toBe(
      "<!channel> <!here> <!here> <!channel>",
    );
  });

  test("user groups, dates and other commands show their label", () => {
    expect(slackToMarkdown("<!subteam^S123|@oncall> at <!date^1392734382^{date}|Feb 18>")).toBe(
      "@oncall at Feb 18",
    );
    expect(slackToMarkdown("<!date^0^{date}>")).toBe("1970-01-01T00:00:00.000Z");
    expect(slackToMarkdown("<!subteam^S123>")).toBe("@S123");
  });

  test("code spans and blocks keep their formatting characters, with wire escapes undone", () => {
    expect(slackToMarkdown("`*not bold* a &lt; b` and *bold*")).toBe(
      "`*not bold* a < b` and **bold**",
    );
    expect(slackToMarkdown("```\nconst x = *y* &amp;&amp; _z_;\n```")).toBe(
      "```\nconst x = *y* && _z_;\n```",
    );
  });

  test("a block of several lines gets lines of its own, so that it ends where Slack's ends", () => {
    expect(slackToMarkdown("look: ```a\nb``` *done*")).toBe("look: \n```\na\nb\n```\n **done**");
    expect(slackToMarkdown("```\na\n```\nok")).toBe("```\na\n```\nok");
  });

  test("links inside code show the text Slack showed", () => {
    expect(slackToMarkdown("```curl <https://x.io|x.io> <https://y.io>```")).toBe(
      "```curl x.io https://y.io```",
    );
  });

  test("a link inside bold stays a link inside bold", () => {
    expect(slackToMarkdown("*see <https://x.io|this>*")).toBe("**see [this](https://x.io)**");
  });

  test("a Slack blockquote is a Markdown blockquote", () => {
    expect(slackToMarkdown("&gt; quoted\nnot")).toBe("> quoted\nnot");
  });

  test("a backslash before punctuation is shown as typed, since Slack has no escapes", () => {
    expect(slackToMarkdown("C:\\[dir]")).toBe("C:\\\\[dir]");
  });

  test("the place-holder characters of the conversion cannot be smuggled in", () => {
    expect(slackToMarkdown("\uE0000\uE001 <@U1>")).toBe("\uFFFD0\uFFFD <@1>");
    expect(markdownToSlack("\uE0000\uE001 <@1>")).toBe("\uFFFD0\uFFFD <@U1>");
  });

  test("empty and non-string input gives empty text", () => {
    expect(slackToMarkdown("")).toBe("");
    expect(slackToMarkdown(undefined as unknown as string)).toBe("");
    expect(markdownToSlack(42 as unknown as string)).toBe("");
  });
});

describe("Markdown to Slack", () => {
  test("mentions and chat links get Slack's letters", () => {
    expect(markdownToSlack("hi <@42> in <#7>, <!here> and <!channel>")).toBe(
      "hi <@U42> in <#C7>, <!here> and <!channel>",
    );
  });

  test("links become Slack links, and bare or autolinked addresses Slack's <url>", () => {
    expect(markdownToSlack("[the docs](https://x.io/docs) or https://y.io.")).toBe(
      "<https://x.io/docs|the docs> or <https://y.io>.",
    );
    expect(markdownToSlack("<https://z.io/a?b=1&c=2>")).toBe("<https://z.io/a?b=1&amp;c=2>");
    expect(markdownToSlack('[a \\] b](<https://x.io/a b> "title")')).toBe(
      "<https://x.io/a b|a ] b>",
    );
  });

  test("emphasis becomes Slack's", () => {
    expect(markdownToSlack("**b** __b__ *i* _i_ ~~s~~ ~s~ ***bi***")).toBe(
      "*b* *b* _i_ _i_ ~s~ ~s~ *_bi_*",
    );
    expect(markdownToSlack("**bold with *italic* inside**")).toBe("*bold with _italic_ inside*");
  });

  test("& < > are escaped, and Markdown's entities are what they show", () => {
    expect(markdownToSlack("a < b > c & d")).toBe("a &lt; b &gt; c &amp; d");
    expect(markdownToSlack("&lt;@42&gt; &amp; &#33; &copy;")).toBe(
      "&lt;@42&gt; &amp; ! &amp;copy;",
    );
  });

  test("code keeps its characters, escaped for the wire only", () => {
    expect(markdownToSlack("`**x** <@1> a<b` and **y**")).toBe("`**x** &lt;@1&gt; a&lt;b` and *y*");
    expect(markdownToSlack("```ts\nlet a = b && *c*;\n```\n**after**")).toBe(
      "```ts\nlet a = b &amp;&amp; *c*;\n```\n*after*",
    );
    expect(markdownToSlack("``a ` b``")).toBe("``a ` b``");
  });

  test("an unclosed fence runs to the end, untouched", () => {
    expect(markdownToSlack("```\n**x**")).toBe("```\n**x**");
  });

  test("backslash escapes become the character itself", () => {
    expect(markdownToSlack("\\*not italic\\* and \\<")).toBe("*not italic* and &lt;");
  });

  test("an emphasis marker inside a word is left alone", () => {
    expect(markdownToSlack("2*3*4 snake_case_name")).toBe("2*3*4 snake_case_name");
  });

  test("lists, quotes and headings pass through as text Slack shows", () => {
    expect(markdownToSlack("> quote\n- one\n1. two\n# title")).toBe(
      "&gt; quote\n- one\n1. two\n# title",
    );
  });
});

describe("round trips", () => {
  const word = fc.stringMatching(/^[a-z]{1,8}$/);
  /** Typed text without Slack's markers, links or code: what most messages are. */
  const plainText = fc
    .array(
      fc.oneof(
        word,
        fc.constantFrom(" ", "  ", "\n", ".", ",", "!", "?", "'", '"', "(", ")", "-", ":", ";"),
        fc.constantFrom("&", "<", ">", "&amp;", "&lt;", "<@42>", "<#7>", "<!here>", "#", "@"),
        fc.constantFrom("\\", "\\&", "é", "日本", "🎉", "1.", "> ", "- "),
      ),
      { maxLength: 30 },
    )
    .map((parts) => parts.join(""));

  test("a typed < before a URI scheme stays text, never a Markdown autolink, and comes back (found by the property below)", () => {
    for (const typed of ["<a:<@42>", "<ab:<@42>", "<https:x>", "see <mailto:x>"]) {
      const wire = slackEscape(typed);
      const markdown = slackToMarkdown(wire);
      // markdown-it's autolink: a scheme of 2–32 characters, then no space nor angle bracket.
      expect(markdown).not.toMatch(/<[a-z][a-z0-9+.-]{1,31}:[^<>\s]*>/i);
      expect(markdownToSlack(markdown)).toBe(wire);
    }
  });

  test("plain typed text comes back from Markdown exactly as Slack sent it", () => {
    fc.assert(
      fc.property(plainText, (typed) => {
        const wire = slackEscape(typed);
        expect(markdownToSlack(slackToMarkdown(wire))).toBe(wire);
      }),
      { numRuns: 500 },
    );
  });

  /** Pieces of formatted Slack text and the Markdown each becomes. */
  const piece = fc.oneof(
    word.map((w) => [w, w]),
    word.map((w) => [`*${w}*`, `**${w}**`]),
    word.map((w) => [`_${w}_`, `*${w}*`]),
    word.map((w) => [`~${w}~`, `~~${w}~~`]),
    word.map((w) => [`*_${w}_*`, `***${w}***`]),
    fc.integer({ min: 1, max: 2 ** 31 - 1 }).map((id) => [`<@U${id}>`, `<@${id}>`]),
    fc.integer({ min: 1, max: 2 ** 31 - 1 }).map((id) => [`<#C${id}>`, `<#${id}>`]),
    fc.constantFrom(["<!here>", "<!here>"], ["<!channel>", "<!channel>"]),
    fc
      .tuple(word, word)
      .map(([host, label]) => [
        `<https://${host}.io/p|${label}>`,
        `[${label}](https://${host}.io/p)`,
      ]),
    word.map((host) => [`<https://${host}.io>`, `https://${host}.io`]),
    word.map((w) => [`\`${w} *x* &lt;\``, `\`${w} *x* <\``]),
    // A block of several lines stands on lines of its own, as a Markdown fence must.
    word.map((w) => [`\n\`\`\`\n${w} _y_\n\`\`\`\n`, `\n\`\`\`\n${w} _y_\n\`\`\`\n`]),
    word.map((w) => [`\`\`\`${w} *z*\`\`\``, `\`\`\`${w} *z*\`\`\``]),
  );
  const formatted = fc.array(piece, { minLength: 1, maxLength: 12 });

  test("formatted Slack text becomes the expected Markdown and comes back unchanged", () => {
    fc.assert(
      fc.property(formatted, (pieces) => {
        const slack = pieces.map(([s]) => s).join(" ");
        const markdown = pieces.map(([, m]) => m).join(" ");
        expect(slackToMarkdown(slack)).toBe(markdown);
        expect(markdownToSlack(markdown)).toBe(slack);
      }),
      { numRuns: 500 },
    );
  });

  test("converting twice changes nothing more than converting once", () => {
    fc.assert(
      fc.property(formatted, (pieces) => {
        const slack = pieces.map(([s]) => s).join(" ");
        const once = markdownToSlack(slackToMarkdown(slack));
        expect(markdownToSlack(slackToMarkdown(once))).toBe(once);
      }),
      { numRuns: 200 },
    );
  });

  test("nothing throws on arbitrary text, and the result is a string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
        expect(typeof slackToMarkdown(text)).toBe("string");
        expect(typeof markdownToSlack(text)).toBe("string");
        expect(typeof escapeMarkdown(text)).toBe("string");
      }),
      { numRuns: 1000 },
    );
  });

  test("nothing throws on text made of the characters the converters look at", () => {
    const tricky = fc
      .array(
        fc.constantFrom(..."<>@#!|*_~`[]()\\&;:/\n xU1C7".split(""), "```", "&lt;", "http://"),
        { maxLength: 60 },
      )
      .map((parts) => parts.join(""));
    fc.assert(
      fc.property(tricky, (text) => {
        expect(typeof slackToMarkdown(text)).toBe("string");
        expect(typeof markdownToSlack(text)).toBe("string");
        expect(typeof markdownToSlack(slackToMarkdown(text))).toBe("string");
      }),
      { numRuns: 1000 },
    );
  });

  test("Slack text never yields a mention of an id it did not name", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const named = [...text.matchAll(/<@U([1-9][0-9]{0,9})(?:\|[^<>]*)?>/g)].map((m) => m[1]);
        for (const match of slackToMarkdown(text).matchAll(/<@([0-9]+)>/g)) {
          expect(named).toContain(match[1]);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("attachments", () => {
  test("Slack's documented attachment renders every part as one quoted piece", () => {
    const markdown = attachmentsToMarkdown([
      {
        mrkdwn_in: ["text"],
        color: "#36a64f",
        pretext: "Optional pre-text that appears above the attachment block",
        author_name: "author_name",
        author_link: "http://flickr.com/bobby/",
        author_icon: "https://placeimg.com/16/16/people",
        title: "title",
        title_link: "https://api.slack.com/",
        text: "Optional `text` that appears within the attachment",
        fields: [
          { title: "A field's title", value: "This field's value", short: false },
          { title: "A short field's title", value: "A short field's value", short: true },
        ],
        thumb_url: "http://placekitten.com/g/200/200",
        footer: "footer",
        footer_icon: "https://platform.slack-edge.com/img/default_application_icon.png",
        ts: 123456789,
      },
    ]);
    expect(markdown).toBe(
      [
        "Optional pre-text that appears above the attachment block",
        "> 🟩 [author_name](http://flickr.com/bobby/)",
        "> **[title](https://api.slack.com/)**",
        "> Optional `text` that appears within the attachment",
        "> **A field's title**: This field's value",
        "> **A short field's title**: A short field's value",
        "> footer · 1973-11-29T21:33:09.000Z",
      ].join("\n"),
    );
  });

  test("colors by name or hex get the nearest square, and anything else none", () => {
    expect(colorMarker("good")).toBe("🟩");
    expect(colorMarker("warning")).toBe("🟨");
    expect(colorMarker("danger")).toBe("🟥");
    expect(colorMarker("#439FE0")).toBe("🟦");
    expect(colorMarker("000")).toBe("⬛");
    expect(colorMarker("mauve")).toBe("");
    expect(colorMarker(undefined)).toBe("");
  });

  test("the fallback shows only when nothing else would", () => {
    expect(attachmentsToMarkdown([{ fallback: "Build failed", color: "danger" }])).toBe(
      "> 🟥 Build failed",
    );
    expect(attachmentsToMarkdown([{ fallback: "summary", text: "details" }])).toBe("> details");
  });

  test("several attachments are separated by a blank line; junk entries are skipped", () => {
    expect(attachmentsToMarkdown([{ text: "one" }, null, 7, "x", { text: "two" }])).toBe(
      "> one\n\n> two",
    );
  });

  test("mentions and links in an attachment's text and fields are translated", () => {
    expect(
      attachmentsToMarkdown([
        { text: "by <@U3>", fields: [{ title: "PR", value: "<https://g.io/1|#1>" }] },
      ]),
    ).toBe("> by <@3>\n> **PR**: [#1](https://g.io/1)");
  });

  test("multi-line field values go under their title, and images and link buttons are links", () => {
    expect(
      attachmentsToMarkdown([
        {
          fields: [{ title: "Log", value: "a\nb" }],
          image_url: "https://i.io/x.png",
          actions: [
            { type: "button", text: "Open", url: "https://o.io" },
            { type: "button", text: "Ack", name: "ack" },
          ],
        },
      ]),
    ).toBe("> **Log**\n> a\n> b\n> [image](https://i.io/x.png)\n> [Open](https://o.io)");
  });

  test("links that are not web or mail addresses do not become links", () => {
    expect(
      attachmentsToMarkdown([
        { title: "t", title_link: "javascript:alert(1)", image_url: "data:x" },
      ]),
    ).toBe("> **t**");
  });

  test("an attachment's blocks are rendered inside it", () => {
    expect(
      attachmentsToMarkdown([
        { color: "good", blocks: [{ type: "section", text: { type: "mrkdwn", text: "*ok*" } }] },
      ]),
    ).toBe("> 🟩 **ok**");
  });

  test("nothing throws on arbitrary JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(typeof attachmentsToMarkdown(value)).toBe("string");
        expect(typeof attachmentsToMarkdown([value])).toBe("string");
        expect(typeof blocksToMarkdown(value)).toBe("string");
        expect(typeof blocksToMarkdown([value])).toBe("string");
      }),
      { numRuns: 500 },
    );
  });

  test("nothing throws on attachments and blocks of the right shape with odd values", () => {
    const odd = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.jsonValue());
    const attachment = fc.record(
      {
        color: odd,
        pretext: odd,
        author_name: odd,
        author_link: odd,
        title: odd,
        title_link: odd,
        text: odd,
        fields: fc.array(fc.record({ title: odd, value: odd, short: odd })),
        footer: odd,
        ts: odd,
        image_url: odd,
        fallback: odd,
      },
      { requiredKeys: [] },
    );
    const block = fc.record({
      type: fc.constantFrom(
        "section",
        "header",
        "context",
        "divider",
        "image",
        "rich_text",
        "actions",
        "video",
        "file",
        "markdown",
        "input",
      ),
      text: odd,
      fields: fc.array(odd),
      elements: fc.array(
        fc.record({
          type: fc.constantFrom(
            "rich_text_section",
            "rich_text_list",
            "rich_text_quote",
            "rich_text_preformatted",
            "text",
            "emoji",
            "user",
            "link",
            "image",
            "mrkdwn",
          ),
          elements: fc.array(
            fc.record({
              type: fc.constantFrom(
                "text",
                "emoji",
                "user",
                "channel",
                "link",
                "date",
                "broadcast",
              ),
              text: odd,
              unicode: odd,
              url: odd,
              user_id: odd,
              style: odd,
            }),
          ),
          style: odd,
          indent: odd,
          text: odd,
        }),
      ),
      image_url: odd,
      accessory: odd,
    });
    fc.assert(
      fc.property(fc.array(attachment), fc.array(block), (attachments, blocks) => {
        expect(typeof attachmentsToMarkdown(attachments)).toBe("string");
        expect(typeof blocksToMarkdown(blocks)).toBe("string");
      }),
      { numRuns: 500 },
    );
  });
});

describe("blocks", () => {
  test("a section shows its text, its fields and a link accessory", () => {
    expect(
      blocksToMarkdown([
        {
          type: "section",
          text: { type: "mrkdwn", text: "*Deploy* by <@U2>" },
          fields: [
            { type: "mrkdwn", text: "*Env*\nprod" },
            { type: "plain_text", text: "v1_2 *raw*" },
          ],
          accessory: {
            type: "button",
            text: { type: "plain_text", text: "Open" },
            url: "https://o.io",
          },
        },
      ]),
    ).toBe("**Deploy** by <@2>\n**Env**\nprod\nv1\\_2 \\*raw\\*\n[Open](https://o.io)");
  });

  test("a header is a heading, plain text shown as typed", () => {
    expect(
      blocksToMarkdown([{ type: "header", text: { type: "plain_text", text: "Alert *1*" } }]),
    ).toBe("### Alert \\*1\\*");
  });

  test("context joins its texts and images on one line", () => {
    expect(
      blocksToMarkdown([
        {
          type: "context",
          elements: [
            { type: "image", image_url: "https://i.io/a.png", alt_text: "avatar" },
            { type: "mrkdwn", text: "posted by _ci_" },
            { type: "plain_text", text: "today" },
          ],
        },
      ]),
    ).toBe("[avatar](https://i.io/a.png) · posted by *ci* · today");
  });

  test("dividers, images and blocks are separated by blank lines", () => {
    expect(
      blocksToMarkdown([
        { type: "section", text: { type: "plain_text", text: "above" } },
        { type: "divider" },
        {
          type: "image",
          image_url: "https://i.io/b.png",
          alt_text: "chart",
          title: { type: "plain_text", text: "Load" },
        },
      ]),
    ).toBe("above\n\n---\n\nLoad\n[chart](https://i.io/b.png)");
  });

  test("actions list their link buttons and leave the rest out; inputs and unknown blocks too", () => {
    expect(
      blocksToMarkdown([
        {
          type: "actions",
          elements: [
            { type: "button", text: { type: "plain_text", text: "Docs" }, url: "https://d.io" },
            { type: "button", text: { type: "plain_text", text: "Approve" }, value: "ok" },
            { type: "static_select", placeholder: { type: "plain_text", text: "Pick" } },
          ],
        },
        { type: "input", label: { type: "plain_text", text: "Name" } },
        { type: "future_block" },
      ]),
    ).toBe("[Docs](https://d.io)");
  });

  test("rich text keeps styles, links, mentions, emoji, lists, quotes and preformatted text", () => {
    expect(
      blocksToMarkdown([
        {
          type: "rich_text",
          elements: [
            {
              type: "rich_text_section",
              elements: [
                { type: "text", text: "Hello " },
                { type: "text", text: "bold", style: { bold: true } },
                { type: "text", text: " and " },
                { type: "text", text: "it", style: { italic: true, strike: true } },
                { type: "text", text: " " },
                { type: "text", text: "x_y", style: { code: true } },
                { type: "text", text: " " },
                { type: "emoji", name: "wave", unicode: "1f44b" },
                { type: "emoji", name: "party_parrot" },
                { type: "text", text: " " },
                { type: "user", user_id: "U4" },
                { type: "text", text: " " },
                { type: "channel", channel_id: "C5" },
                { type: "text", text: " " },
                { type: "broadcast", range: "here" },
                { type: "text", text: " " },
                { type: "link", url: "https://l.io", text: "docs" },
                { type: "text", text: "\n" },
              ],
            },
            {
              type: "rich_text_list",
              style: "ordered",
              elements: [
                { type: "rich_text_section", elements: [{ type: "text", text: "one" }] },
                { type: "rich_text_section", elements: [{ type: "text", text: "two" }] },
              ],
            },
            {
              type: "rich_text_list",
              style: "bullet",
              indent: 1,
              elements: [
                { type: "rich_text_section", elements: [{ type: "text", text: "nested" }] },
              ],
            },
            { type: "rich_text_quote", elements: [{ type: "text", text: "wise\nwords" }] },
            { type: "rich_text_preformatted", elements: [{ type: "text", text: "x = *1*\ny" }] },
          ],
        },
      ]),
    ).toBe(
      [
        "Hello **bold** and *~~it~~* `x_y` 👋:party_parrot: <@4> <#5> <!here> [docs](https://l.io)",
        "1. one",
        "2. two",
        "   - nested",
        "> wise",
        "> words",
        "```",
        "x = *1*",
        "y",
        "```",
      ].join("\n"),
    );
  });

  test("a markdown block is already Markdown", () => {
    expect(blocksToMarkdown([{ type: "markdown", text: "**done** [x](https://x.io)" }])).toBe(
      "**done** [x](https://x.io)",
    );
  });

  test("rich text user ids go through the resolver too", () => {
    const resolve: SlackResolver = {
      user: (id) => (id === "UXYZ" ? 8 : undefined),
      chat: () => undefined,
    };
    expect(
      blocksToMarkdown(
        [
          {
            type: "rich_text",
            elements: [
              {
                type: "rich_text_section",
                elements: [
                  { type: "user", user_id: "UXYZ" },
                  { type: "user", user_id: "U1" },
                ],
              },
            ],
          },
        ],
        resolve,
      ),
    ).toBe("<@8>@U1");
  });
});

describe("escaping literal text", () => {
  test("Markdown's punctuation, our notation and line starts are shown as typed", () => {
    expect(escapeMarkdown("a*b_c~d`e[f]\\ <@1> &amp; # h\n- item\n1. first")).toBe(
      "a\\*b\\_c\\~d\\`e\\[f\\]\\\\ &lt;@1> &amp;amp; # h\n\\- item\n1\\. first",
    );
  });
});
