// Conversations in the web app, in a real browser against a real server: threads, reactions,
// edits, deletes, pins, attachments and message actions, as Alice does them and Bob sees them live.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { startTestApp } from "../support/app.ts";
import { launchBrowser, settled, tinyPng, watchForErrors } from "../support/browser.ts";

const app = await startTestApp();
// As in web.test.ts: docs/screenshots is rewritten only with CHAT_SCREENSHOTS=1.
const shots =
  process.env.CHAT_SCREENSHOTS === "1"
    ? join(import.meta.dir, "../../docs/screenshots")
    : mkdtempSync(join(tmpdir(), "chat-screens-"));
const errors: string[] = [];
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

type Person = { id: number; token: string };

async function signUp(name: string, invite?: string): Promise<Person> {
  const reply = await app.request("POST", "/api/signup", {
    body: {
      fullname: name,
      email: `${name.toLowerCase()}@convo.test`,
      password: `${name}-password`,
      workspace: "Convo",
      ...(invite && { invite }),
    },
  });
  if (reply.status !== 201) throw new Error(`sign up: ${JSON.stringify(reply.body)}`);
  return { id: reply.body.user.id, token: reply.body.token };
}

/** A browser signed in as the person, at the path. */
async function openAs(
  person: Person,
  path: string,
  options: { viewport?: { width: number; height: number }; hasTouch?: boolean } = {},
): Promise<Page> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1200, height: 760 },
    hasTouch: options.hasTouch,
  });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
  const page = await context.newPage();
  watchForErrors(page, errors);
  await page.goto(app.url);
  await page.evaluate((token) => localStorage.setItem("chat.token", token), person.token);
  await page.goto(`${app.url}${path}`);
  // The list is there (and empty lists have no size, so "attached" rather than "visible").
  await messages(page).waitFor({ state: "attached" });
  return page;
}

const api = (person: Person, method: string, path: string, body?: unknown) =>
  app.request(method, path, { token: person.token, body });

const messages = (page: Page) => page.getByRole("list", { name: "Messages" });
const thread = (page: Page) => page.getByRole("complementary", { name: "Thread" });
const composer = (page: Page) => page.getByLabel("Message design", { exact: true });
/** The message (in the chat's list, unless `within` says where) whose text has this. */
const message = (within: Locator, text: string) =>
  within.locator(".message").filter({ hasText: text });
/** Shows a message's actions as a hover does, and clicks one. */
async function act(target: Locator, action: string) {
  await target.hover();
  await target.getByRole("toolbar", { name: "Message actions" }).waitFor();
  await target.getByRole("button", { name: action, exact: true }).click();
}

let alice: Person;
let bob: Person;
let channelId: number;
let alicePage: Page;
let bobPage: Page;

/** Sends as Alice through the app and waits until Bob sees it (by `shown`, as rendered). */
async function aliceSays(text: string, shown = text) {
  await composer(alicePage).fill(text);
  await composer(alicePage).press("Enter");
  await message(messages(bobPage), shown).waitFor();
}

