// The web app in a real browser against a real server: two people, two browser contexts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startTestApp } from "../support/app.ts";
import { launchBrowser, tinyPng, watchForErrors } from "../support/browser.ts";

const app = await startTestApp();
// The screens in docs/ are rewritten only when asked (CHAT_SCREENSHOTS=1): a plain test run takes
// them all the same, into a temporary folder, so the tree stays clean.
const shots =
  process.env.CHAT_SCREENSHOTS === "1"
    ? join(import.meta.dir, "../../docs/screenshots")
    : mkdtempSync(join(tmpdir(), "chat-screens-"));
const errors: string[] = [];
let browser: Browser;
const contexts: BrowserContext[] = [];
/** Every URL any page requested or opened a socket to. */
const loaded: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function newPage(
  viewport = { width: 1100, height: 720 },
  options: { locale?: string; timezoneId?: string } = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport, ...options });
  contexts.push(context);
  const page = await context.newPage();
  watchForErrors(page, errors);
  page.on("request", (request) => loaded.push(request.url()));
  page.on("websocket", (socket) => loaded.push(socket.url()));
  await page.goto(app.url);
  return page;
}

async function signUp(page: Page, who: { name: string; workspace: string; invite?: string }) {
  await page.getByRole("tab", { name: "Sign up" }).click();
  await page.getByLabel("Full name", { exact: true }).fill(who.name);
  await page.getByLabel("Email", { exact: true }).fill(`${who.name.toLowerCase()}@web.test`);
  await page.getByLabel("Password", { exact: true }).fill(`${who.name}-password`);
  await page.getByLabel("Workspace", { exact: true }).fill(who.workspace);
  if (who.invite) await page.getByLabel(/Invite code/).fill(who.invite);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: who.workspace, level: 1 }).waitFor();
}

const composer = (page: Page, title: string) =>
  page.getByLabel(`Message ${title}`, { exact: true });
const messages = (page: Page) => page.getByRole("list", { name: "Messages" });
const tokenOf = (page: Page) => page.evaluate(() => localStorage.getItem("chat.token") as string);
const chatButton = (page: Page, title: string | RegExp) =>
  page.getByRole("navigation", { name: "Chats" }).getByRole("button", { name: title });

async function signIn(page: Page, name: string) {
  await page.getByLabel("Email", { exact: true }).fill(`${name.toLowerCase()}@web.test`);
  await page.getByLabel("Password", { exact: true }).fill(`${name}-password`);
  await page.getByRole("button", { name: "Sign in" }).last().click();
  await page.getByRole("heading", { name: "Webco", level: 1 }).waitFor();
}

/** A chat made over the API by the page's user, with the given members besides them. */
async function createChat(page: Page, body: { type?: string; name?: string; members: number[] }) {
  const reply = await app.request("POST", "/api/chat", { token: await tokenOf(page), body });
  if (reply.status !== 201) throw new Error(`create chat: ${JSON.stringify(reply.body)}`);
  return reply.body as { id: number; name: string | null };
}

async function chatNamed(page: Page, name: string | null, members?: number) {
  const reply = await app.request("GET", "/api/chat", { token: await tokenOf(page) });
  return (reply.body as { id: number; name: string | null; members: number[] }[]).find(
    (chat) => chat.name === name && (members === undefined || chat.members.length === members),
  ) as { id: number; members: number[] };
}

const userId = async (page: Page) =>
  (await app.request("GET", "/api/me", { token: await tokenOf(page) })).body.user.id as number;

let alice: Page;
let bob: Page;
let carol: Page;

