// Search (contract v2): the q syntax, text in every language, the exact scope, the filters, the
// pages and the snippets, on both stores and the binary. Each test uses words of its own.
import { describe, expect, test } from "bun:test";
import { startTestApp } from "../support/app.ts";
import { type Person, people } from "../support/fixtures.ts";

const app = await startTestApp();
const { alice, bob, mallory, carol } = (await people(app, ["Carol"])) as Awaited<
  ReturnType<typeof people>
> & { carol: Person };

const newChat = async (by: Person, body: Record<string, unknown>) =>
  (await app.request("POST", "/api/chat", { token: by.token, body })).body;
const send = async (by: Person, chatId: number, content: string, extra = {}) =>
  (
    await app.request("POST", `/api/chat/${chatId}`, {
      token: by.token,
      body: { content, ...extra },
    })
  ).body;
const search = (by: Person, params: Record<string, string | number>) =>
  app.request(
    "GET",
    `/api/search?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`,
    { token: by.token },
  );
/** The ids found, newest first. */
const found = async (by: Person, q: string, params: Record<string, string | number> = {}) => {
  const reply = await search(by, { q, ...params });
  expect(reply.status).toBe(200);
  return reply.body.results.map((result: { message: { id: number } }) => result.message.id);
};

const direct = await newChat(alice, { members: [bob.user.id] });
const lounge = await newChat(alice, { type: "public_channel", name: "lounge", members: [] });
const secret = await newChat(carol, { type: "private_channel", name: "secret", members: [] });
const globex = await newChat(mallory, { type: "public_channel", name: "globex-talk", members: [] });

describe("the q syntax", () => {
  test("every word must occur, in any order, case and accents ignored", async () => {
    const both = await send(alice, direct.id, "The Crème Brûlée recipe is ready");
    await send(alice, direct.id, "only creme here");
    expect(await found(bob, "brulee CREME")).toEqual([both.id]);
    expect(await found(bob, "brûlée crème")).toEqual([both.id]);
  });

  test("the last word also matches as a prefix, the others only whole", async () => {
    const message = await send(alice, direct.id, "zephyrine marmalade tasting");
    expect(await found(bob, "zephyrine marma")).toEqual([message.id]);
    expect(await found(bob, "zeph marmalade")).toEqual([]);
  });

  test('"a phrase" must occur as written, next to each other and in order', async () => {
    const phrase = await send(alice, direct.id, "quokka tortellini arrives");
    await send(alice, direct.id, "tortellini quokka arrives");
    expect(await found(bob, '"quokka tortellini"')).toEqual([phrase.id]);
    expect((await found(bob, "quokka tortellini")).length).toBe(2);
  });

  test("-word excludes messages that contain it", async () => {
    const kept = await send(alice, direct.id, "gazpacho lunch");
    await send(alice, direct.id, "gazpacho dinner");
    expect(await found(bob, "gazpacho -dinner")).toEqual([kept.id]);
    expect(await found(bob, 'gazpacho -"dinner"')).toEqual([kept.id]);
  });

  test("only exclusions, or nothing to look for, is 422 with a clear reason", async () => {
    for (const q of ["-gazpacho", "-a -b", "!!!"]) {
      const reply = await search(bob, { q });
      expect(reply.status).toBe(422);
      expect(reply.body.error.message).toContain("q");
    }
  });

  test("q must be 1 to 200 characters", async () => {
    expect((await search(bob, { q: "" })).status).toBe(422);
    expect((await search(bob, { q: "x".repeat(201) })).status).toBe(422);
    expect((await search(bob, { q: "x".repeat(200) })).status).toBe(200);
  });
});

describe("text in every language", () => {
  test("a two-character Chinese word is found inside a run without spaces", async () => {
    const message = await send(alice, direct.id, "我们明天一起聊天吧");
    expect(await found(bob, "聊天")).toEqual([message.id]);
    expect(await found(bob, "一起聊天")).toEqual([message.id]);
    expect(await found(bob, "聊吧")).toEqual([]);
  });

  test("a two-character Japanese word is found, in kanji and in kana", async () => {
    const message = await send(alice, direct.id, "東京で会議がありますカタカナ");
    expect(await found(bob, "会議")).toEqual([message.id]);
    expect(await found(bob, "カナ")).toEqual([message.id]);
    expect(await found(bob, "大阪")).toEqual([]);
  });

  test("Chinese next to English words is found by both", async () => {
    const message = await send(alice, direct.id, "meeting about 数据库 tomorrow");
    expect(await found(bob, "数据库 meeting")).toEqual([message.id]);
    expect(await found(bob, '"about 数据库"')).toEqual([message.id]);
  });

  test("characters whose compatibility form holds a space are stored, edited and found", async () => {
    // U+037A and U+FE70 fold to a space and a mark, U+FDFA to a phrase: once a 500 on PostgreSQL.
    for (const text of ["iota \u037a", "\ufe70 harakat", "salawat \ufdfa"]) {
      const message = await send(alice, direct.id, text);
      expect(message.id).toEqual(expect.any(Number));
      expect(
        await found(bob, text.split(" ").find((word) => /^[a-z]+$/.test(word)) as string),
      ).toContain(message.id);
      const edited = await app.request("PATCH", `/api/chat/${direct.id}/messages/${message.id}`, {
        token: alice.token,
        body: { content: `${text} \ufc5e again` },
      });
      expect(edited.status).toBe(200);
    }
    expect(await found(bob, "\ufdfa")).toHaveLength(1);
  });
});

