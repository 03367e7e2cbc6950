// Read state in a real browser (issue #24): unread badges and mentions from the server's state,
// across a reload and a second tab, the "new messages" divider, the tab's title and icon, the
// installable app's manifest, and the service worker.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startTestApp } from "../support/app.ts";
import { launchBrowser, watchForErrors } from "../support/browser.ts";
import { people } from "../support/fixtures.ts";

setDefaultTimeout(20_000);
const app = await startTestApp();
const { alice, bob } = await people(app);
const direct = (
  await app.request("POST", "/api/chat", { token: alice.token, body: { members: [bob.user.id] } })
).body as { id: number };
const send = async (content: string) =>
  (await app.request("POST", `/api/chat/${direct.id}`, { token: alice.token, body: { content } }))
    .body as { id: number };

const errors: string[] = [];
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  // Bob is signed in: the app reads its token from storage.
  await context.addInitScript((token) => localStorage.setItem("chat.token", token), bob.token);
});
afterAll(async () => {
  await browser?.close();
});

async function bobsPage(path = "/"): Promise<Page> {
  const page = await context.newPage();
  watchForErrors(page, errors);
  await page.goto(app.url + path);
  await page.getByRole("heading", { name: "Acme", level: 1 }).waitFor();
  return page;
}

const aliceInSidebar = (page: Page) => page.locator("button.chat-link", { hasText: "Alice" });
const favicon = (page: Page) => page.locator("link[rel=icon]").getAttribute("data-count");
/** Waits until the tab's title starts with `prefix` (or, with `not`, no longer with "("). */
async function titled(page: Page, prefix: string | undefined) {
  const deadline = Date.now() + 5000;
  while (true) {
    const title = await page.title();
    if (prefix === undefined ? !title.startsWith("(") : title.startsWith(prefix)) return;
    if (Date.now() > deadline) throw new Error(`the title is "${title}"`);
    await Bun.sleep(25);
  }
}

describe("attention in the web app", () => {
  test("unread and mention counts show in the sidebar, the title and the icon, and survive a reload", async () => {
    const page = await bobsPage();
    await send("one");
    await send("two");
    await send(`three for <@${bob.user.id}>`);
    await titled(page, "(3 @1)");
    const link = aliceInSidebar(page);
    expect(await link.getAttribute("class")).toContain("unread");
    expect(await link.textContent()).toContain("@1");
    expect(await favicon(page)).toBe("@1");
    await page.reload();
    await titled(page, "(3 @1)");
    expect(await aliceInSidebar(page).textContent()).toMatch(/@1.*3/);
    await page.close();
  });

  test("reading in a second tab clears the first at once; the divider marks where the marker was", async () => {
    const first = await bobsPage();
    await titled(first, "(3 @1)");
    const second = await bobsPage(`/chat/${direct.id}`);
    await second.bringToFront();
    const divider = second.locator(".new-divider");
    await divider.waitFor();
    // The divider comes right before the first unread message.
    const next = await divider.evaluate((element) => element.nextElementSibling?.textContent ?? "");
    expect(next).toContain("one");
    await titled(second, undefined);
    await titled(first, undefined);
    expect(await aliceInSidebar(first).getAttribute("class")).not.toContain("unread");
    expect(await favicon(first)).toBe("");
    const state = (await app.request("GET", `/api/chat/${direct.id}`, { token: bob.token })).body
      .state;
    expect(state).toMatchObject({ unreadCount: 0, mentionCount: 0 });
    await first.close();
    await second.close();
  });

  test("a message that arrives in a chat not open is unread; opened and seen, it is read", async () => {
    const page = await bobsPage();
    const message = await send("are you there?");
    await titled(page, "(1)");
    await aliceInSidebar(page).click();
    await page.getByText("are you there?").waitFor();
    await titled(page, undefined);
    const state = (await app.request("GET", `/api/chat/${direct.id}`, { token: bob.token })).body
      .state;
    expect(state.lastReadMessageId).toBe(message.id);
    await page.close();
  });

  test("the notification level is set in the chat's settings", async () => {
    const page = await bobsPage(`/chat/${direct.id}`);
    await page.getByRole("button", { name: "Members" }).click();
    await page.getByLabel("Notify me about").selectOption("mentions");
    const deadline = Date.now() + 5000;
    let notify = "";
    while (Date.now() < deadline) {
      notify = (await app.request("GET", `/api/chat/${direct.id}`, { token: bob.token })).body.state
        .notify;
      if (notify === "mentions") break;
      await Bun.sleep(50);
    }
    expect(notify).toBe("mentions");
    await page.close();
  });

  test("the app is installable: a valid manifest with icons, and a service worker at the root", async () => {
    const page = await bobsPage();
    expect(await page.locator("link[rel=manifest]").getAttribute("href")).toBe(
      "/manifest.webmanifest",
    );
    const response = await fetch(`${app.url}/manifest.webmanifest`);
    expect(response.headers.get("content-type")).toContain("application/manifest+json");
    const manifest = (await response.json()) as { icons: { src: string; sizes: string }[] };
    expect(manifest).toMatchObject({ name: "Chat", start_url: "/", display: "standalone" });
    for (const size of ["192x192", "512x512"]) {
      const icon = manifest.icons.find((i) => i.sizes === size);
      const image = await fetch(new URL(icon?.src ?? "", app.url));
      expect(image.headers.get("content-type")).toBe("image/png");
      const bytes = new Uint8Array(await image.arrayBuffer());
      expect([...bytes.slice(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
    }
    const worker = await page.evaluate(`navigator.serviceWorker.ready.then((registration) => ({
      scope: registration.scope,
      script: registration.active?.scriptURL,
    }))`);
    expect(worker).toEqual({ scope: `${app.url}/`, script: `${app.url}/sw.js` });
    const script = await fetch(`${app.url}/sw.js`);
    expect(script.headers.get("content-type")).toContain("text/javascript");
    // Notifications are offered, never asked for on load.
    expect(await page.evaluate("Notification.permission")).toBe("default");
    await page.getByRole("button", { name: "Enable notifications" }).waitFor();
    await page.close();
  });

  test("the service worker never caches API answers, and keeps the app shell offline", async () => {
    const page = await bobsPage();
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)");
    await page.reload();
    await page.getByRole("heading", { name: "Acme", level: 1 }).waitFor();
    const kept = (await page.evaluate(`(async () => {
      const urls = [];
      for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
      }
      return urls;
    })()`)) as string[];
    expect(kept.some((url) => url.endsWith("/"))).toBe(true);
    expect(kept.filter((url) => url.includes("/api/"))).toEqual([]);
    await context.setOffline(true);
    try {
      await page.reload();
      // The shell loads; the API cannot be reached.
      expect(await page.locator("#app").count()).toBe(1);
      expect(await page.locator("script").count()).toBeGreaterThan(0);
    } finally {
      await context.setOffline(false);
    }
    await page.close();
  });

  test("the browser reported no errors", () => {
    expect(
      errors.filter((error) => !/Failed to fetch|ERR_INTERNET_DISCONNECTED|net::/.test(error)),
    ).toEqual([]);
  });
});