describe("two people in the web app", () => {
  test("sign up, invite, open a direct message, and exchange messages live", async () => {
    alice = await newPage();
    await page_shot(alice, "sign-in");
    await signUp(alice, { name: "Alice", workspace: "Webco" });
    await alice.getByRole("button", { name: "Invite people" }).click();
    await alice.getByRole("button", { name: "Make an invite code" }).click();
    const code = (await alice.getByLabel("Invite code").textContent()) as string;
    await alice.getByRole("button", { name: "Close" }).click();

    bob = await newPage();
    await signUp(bob, { name: "Bob", workspace: "Webco", invite: code });

    await alice.getByRole("button", { name: /Message Bob/ }).click();
    await composer(alice, "Bob").fill("Hello Bob");
    await composer(alice, "Bob").press("Enter");
    await messages(alice).getByText("Hello Bob").waitFor();

    // Bob sees the new chat with an unread badge, then the message.
    const unread = bob.getByRole("button", { name: /Alice.*1 unread/ });
    await unread.waitFor();
    await unread.click();
    await messages(bob).getByText("Hello Bob").waitFor();

    await composer(bob, "Alice").fill("Hi Alice\nsecond line");
    await composer(bob, "Alice").press("Shift+Enter");
    await composer(bob, "Alice").press("Enter");
    await messages(alice).getByText("second line").waitFor();
    expect(await composer(bob, "Alice").inputValue()).toBe("");
    await expect_focused(bob, "Message Alice");
  });

  test("shows who is typing and who is online", async () => {
    await composer(bob, "Alice").pressSequentially("typing…");
    await alice.getByText("Bob is typing…").waitFor();
    await alice.getByRole("button", { name: "Message Bob (online)" }).waitFor();
    await composer(bob, "Alice").fill("");
  });

  test("a file upload is shown to the other person: images inline, other files as links", async () => {
    await alice.locator('input[type="file"]').setInputFiles([
      { name: "dot.png", mimeType: "image/png", buffer: tinyPng },
      { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("some notes") },
    ]);
    await alice.getByRole("list", { name: "Attached files" }).getByText("notes.txt").waitFor();
    await composer(alice, "Bob").press("Enter");
    const image = messages(bob).locator("img");
    await image.waitFor();
    const loadedWidth = await image.evaluate((img) => {
      const element = img as unknown as { complete: boolean; naturalWidth: number };
      return element.complete && element.naturalWidth;
    });
    expect(loadedWidth).toBe(16);
    const link = messages(bob).getByRole("link", { name: "notes.txt" });
    const response = await bob.request.get(
      new URL((await link.getAttribute("href")) as string, app.url).href,
    );
    expect(await response.text()).toBe("some notes");
    await page_shot(bob, "files");
  });

  test("an HTML message is shown as text, never run", async () => {
    const hostile = `<img src=x onerror="window.pwned=1"><b>bold?</b> https://example.com/x`;
    await composer(alice, "Bob").fill(hostile);
    await composer(alice, "Bob").press("Enter");
    const text = messages(bob).locator(".text").filter({ hasText: "bold?" });
    await text.waitFor();
    expect(await text.textContent()).toBe(hostile);
    expect(await text.locator("b, img").count()).toBe(0);
    expect(await text.getByRole("link").getAttribute("href")).toBe("https://example.com/x");
    expect(await bob.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
  });

  test("a message sent while the socket is cut shows as pending, then arrives exactly once", async () => {
    const bobContext = bob.context();
    await bobContext.setOffline(true);
    await bob.evaluate(() =>
      (globalThis as unknown as { chat: { dropConnection(): void } }).chat.dropConnection(),
    );
    await composer(bob, "Alice").fill("sent while offline");
    await composer(bob, "Alice").press("Enter");
    await messages(bob).locator(".pending").getByText("sent while offline").waitFor();
    await page_shot(bob, "offline-pending");
    await bobContext.setOffline(false);

    await messages(alice).getByText("sent while offline").waitFor({ timeout: 15_000 });
    await messages(bob).locator(".pending").waitFor({ state: "detached", timeout: 15_000 });
    expect(await messages(alice).getByText("sent while offline").count()).toBe(1);
    expect(await messages(bob).getByText("sent while offline").count()).toBe(1);
    const direct = await chatNamed(alice, null, 2);
    const history = await app.request("GET", `/api/chat/${direct.id}/messages`, {
      token: await alice.evaluate(() => localStorage.getItem("chat.token") as string),
    });
    expect(
      history.body.filter((m: { content: string }) => m.content === "sent while offline"),
    ).toHaveLength(1);
  });

  test("channels: create one, browse and join it, and see it live", async () => {
    await alice.getByRole("button", { name: "New channel" }).click();
    await alice.getByLabel("Name").fill("lounge");
    await alice.getByRole("button", { name: "Create" }).click();
    await composer(alice, "lounge").fill("welcome to #lounge");
    await composer(alice, "lounge").press("Enter");

    await bob.getByRole("button", { name: "Browse channels" }).click();
    await bob.getByRole("button", { name: "Join" }).click();
    await messages(bob).getByText("welcome to #lounge").waitFor();
    await composer(bob, "lounge").fill("glad to be here");
    await composer(bob, "lounge").press("Enter");
    await messages(alice).getByText("glad to be here").waitFor();
  });

  test("Markdown is rendered for the reader: emphasis, strikethrough, links, lists, quotes and code", async () => {
    const text = [
      "**Release notes** for _today_:",
      "- ~~old plan~~ new plan",
      "- see [the doc](https://example.com/doc) and `npm test`",
      "",
      "> ship it",
      "",
      "```sh",
      "bun run build",
      "```",
    ].join("\n");
    await composer(alice, "lounge").fill(text);
    await composer(alice, "lounge").press("Enter");
    const body = messages(bob)
      .locator(".message")
      .filter({ hasText: "Release notes" })
      .locator(".text");
    await body.waitFor();
    expect(await body.locator("strong").textContent()).toBe("Release notes");
    expect(await body.locator("em").textContent()).toBe("today");
    expect(await body.locator("s").textContent()).toBe("old plan");
    expect(await body.locator("li").count()).toBe(2);
    const link = body.getByRole("link", { name: "the doc" });
    expect(await link.getAttribute("href")).toBe("https://example.com/doc");
    expect(await link.getAttribute("target")).toBe("_blank");
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer");
    expect(await body.locator("li code").textContent()).toBe("npm test");
    expect(await body.locator("blockquote").textContent()).toContain("ship it");
    expect(await body.locator("pre code").textContent()).toBe("bun run build\n");
  });

  test("@ opens a picker of the chat's members; the mention it inserts is highlighted for the mentioned reader only", async () => {
    const lounge = await chatNamed(alice, "lounge");
    const code = (
      await app.request("POST", "/api/invites", { token: await tokenOf(alice), body: {} })
    ).body.code;
    const signup = await app.request("POST", "/api/signup", {
      body: {
        fullname: "Carol",
        email: "carol@web.test",
        password: "Carol-password",
        workspace: "Webco",
        invite: code,
      },
    });
    await app.request("POST", `/api/chat/${lounge.id}/join`, { token: signup.body.token });
    carol = await newPage();
    await signIn(carol, "Carol");
    await chatButton(carol, /lounge/).click();
    const bobId = await userId(bob);

    const box = composer(alice, "lounge");
    const picker = alice.getByRole("listbox", { name: "Mention someone" });
    const names = () => picker.locator(".name").allTextContents();
    await box.pressSequentially("Thanks @");
    await picker.waitFor();
    expect(await names()).toEqual(["Bob", "Carol", "@channel", "@here"]);
    await page_shot(alice, "mention-picker");
    await box.press("ArrowDown");
    expect(await picker.getByRole("option", { selected: true }).textContent()).toContain("Carol");
    await box.press("ArrowUp");
    expect(await picker.getByRole("option", { selected: true }).textContent()).toContain("Bob");
    await box.press("Escape");
    await picker.waitFor({ state: "hidden" });
    await box.press("Backspace");
    await box.pressSequentially("@bo");
    await picker.waitFor();
    expect(await names()).toEqual(["Bob"]);
    await box.press("Tab");
    await picker.waitFor({ state: "hidden" });
    expect(await box.inputValue()).toBe(`Thanks <@${bobId}> `);
    await box.pressSequentially(`for the **review**, see \`<@${bobId}>\` in the docs, cc @b`);
    await picker.waitFor();
    // Enter chooses while the picker is open; it sends only once it is closed.
    await box.press("Enter");
    expect(await box.inputValue()).toBe(
      `Thanks <@${bobId}> for the **review**, see \`<@${bobId}>\` in the docs, cc <@${bobId}> `,
    );
    await box.press("Enter");

    const sent = (page: Page) =>
      messages(page).locator(".message").filter({ hasText: "for the review" });
    for (const page of [alice, bob, carol]) {
      await sent(page).locator(".mention").first().waitFor();
      expect(await sent(page).locator(".mention").allTextContents()).toEqual(["@Bob", "@Bob"]);
      expect(await sent(page).locator("strong").textContent()).toBe("review");
      // In code the notation shows as typed.
      expect(await sent(page).locator("code").textContent()).toBe(`<@${bobId}>`);
    }
    expect(await sent(bob).getAttribute("class")).toContain("mentions-me");
    expect(await sent(bob).getByText("Mentions you:").count()).toBe(1);
    expect(await sent(alice).getAttribute("class")).not.toContain("mentions-me");
    expect(await sent(carol).getAttribute("class")).not.toContain("mentions-me");
    expect(await sent(carol).getByText("Mentions you:").count()).toBe(0);
    await bob.mouse.move(0, 0);
    await page_shot(bob, "chat");
  });

  test("one sender's messages within five minutes share a name and avatar; a chat named in one opens in place", async () => {
    const lounge = await chatNamed(alice, "lounge");
    const chat = await createChat(alice, {
      type: "public_channel",
      name: "standup",
      members: [await userId(bob)],
    });
    // Local times within today, so that no day divider falls between them.
    const now = new Date();
    const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
    const start = Math.max(midnight, now.getTime() - 20 * 60_000);
    const minute = 60_000;
    const script: [Page, number, string][] = [
      [alice, 0, "first from Alice"],
      [alice, 1, "second from Alice"],
      [bob, 2, "Bob answers"],
      [alice, 3, "Alice again"],
      [alice, 10, "Alice, later"],
      [alice, 10.5, `back to <#${lounge.id}>`],
    ];
    for (const [page, at, content] of script) {
      const sent = await app.request("POST", `/api/chat/${chat.id}`, {
        token: await tokenOf(page),
        body: { content },
      });
      await app.sql("UPDATE messages SET created_at = ? WHERE id = ?", [
        start + at * minute,
        sent.body.id,
      ]);
    }
    await chatButton(bob, /standup/).click();
    await messages(bob).getByText("back to").waitFor();
    const list = messages(bob);
    expect(await list.locator(".message").count()).toBe(6);
    expect(await list.locator(".message header strong").allTextContents()).toEqual([
      "Alice",
      "Bob",
      "Alice",
      "Alice",
    ]);
    expect(await list.locator(".message .avatar").allTextContents()).toEqual(["A", "B", "A", "A"]);
    const colours = await list
      .locator(".message .avatar")
      .evaluateAll((all) => all.map((e) => (e as any).style.backgroundColor as string));
    expect(colours[0]).toBe(colours[2] as string);
    expect(colours[0]).not.toBe(colours[1] as string);
    const second = list.locator(".message").filter({ hasText: "second from Alice" });
    expect(await second.getAttribute("class")).toContain("continued");
    expect(await second.locator("time").count()).toBe(1);
    expect(await second.locator(".avatar").count()).toBe(0);

    await list.getByRole("link", { name: "#lounge" }).click();
    await composer(bob, "lounge").waitFor();
    await bob.waitForURL(`${app.url}/chat/${lounge.id}`);
  });

  test("Send waits while a file uploads, and the file goes with the message it was attached to", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await bob.route("**/api/upload", async (route) => {
      await held;
      await route.continue();
    });
    try {
      await bob.locator('input[type="file"]').setInputFiles({
        name: "plan.txt",
        mimeType: "text/plain",
        buffer: Buffer.from("the plan"),
      });
      await bob.getByRole("progressbar", { name: "Uploading" }).waitFor();
      await composer(bob, "lounge").fill("here is the plan");
      expect(await bob.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
      await composer(bob, "lounge").press("Enter");
      expect(await messages(bob).getByText("here is the plan").count()).toBe(0);
      expect(await composer(bob, "lounge").inputValue()).toBe("here is the plan");
    } finally {
      release();
    }
    await bob.getByRole("list", { name: "Attached files" }).getByText("plan.txt").waitFor();
    await composer(bob, "lounge").press("Enter");
    await composer(bob, "lounge").fill("and no file here");
    await composer(bob, "lounge").press("Enter");
    await messages(alice).getByText("and no file here").waitFor();
    await bob.unroute("**/api/upload");
    const lounge = await chatNamed(bob, "lounge");
    const history = await app.request("GET", `/api/chat/${lounge.id}/messages?limit=2`, {
      token: await tokenOf(bob),
    });
    expect(
      history.body.map((m: { content: string; files: string[] }) => [m.content, m.files.length]),
    ).toEqual([
      ["and no file here", 0],
      ["here is the plan", 1],
    ]);
  });

  test("at phone width, long chat names are cut short and Send, Leave and Settings stay on screen", async () => {
    const code = (
      await app.request("POST", "/api/invites", { token: await tokenOf(alice), body: {} })
    ).body.code;
    const longNames = [
      "Maximilian Alexander Featherstonehaugh",
      "Anastasia Konstantinovna Rimskaya",
    ];
    const ids = [await userId(bob)];
    for (const [i, fullname] of longNames.entries()) {
      const reply = await app.request("POST", "/api/signup", {
        body: {
          fullname,
          email: `long${i}@web.test`,
          password: "long-password",
          workspace: "Webco",
          invite: code,
        },
      });
      ids.push(reply.body.user.id);
    }
    await createChat(alice, { type: "group", members: ids });
    const channel = "planning-for-the-northern-european-sales-organisation-2027";
    await createChat(alice, { type: "public_channel", name: channel, members: [ids[0] as number] });

    const phone = await newPage({ width: 390, height: 760 });
    await signIn(phone, "Alice");
    for (const title of [/^Bob, Maximilian/, new RegExp(channel)]) {
      await chatButton(phone, title).click();
      await phone.locator("textarea").waitFor();
      for (const name of ["Send", "Leave", "Settings", "Back to chats"]) {
        const box = await phone.getByRole("button", { name, exact: true }).boundingBox();
        expect(box).not.toBeNull();
        expect(box?.x ?? -1).toBeGreaterThanOrEqual(0);
        expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
      }
      const heading = phone.getByRole("heading", { level: 2, name: title });
      const cut = await heading.evaluate((element) => {
        const e = element as unknown as { scrollWidth: number; clientWidth: number };
        return e.scrollWidth > e.clientWidth;
      });
      expect(cut).toBe(true);
      const overflow = await heading.evaluate(
        (e) =>
          (
            globalThis as unknown as { getComputedStyle(e: unknown): { textOverflow: string } }
          ).getComputedStyle(e).textOverflow,
      );
      expect(overflow).toBe("ellipsis");
      const pageWidth = await phone.evaluate(
        () =>
          (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } })
            .document.documentElement.scrollWidth,
      );
      expect(pageWidth).toBeLessThanOrEqual(390);
      if (title instanceof RegExp && title.source === channel)
        await page_shot(phone, "phone-long-name");
      await phone.getByRole("button", { name: "Back to chats" }).click();
    }
    await phone.context().close();
  });

  test("Delete chat asks first, naming the chat, and Cancel keeps it", async () => {
    const doomed = await createChat(alice, {
      type: "public_channel",
      name: "short-lived",
      members: [await userId(bob)],
    });
    await chatButton(alice, /short-lived/).click();
    await alice.getByRole("button", { name: "Settings" }).click();
    await alice.getByRole("button", { name: "Delete chat" }).click();
    const confirm = alice.getByRole("alertdialog");
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain("short-lived");
    await page_shot(alice, "delete-confirm");
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await confirm.waitFor({ state: "hidden" });
    const token = await tokenOf(alice);
    expect((await app.request("GET", `/api/chat/${doomed.id}`, { token })).status).toBe(200);

    await alice.getByRole("button", { name: "Delete chat" }).click();
    await alice.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
    await chatButton(alice, /short-lived/).waitFor({ state: "detached" });
    await chatButton(bob, /short-lived/).waitFor({ state: "detached" });
    expect((await app.request("GET", `/api/chat/${doomed.id}`, { token })).status).toBe(404);
  });

  test("messages are grouped under Today, Yesterday or their date, with the full time on hover", async () => {
    const chat = await createChat(alice, {
      type: "public_channel",
      name: "history",
      members: [await userId(bob)],
    });
    const token = await tokenOf(alice);
    const day = 24 * 60 * 60 * 1000;
    const now = Date.now();
    const when = [now - 10 * day, now - day, now];
    for (const [i, at] of when.entries()) {
      const sent = await app.request("POST", `/api/chat/${chat.id}`, {
        token,
        body: { content: `message ${i}` },
      });
      await app.sql("UPDATE messages SET created_at = ? WHERE id = ?", [at, sent.body.id]);
    }
    const reader = await newPage(
      { width: 1100, height: 720 },
      { locale: "en-US", timezoneId: "UTC" },
    );
    await signIn(reader, "Bob");
    await chatButton(reader, /history/).click();
    await messages(reader).getByText("message 2").waitFor();
    const days = await messages(reader).getByRole("heading", { level: 3 }).allTextContents();
    const old = new Date(when[0] as number);
    const month = old.toLocaleDateString("en-US", { month: "long", timeZone: "UTC" });
    expect(days).toHaveLength(3);
    expect(days.slice(1)).toEqual(["Yesterday", "Today"]);
    expect(days[0]).toContain(month);
    expect(days[0]).toContain(String(old.getUTCDate()));
    const title = await messages(reader)
      .locator(".message")
      .filter({ hasText: "message 0" })
      .locator("time")
      .getAttribute("title");
    expect(title).toContain(month);
    expect(title).toContain(String(old.getUTCFullYear()));
    expect(title).toContain(
      old.toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit", timeZone: "UTC" }),
    );
    await reader.context().close();
  });

  test("a draft is kept per chat, across a reload; each chat has a URL that Back, Forward and links open", async () => {
    const lounge = await chatNamed(bob, "lounge");
    const direct = await chatNamed(bob, null, 2);
    await chatButton(bob, /lounge/).click();
    await composer(bob, "lounge").fill("half a thought");
    await bob.waitForURL(`${app.url}/chat/${lounge.id}`);
    await chatButton(bob, /^Alice$/).click();
    await composer(bob, "Alice").waitFor();
    await bob.waitForURL(`${app.url}/chat/${direct.id}`);

    await bob.goBack();
    expect(await composer(bob, "lounge").inputValue()).toBe("half a thought");
    await bob.goForward();
    await composer(bob, "Alice").waitFor();

    await bob.reload();
    await composer(bob, "Alice").waitFor();
    await chatButton(bob, /lounge/).click();
    expect(await composer(bob, "lounge").inputValue()).toBe("half a thought");

    const linked = await bob.context().newPage();
    watchForErrors(linked, errors);
    await linked.goto(`${app.url}/chat/${direct.id}`);
    await composer(linked, "Alice").waitFor();
    // A link to a chat that is not Bob's says so, and leaves him at the app's root.
    await linked.goto(`${app.url}/chat/999`);
    await linked.getByRole("alert").getByText("That chat is gone, or you are not in it.").waitFor();
    await linked.waitForURL(`${app.url}/`);
    await linked.close();
    await composer(bob, "lounge").fill("");
  });

  test("stays signed in across a reload, and says clearly when a sign-in fails", async () => {
    await alice.reload();
    await alice.getByRole("heading", { name: "Webco", level: 1 }).waitFor();
    await alice.getByRole("button", { name: "Sign out" }).click();
    await alice.getByLabel("Email", { exact: true }).fill("alice@web.test");
    await alice.getByLabel("Password", { exact: true }).fill("not her password");
    await alice.getByRole("button", { name: "Sign in" }).last().click();
    await alice.getByRole("alert").getByText("wrong email or password").waitFor();
  });

  test("is usable at phone width: one pane at a time", async () => {
    const phone = await newPage({ width: 390, height: 760 });
    await phone.getByLabel("Email", { exact: true }).fill("bob@web.test");
    await phone.getByLabel("Password", { exact: true }).fill("Bob-password");
    await phone.getByRole("button", { name: "Sign in" }).last().click();
    await phone.getByRole("button", { name: /lounge/ }).click();
    await messages(phone).getByText("glad to be here").waitFor();
    expect(await phone.getByRole("navigation", { name: "Chats" }).isVisible()).toBe(false);
    await page_shot(phone, "phone");
    await phone.getByRole("button", { name: "Back to chats" }).click();
    expect(await phone.getByRole("navigation", { name: "Chats" }).isVisible()).toBe(true);
  });

  test("no URL the app loads carries a session token: sockets use tickets, files download tokens", async () => {
    const sessions = await Promise.all(
      [alice, bob].map((page) => page.evaluate(() => localStorage.getItem("chat.token") as string)),
    );
    expect(loaded.some((url) => url.includes("/api/ws?ticket="))).toBe(true);
    expect(loaded.some((url) => /\/api\/files\/.*\?download=/.test(url))).toBe(true);
    const leaks = loaded.filter(
      (url) => /[?&]token=/.test(url) || sessions.some((token) => token && url.includes(token)),
    );
    expect(leaks).toEqual([]);
  });

  test("a corpus of XSS payloads sent as messages is shown as text: nothing runs, loads or links to script", async () => {
    // A user whose name is markup, mentioned: names go into the chips.
    const code = (
      await app.request("POST", "/api/invites", { token: await tokenOf(bob), body: {} })
    ).body.code;
    const named = await app.request("POST", "/api/signup", {
      body: {
        fullname: `<img src=x onerror="window.xssRan=1">`,
        email: "markup@web.test",
        password: "markup-password",
        workspace: "Webco",
        invite: code,
      },
    });
    const corpus = [
      ...xssPayloads,
      `hello <@${named.body.user.id}>`,
      `<@${named.body.user.id}"onclick="window.xssRan=1">`,
    ];
    // Bob sends them (Alice has signed out by now); Carol reads them.
    const chat = await createChat(bob, {
      type: "public_channel",
      name: "payloads",
      members: [await userId(carol)],
    });
    const token = await tokenOf(bob);
    for (const content of [...corpus, "end of corpus"]) {
      const sent = await app.request("POST", `/api/chat/${chat.id}`, { token, body: { content } });
      expect(sent.status).toBe(201);
    }
    const reader = await newPage();
    await signIn(reader, "Carol");
    await chatButton(reader, /payloads/).click();
    await messages(reader).getByText("end of corpus").waitFor();
    // More than a page of history: scrolling up loads the rest.
    await reader.locator(".messages").evaluate((element) => {
      (element as any).scrollTop = 0;
    });
    await reader.waitForFunction(
      (count) => (globalThis as any).document.querySelectorAll(".message").length === count,
      corpus.length + 1,
    );
    // Give anything that would load or run a moment to do so.
    await reader.waitForTimeout(300);
    expect(await reader.evaluate(hazards, 'ol[aria-label="Messages"]')).toEqual([]);
    // The markup stays visible as text, as the sender typed it.
    await messages(reader).getByText("<script>window.xssRan=1</script>").first().waitFor();
    await messages(reader).getByText(`@<img src=x onerror="window.xssRan=1">`).waitFor();
    await reader.context().close();
  });

  test("DOMPurify, the second line, removes scripts, handlers and script links on its own", async () => {
    const page = await browser.newPage();
    try {
      await page.setContent("<!doctype html><title>sanitizer</title><body></body>");
      await page.addScriptTag({ content: await sanitizerBundle() });
      const kept = await page.evaluate((payloads) => {
        const g = globalThis as any;
        const root = g.document.createElement("div");
        root.id = "sanitized";
        for (const payload of payloads) root.insertAdjacentHTML("beforeend", g.sanitize(payload));
        g.document.body.append(root);
        return root.innerHTML as string;
      }, xssPayloads);
      await page.waitForTimeout(300);
      expect(await page.evaluate(hazards, "#sanitized")).toEqual([]);
      // What the Markdown rules make survives it.
      const made = await page.evaluate(
        () =>
          (globalThis as any).sanitize(
            '<p><a href="https://x.test" target="_blank" rel="noopener noreferrer">x</a> <span class="mention me" data-user-id="2">@Bob</span> <a class="chat-mention" href="/chat/3">#lounge</a></p><ol start="3"><li><s>s</s></li></ol>',
          ) as string,
      );
      expect(made).toBe(
        '<p><a href="https://x.test" target="_blank" rel="noopener noreferrer">x</a> <span class="mention me" data-user-id="2">@Bob</span> <a class="chat-mention" href="/chat/3">#lounge</a></p><ol start="3"><li><s>s</s></li></ol>',
      );
      expect(kept).not.toContain("<img");
    } finally {
      await page.close();
    }
  });

  test("logged no error in any page", () => {
    expect(errors).toEqual([]);
  });
});