describe("scope", () => {
  test("the members of a chat find its messages; mallory from globex finds nothing", async () => {
    const message = await send(alice, direct.id, "xylograph confidential");
    expect(await found(alice, "xylograph")).toEqual([message.id]);
    expect(await found(bob, "xylograph")).toEqual([message.id]);
    expect(await found(mallory, "xylograph")).toEqual([]);
  });

  test("a public channel one has not joined is searched; a private chat one is not in is not", async () => {
    const open = await send(alice, lounge.id, "pelargonium in the lounge");
    await send(carol, secret.id, "pelargonium in secret");
    expect(await found(bob, "pelargonium")).toEqual([open.id]);
    expect(await found(carol, "pelargonium")).toHaveLength(2);
  });

  test("another workspace's public channel is never searched", async () => {
    await send(mallory, globex.id, "ocelot from globex");
    expect(await found(alice, "ocelot")).toEqual([]);
    expect(await found(mallory, "ocelot")).toHaveLength(1);
  });

  test("a chat one has left is not searched; an archived channel still is", async () => {
    const room = await newChat(alice, {
      type: "private_channel",
      name: "leaving",
      members: [bob.user.id],
    });
    const message = await send(alice, room.id, "marzipan leftover");
    expect(await found(bob, "marzipan")).toEqual([message.id]);
    await app.request("POST", `/api/chat/${room.id}/leave`, { token: bob.token });
    expect(await found(bob, "marzipan")).toEqual([]);
    expect((await search(bob, { q: "marzipan", chatId: room.id })).status).toBe(404);
    const archived = await newChat(alice, {
      type: "public_channel",
      name: "old-news",
      members: [],
    });
    const old = await send(alice, archived.id, "marzipan archive");
    expect(
      (await app.request("POST", `/api/chat/${archived.id}/archive`, { token: alice.token }))
        .status,
    ).toBe(200);
    expect(await found(alice, "marzipan")).toEqual([old.id, message.id]);
  });

  test("replies are found", async () => {
    const root = await send(alice, direct.id, "threadroot");
    const reply = await send(bob, direct.id, "halloumi answer", { threadId: root.id });
    expect(await found(alice, "halloumi")).toEqual([reply.id]);
  });

  test("an edit is found by its new text, never by its old one", async () => {
    const message = await send(alice, direct.id, "wombat before");
    const edited = await app.request("PATCH", `/api/chat/${direct.id}/messages/${message.id}`, {
      token: alice.token,
      body: { content: "capybara after" },
    });
    expect(edited.status).toBe(200);
    expect(await found(bob, "wombat")).toEqual([]);
    expect(await found(bob, "capybara")).toEqual([message.id]);
  });

  test("a deleted message is never found", async () => {
    const message = await send(alice, direct.id, "narwhal gone");
    await app.request("DELETE", `/api/chat/${direct.id}/messages/${message.id}`, {
      token: alice.token,
    });
    expect(await found(bob, "narwhal")).toEqual([]);
  });
});

describe("filters and pages", () => {
  test("chatId narrows to one chat, and is 404 for a chat one cannot see", async () => {
    const inDirect = await send(alice, direct.id, "tamarind here");
    const inLounge = await send(alice, lounge.id, "tamarind there");
    expect(await found(bob, "tamarind")).toEqual([inLounge.id, inDirect.id]);
    expect(await found(bob, "tamarind", { chatId: direct.id })).toEqual([inDirect.id]);
    expect((await search(mallory, { q: "tamarind", chatId: direct.id })).status).toBe(404);
    expect((await search(bob, { q: "tamarind", chatId: secret.id })).status).toBe(404);
    expect((await search(bob, { q: "tamarind", chatId: 99999999 })).status).toBe(404);
  });

  test("senderId, after and before narrow further, both times exclusive", async () => {
    const first = await send(alice, direct.id, "rutabaga one");
    await Bun.sleep(5);
    const second = await send(bob, direct.id, "rutabaga two");
    expect(await found(alice, "rutabaga", { senderId: bob.user.id })).toEqual([second.id]);
    expect(await found(alice, "rutabaga", { after: first.createdAt })).toEqual([second.id]);
    expect(await found(alice, "rutabaga", { before: second.createdAt })).toEqual([first.id]);
    expect(await found(alice, "rutabaga", { after: "2000-01-01T00:00:00Z" })).toHaveLength(2);
  });

  test("pages of limit results follow one another through next, newest first", async () => {
    const sent: number[] = [];
    for (let i = 0; i < 5; i++) sent.push((await send(alice, direct.id, `kumquat ${i}`)).id);
    const first = await search(bob, { q: "kumquat", limit: 2 });
    expect(first.body.results.map((r: { message: { id: number } }) => r.message.id)).toEqual([
      sent[4],
      sent[3],
    ]);
    const second = await search(bob, { q: "kumquat", limit: 2, cursor: first.body.next });
    const third = await search(bob, { q: "kumquat", limit: 2, cursor: second.body.next });
    expect(third.body.results.map((r: { message: { id: number } }) => r.message.id)).toEqual([
      sent[0],
    ]);
    expect(third.body.next).toBeNull();
  });

  test("bad filters are 422 with a clear reason", async () => {
    const bad: Record<string, string | number>[] = [
      { limit: 0 },
      { limit: 101 },
      { chatId: "x" },
      { senderId: -1 },
      { senderId: "1.7976931348623157e+308" },
      { after: "yesterday" },
      { cursor: "not-a-cursor" },
    ];
    for (const params of bad) {
      const reply = await search(bob, { q: "kumquat", ...params });
      expect(reply.status).toBe(422);
      expect(reply.body.error.message).toContain(Object.keys(params)[0] as string);
    }
  });
});

