// The web app in a real browser against a real server: two people, two browser contexts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startTestApp } from "../support/app.ts";
import { launchBrowser, watchForErrors } from "../support/browser.ts";

const app = await startTestApp();
const shots = join(import.meta.dir, "../../docs/screenshots");
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

async function newPage(viewport = { width: 1100, height: 720 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
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

let alice: Page;
let bob: Page;

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
    await page_shot(alice, "chat");
  });

  test("a file upload is shown to the other person: images inline, other files as links", async () => {
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAHklEQVR4nGP8z4APMDEwMDAxMDCwMjAwMDBgFQ0ANMEAEAF3uLIAAAAASUVORK5CYII=",
      "base64",
    );
    await alice.locator('input[type="file"]').setInputFiles([
      { name: "dot.png", mimeType: "image/png", buffer: png },
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
    const link = messages(bob).getByRole("link", { name: "TXT file" });
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
    const history = await app.request("GET", "/api/chat/1/messages", {
      token: await alice.evaluate(() => localStorage.getItem("chat.token") as string),
    });
    expect(
      history.body.filter((m: { content: string }) => m.content === "sent while offline"),
    ).toHaveLength(1);
  });

  test("channels: create one, browse and join it, and see it live", async () => {
    await alice.getByRole("button", { name: "New channel" }).click();
    await alice.getByLabel("Name").fill("general");
    await alice.getByRole("button", { name: "Create" }).click();
    await composer(alice, "general").fill("welcome to #general");
    await composer(alice, "general").press("Enter");

    await bob.getByRole("button", { name: "Browse channels" }).click();
    await bob.getByRole("button", { name: "Join" }).click();
    await messages(bob).getByText("welcome to #general").waitFor();
    await composer(bob, "general").fill("glad to be here");
    await composer(bob, "general").press("Enter");
    await messages(alice).getByText("glad to be here").waitFor();
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
    await phone.getByRole("button", { name: /general/ }).click();
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
      (url) => /[?&]token=/.test(url) || sessions.some((token) => url.includes(token)),
    );
    expect(leaks).toEqual([]);
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
