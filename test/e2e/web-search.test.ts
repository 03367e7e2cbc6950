// Search in the web app, in Chromium against a real server: Ctrl+K opens it, results show their
// matches marked (and a message's own markup as text), filters narrow them, and a click opens the
// message in its chat, scrolled to it, with the messages around it.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { startTestApp } from "../support/app.ts";
import { launchBrowser, watchForErrors } from "../support/browser.ts";

const app = await startTestApp();
const errors: string[] = [];
let browser: Browser;
let page: Page;

type Person = { id: number; token: string };
async function signUp(name: string, invite?: string): Promise<Person> {
  const reply = await app.request("POST", "/api/signup", {
    body: {
      fullname: name,
      email: `${name.toLowerCase()}@search.test`,
      password: `${name}-password`,
      workspace: "Finders",
      ...(invite && { invite }),
    },
  });
  if (reply.status !== 201) throw new Error(`sign up: ${JSON.stringify(reply.body)}`);
  return { id: reply.body.user.id, token: reply.body.token };
}
const send = async (by: Person, chatId: number, content: string) =>
  (await app.request("POST", `/api/chat/${chatId}`, { token: by.token, body: { content } })).body;

let alice: Person;
let bob: Person;
let channelId: number;
let oldId: number;

beforeAll(async () => {
  browser = await launchBrowser();
  alice = await signUp("Alice");
  const invite = (await app.request("POST", "/api/invites", { token: alice.token, body: {} })).body
    .code;
  bob = await signUp("Bob", invite);
  channelId = (
    await app.request("POST", "/api/chat", {
      token: alice.token,
      body: { type: "public_channel", name: "orchard", members: [bob.id] },
    })
  ).body.id;
  // One old message far up the history, then enough after it that it is not on the first page.
  oldId = (await send(bob, channelId, "The pomegranate harvest starts on Monday")).id;
  for (let i = 0; i < 80; i++) await send(alice, channelId, `later message ${i}`);
  await send(alice, channelId, "<b>pomegranate</b> juice, not bold");
  const context = await browser.newContext({ viewport: { width: 1200, height: 760 } });
  page = await context.newPage();
  watchForErrors(page, errors);
  await page.goto(app.url);
  await page.evaluate((token) => localStorage.setItem("chat.token", token), alice.token);
  await page.goto(app.url);
  await page.getByRole("button", { name: "Search" }).first().waitFor();
});
afterAll(async () => {
  await browser?.close();
});

const results = () => page.getByRole("list", { name: "Search results" }).getByRole("listitem");
/** Waits until the results list holds exactly `n` results. */
// The page's own DOM, as the functions below see it in the browser. They are functions, not
// strings: the page's CSP forbids evaluating strings, which polling for a string needs.
type PageGlobals = {
  document: {
    querySelectorAll(selector: string): { length: number };
    getElementById(id: string): { getBoundingClientRect(): { top: number; bottom: number } } | null;
  };
  innerHeight: number;
};

const resultCount = (n: number) =>
  page.waitForFunction(
    (count) =>
      (globalThis as unknown as PageGlobals).document.querySelectorAll(".search .results li")
        .length === count,
    n,
  );

test("Ctrl+K opens search; a prefix finds both messages, newest first, each match marked and markup shown as text", async () => {
  await page.keyboard.press("Control+k");
  const box = page.getByRole("searchbox", { name: "Search messages" });
  await box.waitFor();
  await box.fill("pomegr");
  await box.press("Enter");
  await resultCount(2);
  const first = results().nth(0);
  expect(await first.locator(".snippet").textContent()).toBe("<b>pomegranate</b> juice, not bold");
  expect(await first.locator("mark").allTextContents()).toEqual(["pomegranate"]);
  expect(await first.locator("b").count()).toBe(0);
  expect(await results().nth(1).locator("mark").allTextContents()).toEqual(["pomegranate"]);
});

test("the person filter narrows the results to what Bob sent", async () => {
  await page.getByLabel("From").selectOption({ label: "Bob" });
  await page.getByRole("button", { name: "Search", exact: true }).last().click();
  await resultCount(1);
  expect(await results().nth(0).textContent()).toContain("harvest");
});

test("a click opens the message in its chat, scrolled to it, with the messages around it", async () => {
  await results().nth(0).getByRole("button").click();
  await page.waitForURL(`**/chat/${channelId}#message-${oldId}`);
  const target = page.locator(`#message-${oldId}`);
  await target.waitFor();
  await target.waitFor({ state: "visible" });
  // Scrolled to it: it is within the window, not at the list's newest end below.
  await page.waitForFunction((id) => {
    const { document, innerHeight } = globalThis as unknown as PageGlobals;
    const rect = document.getElementById(`message-${id}`)?.getBoundingClientRect();
    return rect !== undefined && rect.top > 0 && rect.bottom < innerHeight;
  }, oldId);
  // Its neighbours are there too: the message sent right after it.
  await page.locator(".message", { hasText: "later message 0" }).first().waitFor();
  expect(errors).toEqual([]);
});