describe("snippets", () => {
  test("each match is marked with U+E000 and U+E001", async () => {
    await send(alice, direct.id, "Lovely Crème fraîche with crème");
    const reply = await search(bob, { q: "creme fraiche" });
    expect(reply.body.results[0].snippet).toBe(
      "Lovely \ue000Crème\ue001 \ue000fraîche\ue001 with \ue000crème\ue001",
    );
  });

  test("a long message gives about 200 characters around its first match", async () => {
    const content = `${"lorem ipsum ".repeat(60)}the persimmon ${"dolor sit ".repeat(60)}`;
    await send(alice, direct.id, content);
    const { snippet } = (await search(bob, { q: "persimmon" })).body.results[0];
    expect(snippet).toContain("\ue000persimmon\ue001");
    expect(snippet.length).toBeLessThanOrEqual(210);
    expect(snippet.indexOf("\ue000")).toBeGreaterThan(20);
  });

  test("the markers in a message's own text are not taken for matches", async () => {
    await send(alice, direct.id, "fake \ue000mark\ue001 and guava");
    const { snippet } = (await search(bob, { q: "guava" })).body.results[0];
    expect(snippet).toBe("fake  mark  and \ue000guava\ue001");
  });

  test("a Chinese match is marked on its characters", async () => {
    await send(alice, direct.id, "今天我们去吃火锅");
    const { snippet } = (await search(bob, { q: "火锅" })).body.results[0];
    expect(snippet).toBe("今天我们去吃\ue000火锅\ue001");
  });
});

describe("opening a result in its chat", () => {
  test("history around a message answers it with the messages before and after it, newest first", async () => {
    const room = await newChat(alice, {
      type: "private_channel",
      name: "around",
      members: [bob.user.id],
    });
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push((await send(alice, room.id, `around ${i}`)).id);
    const page = await app.request(
      "GET",
      `/api/chat/${room.id}/messages?around=${ids[5]}&limit=5`,
      {
        token: bob.token,
      },
    );
    expect(page.status).toBe(200);
    expect(page.body.map((m: { id: number }) => m.id)).toEqual([
      ids[7],
      ids[6],
      ids[5],
      ids[4],
      ids[3],
    ]);
    const newest = await app.request(
      "GET",
      `/api/chat/${room.id}/messages?around=${ids[11]}&limit=5`,
      {
        token: bob.token,
      },
    );
    expect(newest.body.map((m: { id: number }) => m.id)).toEqual([ids[11], ids[10], ids[9]]);
  });

  test("around a reply answers the page around its root", async () => {
    const room = await newChat(alice, {
      type: "private_channel",
      name: "around-reply",
      members: [bob.user.id],
    });
    const root = await send(alice, room.id, "root");
    const later = await send(alice, room.id, "later");
    const reply = await send(bob, room.id, "a reply", { threadId: root.id });
    const page = await app.request(
      "GET",
      `/api/chat/${room.id}/messages?around=${reply.id}&limit=3`,
      {
        token: bob.token,
      },
    );
    expect(page.body.map((m: { id: number }) => m.id)).toEqual([later.id, root.id]);
  });

  test("around a message of another chat is 404, for one not visible too; with before it is 422", async () => {
    const elsewhere = await send(alice, lounge.id, "elsewhere");
    const path = (chatId: number) => `/api/chat/${chatId}/messages?around=${elsewhere.id}`;
    expect((await app.request("GET", path(direct.id), { token: bob.token })).status).toBe(404);
    expect((await app.request("GET", path(lounge.id), { token: mallory.token })).status).toBe(404);
    const huge = await app.request("GET", `/api/chat/${lounge.id}/messages?around=1e300`, {
      token: bob.token,
    });
    expect(huge.status).toBe(422);
    const both = await app.request("GET", `${path(lounge.id)}&before=5`, { token: bob.token });
    expect(both.status).toBe(422);
    expect(both.body.error.message).toContain("around");
  });
});