describe("conversations in the web app", () => {
  test("setup: Alice and Bob in a channel, each in a browser", async () => {
    alice = await signUp("Alice");
    const invite = (await api(alice, "POST", "/api/invites", {})).body.code;
    bob = await signUp("Bob", invite);
    const channel = await api(alice, "POST", "/api/chat", {
      type: "public_channel",
      name: "design",
      members: [bob.id],
    });
    channelId = channel.body.id;
    alicePage = await openAs(alice, `/chat/${channelId}`);
    bobPage = await openAs(bob, `/chat/${channelId}`);
    await composer(alicePage).waitFor();
    await composer(bobPage).waitFor();
  });

  test("a reply in a thread: the pane opens beside the chat at its own URL, the other sees it live with the count, and Back closes it", async () => {
    await aliceSays(
      "**Homepage** draft: what do we _keep_?\n- ~~carousel~~\n- the `hero` image",
      "Homepage draft",
    );
    const root = message(messages(bobPage), "Homepage");
    await act(root, "Reply in thread");
    await thread(bobPage).waitFor();
    const rootId = Number(await root.getAttribute("data-message-id"));
    expect(new URL(bobPage.url()).pathname).toBe(`/chat/${channelId}/thread/${rootId}`);
    // The root shows in the pane, formatted.
    expect(await thread(bobPage).locator(".message .text strong").textContent()).toBe("Homepage");
    const reply = thread(bobPage).getByLabel("Reply in thread", { exact: true });
    await expect_focused(bobPage, "Reply in thread");
    await reply.fill("Keep the hero, drop the carousel");
    await reply.press("Enter");
    await message(thread(bobPage), "Keep the hero").waitFor();

    // Alice: the count and the time of the last reply under the root, live; the reply is not in
    // the chat's own list.
    const aliceRoot = message(messages(alicePage), "Homepage");
    await aliceRoot.getByRole("button", { name: "1 reply" }).waitFor();
    expect(await aliceRoot.locator(".thread-summary").textContent()).toMatch(
      /^1 reply · last reply \d/,
    );
    expect(await message(messages(alicePage), "Keep the hero").count()).toBe(0);
    await aliceRoot.getByRole("button", { name: "1 reply" }).click();
    await message(thread(alicePage), "Keep the hero").waitFor();
    const aliceReply = thread(alicePage).getByLabel("Reply in thread", { exact: true });
    await aliceReply.fill("Agreed, shipping **Friday**");
    await aliceReply.press("Enter");
    await message(thread(bobPage), "shipping Friday").waitFor();
    await message(messages(bobPage), "Homepage")
      .getByRole("button", { name: "2 replies" })
      .waitFor();
    expect(await thread(bobPage).locator(".reply-count").textContent()).toBe("2 replies");

    // A reload at the thread's URL opens it again; Back closes it.
    await bobPage.reload();
    await message(thread(bobPage), "shipping Friday").waitFor();
    await bobPage.goBack();
    await thread(bobPage).waitFor({ state: "detached" });
    expect(new URL(bobPage.url()).pathname).toBe(`/chat/${channelId}`);
    await bobPage.goForward();
    await thread(bobPage).waitFor();
    await thread(bobPage).getByRole("button", { name: "Close thread" }).click();
    await thread(bobPage).waitFor({ state: "detached" });
  });

  test("reactions: picked by name, shown as chips with a count and who reacted, toggled by a click, live for the other", async () => {
    await aliceSays("New logo is in the shared folder");
    const target = message(messages(bobPage), "New logo");
    await act(target, "React");
    const picker = bobPage.getByRole("dialog", { name: "Pick an emoji" });
    await picker.getByLabel("Search emoji").fill("tada");
    await picker.getByRole("option", { name: "tada", exact: true }).click();
    await picker.waitFor({ state: "detached" });

    const aliceSees = message(messages(alicePage), "New logo");
    // The chip shows the character once the emoji data, loaded on first need, is there.
    const chip = aliceSees.getByRole("button", { name: /^:tada: / }).filter({ hasText: "🎉" });
    await chip.waitFor();
    expect(await chip.textContent()).toBe("🎉1");
    expect(await chip.getAttribute("title")).toBe("Bob reacted with :tada:");
    expect(await chip.getAttribute("aria-pressed")).toBe("false");
    await chip.click();
    const bobChip = target.getByRole("button", { name: /^:tada: 2/ });
    await bobChip.waitFor();
    expect(await bobChip.getAttribute("title")).toBe("Bob, Alice reacted with :tada:");
    expect(await bobChip.getAttribute("aria-pressed")).toBe("true");
    // Alice takes hers back.
    await aliceSees.getByRole("button", { name: /^:tada: 2/ }).click();
    await target.getByRole("button", { name: /^:tada: 1, Bob$/ }).waitFor();

    // The picker offers what Bob used before first.
    await act(target, "React");
    const first = picker.getByRole("option").first();
    await first.waitFor();
    expect(await first.getAttribute("aria-label")).toBe("tada");
    await picker.getByLabel("Search emoji").fill("rocket");
    await picker.getByLabel("Search emoji").press("Enter");
    await aliceSees.getByRole("button", { name: /^:rocket: 1/ }).waitFor();
    await alicePage.mouse.move(0, 0);
    await shot(alicePage, "reactions");
  });

  test("`:name` in the composer offers emoji and inserts the character", async () => {
    const box = composer(alicePage);
    await box.pressSequentially("Ship it :tad");
    const list = alicePage.getByRole("listbox", { name: "Emoji" });
    await list.waitFor();
    expect(await list.getByRole("option").first().textContent()).toContain(":tada:");
    await box.press("Enter");
    await list.waitFor({ state: "detached" });
    expect(await box.inputValue()).toBe("Ship it 🎉 ");
    await box.press("Enter");
    await message(messages(bobPage), "Ship it 🎉").waitFor();
  });

  test("Up in an empty composer edits one's last message: Escape cancels, Enter saves, and the other sees it (edited), with its history", async () => {
    await aliceSays("The meeting is at 3pm");
    const box = composer(alicePage);
    await box.press("ArrowUp");
    const editor = alicePage.getByLabel("Edit message", { exact: true });
    await editor.waitFor();
    expect(await editor.inputValue()).toBe("The meeting is at 3pm");
    await expect_focused(alicePage, "Edit message");
    await editor.fill("changed my mind");
    await editor.press("Escape");
    await editor.waitFor({ state: "detached" });
    await expect_focused(alicePage, "Message design");
    expect(await message(messages(alicePage), "The meeting is at 3pm").count()).toBe(1);

    await box.press("ArrowUp");
    await editor.fill("The meeting is at **4pm**");
    await editor.press("Enter");
    const bobSees = message(messages(bobPage), "The meeting is at 4pm");
    await bobSees.waitFor();
    expect(await bobSees.locator(".text strong").textContent()).toBe("4pm");
    await bobSees.getByRole("button", { name: "(edited)" }).click();
    const history = bobPage.getByRole("dialog", { name: "Edit history" });
    // The earlier version, then the current one: the whole list, once it has loaded.
    const versions = history.getByRole("list", { name: "Earlier versions" }).locator("li .text");
    const expected = ["The meeting is at 3pm", "The meeting is at 4pm"];
    const shown = await settled(
      () => versions.allTextContents(),
      (texts) => texts.join("\n") === expected.join("\n"),
    );
    expect(shown).toEqual(expected);
    await history.getByRole("button", { name: "Close" }).click();
    await history.waitFor({ state: "hidden" });
  });

  test("Bob cannot edit or delete Alice's message: neither action is offered, and the API refuses both", async () => {
    const target = message(messages(bobPage), "The meeting is at 4pm");
    await target.hover();
    const actions = target.getByRole("toolbar", { name: "Message actions" });
    await actions.waitFor();
    const offered = await actions.getByRole("button").allTextContents();
    expect(offered).toEqual(["Reply in thread", "React", "Pin", "Copy link"]);
    const id = Number(await target.getAttribute("data-message-id"));
    const edit = await api(bob, "PATCH", `/api/chat/${channelId}/messages/${id}`, {
      content: "hijacked",
    });
    expect(edit.status).toBe(403);
    const remove = await api(bob, "DELETE", `/api/chat/${channelId}/messages/${id}`);
    expect(remove.status).toBe(403);
    expect(await message(messages(alicePage), "hijacked").count()).toBe(0);
    // His own message he may edit and delete.
    await composer(bobPage).fill("a typo of mine");
    await composer(bobPage).press("Enter");
    const own = message(messages(bobPage), "a typo of mine");
    await own.hover();
    expect(await own.getByRole("toolbar").getByRole("button").allTextContents()).toEqual([
      "Reply in thread",
      "React",
      "Edit",
      "Delete",
      "Pin",
      "Copy link",
    ]);
  });

  test("deleting asks first; the message disappears for both, and a root with replies stays as a tombstone", async () => {
    const own = message(messages(bobPage), "a typo of mine");
    await act(own, "Delete");
    const confirm = bobPage.getByRole("alertdialog", { name: "Delete this message?" });
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await confirm.waitFor({ state: "detached" });
    expect(await own.count()).toBe(1);
    await act(own, "Delete");
    await confirm.getByRole("button", { name: "Delete" }).click();
    await message(messages(alicePage), "a typo of mine").waitFor({ state: "detached" });
    await own.waitFor({ state: "detached" });

    // Alice deletes the thread's root: it has replies, so both see a tombstone with its count.
    await act(message(messages(alicePage), "Homepage"), "Delete");
    await alicePage
      .getByRole("alertdialog", { name: "Delete this message?" })
      .getByRole("button", { name: "Delete" })
      .click();
    const tombstone = message(messages(bobPage), "This message was deleted");
    await tombstone.waitFor();
    expect(await tombstone.getByRole("button", { name: "2 replies" }).count()).toBe(1);
    expect(await message(messages(bobPage), "Homepage").count()).toBe(0);
    // The thread still opens, its root a tombstone.
    await tombstone.getByRole("button", { name: "2 replies" }).click();
    await message(thread(bobPage), "This message was deleted").waitFor();
    await message(thread(bobPage), "shipping Friday").waitFor();
    await thread(bobPage).getByRole("button", { name: "Close thread" }).click();
  });

  test("the channel's (and workspace's) owner may delete someone else's message, which goes for its sender too", async () => {
    await composer(bobPage).fill("an off-topic aside");
    await composer(bobPage).press("Enter");
    const aside = message(messages(alicePage), "an off-topic aside");
    await act(aside, "Delete");
    await alicePage
      .getByRole("alertdialog", { name: "Delete this message?" })
      .getByRole("button", { name: "Delete" })
      .click();
    await message(messages(bobPage), "an off-topic aside").waitFor({ state: "detached" });
    await aside.waitFor({ state: "detached" });
  });

  test("a pin shows a marker on the message and in the chat's pinned list, live; unpinning takes it out", async () => {
    await aliceSays("Brand colours: #3f0e40 and #1164a3");
    await act(message(messages(bobPage), "Brand colours"), "Pin");
    const aliceSees = message(messages(alicePage), "Brand colours");
    await aliceSees.locator(".pinned-marker").waitFor();
    await alicePage.getByRole("button", { name: "Pinned", exact: true }).click();
    const pinned = alicePage.getByRole("region", { name: "Pinned messages" });
    await pinned.getByText("Brand colours").waitFor();
    await act(message(messages(bobPage), "Brand colours"), "Unpin");
    await pinned.getByText("Brand colours").waitFor({ state: "detached" });
    await pinned.getByText("Nothing is pinned in this chat yet.").waitFor();
    expect(await aliceSees.locator(".pinned-marker").count()).toBe(0);
    // Pinned again, it comes back into the open list.
    await act(aliceSees, "Pin");
    await pinned.getByText("Brand colours").waitFor();
    await pinned.getByRole("button", { name: "Close" }).click();
  });

  test("Copy link copies the message's URL (a reply's names its thread), which opens it with the message marked", async () => {
    const target = message(messages(bobPage), "Brand colours");
    await act(target, "Copy link");
    await target.getByRole("button", { name: "Copied" }).waitFor();
    const copied = await bobPage.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );
    const id = await target.getAttribute("data-message-id");
    expect(copied).toBe(`${app.url}/chat/${channelId}#message-${id}`);
    // Opened, the link shows that message in view, marked.
    const reader = await openAs(bob, new URL(copied).pathname + new URL(copied).hash);
    const linked = reader.locator(`#message-${id}`);
    await linked.waitFor();
    expect(await linked.evaluate((element) => element.matches(":target"))).toBe(true);
    const inView = await linked.evaluate((element) => {
      const box = element.getBoundingClientRect();
      return (
        box.top >= 0 && box.bottom <= (globalThis as unknown as { innerHeight: number }).innerHeight
      );
    });
    expect(inView).toBe(true);
    await reader.context().close();

    // A reply's link opens its thread, with the reply marked.
    const tombstone = message(messages(bobPage), "This message was deleted");
    const rootId = await tombstone.getAttribute("data-message-id");
    await tombstone.getByRole("button", { name: "2 replies" }).click();
    const reply = message(thread(bobPage), "shipping Friday");
    await act(reply, "Copy link");
    const replyLink = await bobPage.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );
    const replyId = await reply.getAttribute("data-message-id");
    expect(replyLink).toBe(`${app.url}/chat/${channelId}/thread/${rootId}#message-${replyId}`);
    await thread(bobPage).getByRole("button", { name: "Close thread" }).click();
    const threadReader = await openAs(bob, new URL(replyLink).pathname + new URL(replyLink).hash);
    const linkedReply = thread(threadReader).locator(`#message-${replyId}`);
    await linkedReply.waitFor();
    expect(await linkedReply.evaluate((element) => element.matches(":target"))).toBe(true);
    await threadReader.context().close();
  });

  test("attachments show their names, sizes and types; an image is a thumbnail that opens full size", async () => {
    await alicePage.locator('.chat-pane input[type="file"]').setInputFiles([
      { name: "mockup.png", mimeType: "image/png", buffer: tinyPng },
      { name: "brief.txt", mimeType: "text/plain", buffer: Buffer.from("the brief") },
    ]);
    await alicePage.getByRole("list", { name: "Attached files" }).getByText("brief.txt").waitFor();
    await composer(alicePage).fill("Files for the review");
    await composer(alicePage).press("Enter");
    const files = message(messages(bobPage), "Files for the review").getByRole("list", {
      name: "Attachments",
    });
    await files.waitFor();
    expect(await files.locator(".file-meta").allTextContents()).toEqual([
      `${tinyPng.length} bytes · image/png`,
      "9 bytes · text/plain;charset=utf-8",
    ]);
    const image = files.getByRole("img", { name: "mockup.png" });
    await image.waitFor();
    const full = files.getByRole("link", { name: "mockup.png" });
    expect(await full.getAttribute("target")).toBe("_blank");
    const href = (await full.getAttribute("href")) as string;
    expect(href).toContain("?download=");
    const response = await bobPage.request.get(new URL(href, app.url).href);
    expect(Buffer.from(await response.body()).equals(tinyPng)).toBe(true);
    const brief = files.getByRole("link", { name: "brief.txt" });
    expect(await brief.getAttribute("download")).toBe("brief.txt");
  });

  test("edits, reactions and pins missed while offline arrive on reconnect", async () => {
    await aliceSays("Draft agenda v1");
    const context = bobPage.context();
    await context.setOffline(true);
    await bobPage.evaluate(() =>
      (globalThis as unknown as { chat: { dropConnection(): void } }).chat.dropConnection(),
    );
    const id = Number(
      await message(messages(alicePage), "Draft agenda v1").getAttribute("data-message-id"),
    );
    await api(alice, "PATCH", `/api/chat/${channelId}/messages/${id}`, {
      content: "Draft agenda v2",
    });
    await api(alice, "PUT", `/api/chat/${channelId}/messages/${id}/reactions/eyes`);
    await api(alice, "PUT", `/api/chat/${channelId}/pins/${id}`);
    await context.setOffline(false);
    const resumed = message(messages(bobPage), "Draft agenda v2");
    await resumed.waitFor({ timeout: 15_000 });
    await resumed.getByRole("button", { name: /^:eyes: 1, Alice$/ }).waitFor();
    await resumed.locator(".pinned-marker").waitFor();
    expect(await resumed.getByRole("button", { name: "(edited)" }).count()).toBe(1);
  });

  test("on a phone, a long press offers the actions, and a thread takes the whole screen", async () => {
    const phone = await openAs(bob, `/chat/${channelId}`, {
      viewport: { width: 390, height: 760 },
      hasTouch: true,
    });
    const target = message(messages(phone), "Brand colours");
    await target.waitFor();
    const actions = target.getByRole("toolbar", { name: "Message actions" });
    expect(await actions.isVisible()).toBe(false);
    await target.dispatchEvent("touchstart");
    await actions.waitFor({ state: "visible" });
    await actions.getByRole("button", { name: "Reply in thread" }).tap();
    await thread(phone).waitFor();
    expect(await phone.locator(".chat-pane").isVisible()).toBe(false);
    const box = await thread(phone).boundingBox();
    expect(box?.width).toBe(390);
    await thread(phone).getByText("No replies yet").waitFor();
    await shot(phone, "thread-phone");
    await phone.goBack();
    await thread(phone).waitFor({ state: "detached" });
    expect(await phone.locator(".chat-pane").isVisible()).toBe(true);
    await phone.context().close();
  });

  test("screens: a thread beside the chat, with formatting and reactions", async () => {
    await aliceSays(
      `**Launch checklist** for _Friday_:\n1. ~~freeze the API~~ done\n2. run \`bun run build\`\n\n> <@${bob.id}> has the last word`,
      "Launch checklist",
    );
    const root = message(messages(alicePage), "Launch checklist");
    const rootId = Number(await root.getAttribute("data-message-id"));
    const reply = (person: Person, content: string) =>
      api(person, "POST", `/api/chat/${channelId}`, { content, threadId: rootId });
    const replied = await reply(bob, "Build is green:\n```\n✓ 1204 tests, 0 failures\n```");
    await reply(alice, "Then we ship. I'll write the *release notes*.");
    const react = (person: Person, id: number, emoji: string) =>
      api(person, "PUT", `/api/chat/${channelId}/messages/${id}/reactions/${emoji}`);
    await react(bob, rootId, "tada");
    await react(alice, rootId, "tada");
    await react(bob, rootId, "rocket");
    await react(alice, replied.body.id, "white_check_mark");
    await root.getByRole("button", { name: "2 replies" }).click();
    await message(thread(alicePage), "release notes").waitFor();
    await message(thread(alicePage), "Build is green")
      .getByRole("button", { name: /^:white_check_mark: 1/ })
      .filter({ hasText: "✅" })
      .waitFor();
    await root
      .getByRole("button", { name: /^:tada: 2/ })
      .filter({ hasText: "🎉" })
      .waitFor();
    await alicePage.mouse.move(0, 0);
    await shot(alicePage, "thread");
  });

  test("logged no error in any page", () => {
    expect(errors).toEqual([]);
  });
});

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

async function expect_focused(page: Page, label: string) {
  const focused = await page.evaluate(() =>
    (
      globalThis as unknown as {
        document: { activeElement: { getAttribute(name: string): string | null } | null };
      }
    ).document.activeElement?.getAttribute("aria-label"),
  );
  expect(focused).toBe(label);
}