async function page_shot(page: Page, name: string) {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

async function expect_focused(page: Page, label: string) {
  const focused = await page.evaluate(() => {
    const doc = (
      globalThis as unknown as {
        document: { activeElement: { getAttribute(name: string): string | null } | null };
      }
    ).document;
    return doc.activeElement?.getAttribute("aria-label");
  });
  expect(focused).toBe(label);
}

/**
 * At least 30 ways to get markup, handlers or script URLs into a page, as Markdown or HTML:
 * each would set `window.xssRan` if it ever ran.
 */
const xssPayloads = [
  "<script>window.xssRan=1</script>",
  `<img src=x onerror="window.xssRan=1">`,
  "<IMG SRC=JaVaScRiPt:window.xssRan=1>",
  `<svg onload="window.xssRan=1">`,
  "<svg><script>window.xssRan=1</script></svg>",
  `<svg><a xlink:href="javascript:window.xssRan=1"><text>svg link</text></a></svg>`,
  "<math><mtext><table><mglyph><style><img src=x onerror=window.xssRan=1>",
  "[click](javascript:window.xssRan=1)",
  "[click](JAVASCRIPT:window.xssRan=1)",
  "[click](javascript&colon;window.xssRan=1)",
  "[click](&#106;avascript:window.xssRan=1)",
  "[click](&#x6A;&#x61;vascript:window.xssRan=1)",
  "[click](java%09script:window.xssRan=1)",
  "[click](\u0001javascript:window.xssRan=1)",
  "[click](\u200Bjavascript:window.xssRan=1)",
  "[click](<javascript:window.xssRan=1>)",
  "[click](data:text/html;base64,PHNjcmlwdD53aW5kb3cueHNzUmFuPTE8L3NjcmlwdD4=)",
  "[vb](vbscript:msgbox(1))",
  "<javascript:window.xssRan=1>",
  "<data:text/html,<script>window.xssRan=1</script>>",
  `<a href="javascript:window.xssRan=1">html link</a>`,
  `<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058window.xssRan=1">entities</a>`,
  "![image](javascript:window.xssRan=1)",
  `![image](x" onerror="window.xssRan=1)`,
  "![image](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9IndpbmRvdy54c3NSYW49MSI+)",
  "[reference]\n\n[reference]: javascript:window.xssRan=1",
  `[title](https://example.com "title" onmouseover="window.xssRan=1")`,
  `[quote](https://example.com/"onmouseover="window.xssRan=1)`,
  `<iframe src="javascript:window.xssRan=1"></iframe>`,
  `<iframe srcdoc="<script>parent.xssRan=1</script>"></iframe>`,
  `<object data="javascript:window.xssRan=1"></object>`,
  `<embed src="data:text/html,<script>parent.xssRan=1</script>">`,
  `<form action="javascript:window.xssRan=1"><button>go</button></form>`,
  `<p style="background:url(javascript:window.xssRan=1)">styled</p>`,
  "<style>@import 'javascript:window.xssRan=1';</style>",
  `<div onmouseover="window.xssRan=1">hover me</div>`,
  `<details open ontoggle="window.xssRan=1">details</details>`,
  "<body onload=window.xssRan=1>",
  `<base href="javascript:/">`,
  `<meta http-equiv="refresh" content="0;url=javascript:window.xssRan=1">`,
  `<noscript><p title="</noscript><img src=x onerror=window.xssRan=1>">`,
  "<<script>script>window.xssRan=1<</script>/script>",
  "&lt;script&gt;window.xssRan=1&lt;/script&gt;",
  "**<img src=x onerror=window.xssRan=1>**",
  "`code` <img src=x onerror=window.xssRan=1> `more`",
  "[<img src=x onerror=window.xssRan=1>](https://example.com)",
  '```"><img src=x onerror=window.xssRan=1>\ncode\n```',
  "https://example.com/<img src=x onerror=window.xssRan=1>",
  "<!channel><script>window.xssRan=1</script><!here>",
  `<#1"onclick="window.xssRan=1>`,
  "\u202E<img src=x onerror=window.xssRan=1>\u00A0<script\u0007>window.xssRan=1</script>",
];

/** Everything under `selector` that could run script, load something, or link to script. */
function hazards(selector: string): string[] {
  const g = globalThis as any;
  const found: string[] = [];
  if (g.xssRan !== undefined) found.push("a payload ran");
  const forbidden =
    "script, iframe, frame, object, embed, form, input, button, style, link, meta, base, img, svg, math, video, audio, source, noscript, template";
  for (const root of g.document.querySelectorAll(selector)) {
    for (const element of root.querySelectorAll("*")) {
      const name = element.localName;
      // The message's own actions (a toolbar beside its content, never inside it) are ours.
      const ours = element.closest(".pending, .message > .actions");
      if (element.matches(forbidden) && !ours) found.push(`<${name}>`);
      for (const attribute of element.attributes) {
        const attr = attribute.name.toLowerCase();
        // Controls and spaces are what browsers ignore in a URL's scheme.
        // biome-ignore lint/suspicious/noControlCharactersInRegex: exactly those are meant
        const value = attribute.value.replace(/[\u0000-\u0020\u00a0\u200b]/g, "").toLowerCase();
        if (attr.startsWith("on")) found.push(`${name} ${attr}`);
        if (attr === "srcdoc" || attr === "formaction" || attr === "action")
          found.push(`${name} ${attr}`);
        if (attr === "style" && !element.classList.contains("avatar")) found.push(`${name} style`);
        if (/^(javascript|data|vbscript):/.test(value))
          found.push(`${name} ${attr}=${attribute.value}`);
      }
    }
  }
  return found;
}

/** rich-text.tsx's sanitize on its own, bundled for a blank page. */
async function sanitizerBundle(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "sanitizer-"));
  try {
    const entry = join(dir, "entry.ts");
    const module = join(import.meta.dir, "../../web/views/rich-text.tsx");
    writeFileSync(
      entry,
      `import { sanitize } from ${JSON.stringify(module)};\n(globalThis as any).sanitize = sanitize;\n`,
    );
    const result = await Bun.build({ entrypoints: [entry], target: "browser" });
    if (!result.success || !result.outputs[0]) throw new Error("the sanitizer did not build");
    return await result.outputs[0].text();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
