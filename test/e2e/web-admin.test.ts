// People and administration in the web app, in a real browser against a real server: the
// profile dialog, avatars, the people directory, the admin page (members, invites, settings,
// audit log), invite links, archiving, the password, signing out, and deactivation.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { startTestApp } from "../support/app.ts";
import { launchBrowser, tinyPng, watchForErrors } from "../support/browser.ts";
import { richExport, writeSlackExport } from "../support/slack-export.ts";

const app = await startTestApp();
const errors: string[] = [];
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

type Person = { id: number; token: string; email: string };

async function signUp(name: string, invite?: string): Promise<Person> {
  const email = `${name.toLowerCase()}@admin.test`;
  const reply = await app.request("POST", "/api/signup", {
    body: {
      fullname: name,
      email,
      password: `${name}-password`,
      workspace: "Admins",
      ...(invite && { invite }),
    },
  });
  if (reply.status !== 201) throw new Error(`sign up: ${JSON.stringify(reply.body)}`);
  return { id: reply.body.user.id, token: reply.body.token, email };
}

const api = (person: Person, method: string, path: string, body?: unknown) =>
  app.request(method, path, { token: person.token, body });

async function openAs(person: Person, path: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
  const page = await context.newPage();
  watchForErrors(page, errors);
  await page.goto(app.url);
  await page.evaluate((token) => localStorage.setItem("chat.token", token), person.token);
  await page.goto(`${app.url}${path}`);
  await page.getByRole("navigation", { name: "Chats" }).waitFor();
  return page;
}

const dialog = (page: Page) => page.locator("dialog[open]");
const signInForm = (page: Page) => page.getByRole("form", { name: "Sign in" });

let alice: Person;
let bob: Person;
let carol: Person;
let channelId: number;
let alicePage: Page;
let bobPage: Page;

describe("people and administration in the web app", () => {
  test("setup: Alice owns the workspace, Bob and Carol are members, in a channel", async () => {
    alice = await signUp("Alice");
    const invite = (await api(alice, "POST", "/api/invites", {})).body.code;
    bob = await signUp("Bob", invite);
    carol = await signUp("Carol", invite);
    const channel = await api(alice, "POST", "/api/chat", {
      type: "public_channel",
      name: "design",
      members: [bob.id, carol.id],
    });
    channelId = channel.body.id;
    await api(alice, "POST", `/api/chat/${channelId}`, { content: "hello from Alice" });
    alicePage = await openAs(alice, `/chat/${channelId}`);
    bobPage = await openAs(bob, `/chat/${channelId}`);
  });

  test("initials stand in for a missing picture, next to messages and in the member list", async () => {
    const line = bobPage.locator(".message", { hasText: "hello from Alice" });
    expect(await line.locator(".gutter .avatar").textContent()).toBe("A");
    await bobPage.getByRole("button", { name: "Members" }).click();
    const members = dialog(bobPage).getByRole("list", { name: "Members" });
    expect(await members.locator(".avatar").allTextContents()).toEqual(["A", "B", "C"]);
    await dialog(bobPage).getByRole("button", { name: "Close" }).click();
  });

  test("the profile dialog saves name, title, status with emoji and expiry, time zone and a picture cropped square; others see them live", async () => {
    await alicePage.getByRole("button", { name: "Profile" }).click();
    const form = dialog(alicePage).getByRole("form", { name: "Profile" });
    await form.getByLabel("Title").fill("Head of design");
    await form.getByLabel("Time zone").fill("Europe/Paris");
    await form.getByLabel("Emoji").fill("palm_tree");
    await form.getByLabel("Text").fill("On holiday");
    await form.getByLabel("Clear after").selectOption("4h");
    await form.getByRole("button", { name: "Save profile" }).click();
    await dialog(alicePage).getByRole("status").filter({ hasText: "Profile saved" }).waitFor();
    const me = (await api(alice, "GET", "/api/me")).body.user;
    expect(me).toMatchObject({
      title: "Head of design",
      timezone: "Europe/Paris",
      status: { emoji: "palm_tree", text: "On holiday" },
    });
    const until = Date.parse(me.status.until) - Date.now();
    expect(until).toBeGreaterThan(3.9 * 3_600_000);
    expect(until).toBeLessThan(4.1 * 3_600_000);

    // The picture shows as a square crop wherever it appears.
    await dialog(alicePage)
      .getByLabel("Picture")
      .setInputFiles({ name: "face.png", mimeType: "image/png", buffer: tinyPng });
    await dialog(alicePage).getByRole("status").filter({ hasText: "Picture saved" }).waitFor();
    await dialog(alicePage).getByRole("button", { name: "Close" }).click();

    // Bob sees the picture next to Alice's message without reloading (user.updated).
    const picture = bobPage.locator(".message", { hasText: "hello from Alice" }).locator("img");
    await picture.waitFor();
    await expect_loaded(picture);
    const box = await picture.boundingBox();
    expect(box && Math.round(box.width)).toBe(box && Math.round(box.height));
    const fit = await picture.evaluate(
      (img) =>
        (
          globalThis as unknown as { getComputedStyle(e: unknown): { objectFit: string } }
        ).getComputedStyle(img).objectFit,
    );
    expect(fit).toBe("cover");
    // And in the people directory, with title and status.
    await bobPage.getByRole("button", { name: "People directory" }).click();
    const people = dialog(bobPage).getByRole("list", { name: "People" });
    const aliceLine = people.locator("li", { hasText: "Alice" });
    expect(await aliceLine.textContent()).toContain("Head of design");
    expect(await aliceLine.textContent()).toContain("On holiday");
    expect(await aliceLine.textContent()).toContain("local time");
    expect(await aliceLine.locator("img").count()).toBe(1);
    await dialog(bobPage).getByRole("button", { name: "Close" }).click();
  });

  test("the people directory finds people by name or title and opens a chat with them", async () => {
    await bobPage.getByRole("button", { name: "People directory" }).click();
    await dialog(bobPage).getByLabel("Search people").fill("design");
    const people = dialog(bobPage).getByRole("list", { name: "People" });
    expect(await people.locator(".who").allTextContents()).toEqual([
      expect.stringContaining("Alice"),
    ]);
    await dialog(bobPage).getByLabel("Search people").fill("car");
    const carolLine = people.locator("li", { hasText: "Carol" });
    await carolLine.getByRole("button", { name: "Message" }).click();
    await bobPage.waitForURL((url) => url.pathname !== `/chat/${channelId}`);
    const chatId = Number(new URL(bobPage.url()).pathname.split("/")[2]);
    const chat = (await api(bob, "GET", `/api/chat/${chatId}`)).body;
    expect(chat).toMatchObject({ type: "single" });
    expect([...chat.members].sort()).toEqual([bob.id, carol.id].sort());
    await bobPage.goto(`${app.url}/chat/${channelId}`);
    await bobPage.getByRole("list", { name: "Messages" }).waitFor({ state: "attached" });
  });

  test("the admin page: an invite with options gets a copyable link that opens the sign-up with the workspace filled in; revoking removes it", async () => {
    expect(await bobPage.getByRole("button", { name: "Administration" }).count()).toBe(0);
    await alicePage.getByRole("button", { name: "Administration" }).click();
    const admin = dialog(alicePage);
    const form = admin.getByRole("form", { name: "New invite" });
    await form.getByLabel("Uses (empty: unlimited)").fill("2");
    await form.getByLabel("Valid for days").fill("3");
    await form.getByRole("button", { name: "Make invite" }).click();
    const invites = admin.getByRole("list", { name: "Invites" });
    const made = invites.locator("li", { hasText: "0 of 2 used" });
    await made.waitFor();
    await made.getByRole("button", { name: "Copy link" }).click();
    await made.getByRole("button", { name: "Copied" }).waitFor();
    const link = await alicePage.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );
    const code = new URL(link).searchParams.get("invite") as string;
    // The link is the code alone: the sign-up asks the server which workspace it opens.
    expect(link).toBe(`${app.url}/?invite=${code}`);
    const listed = (await api(alice, "GET", "/api/invites")).body.find(
      (invite: { code: string }) => invite.code === code,
    );
    expect(listed).toMatchObject({ maxUses: 2, uses: 0 });
    expect(Date.parse(listed.expiresAt) - Date.now()).toBeGreaterThan(2.9 * 86_400_000);

    // The link opens the sign-up with the workspace and the code filled in.
    const stranger = await (await browser.newContext()).newPage();
    watchForErrors(stranger, errors);
    await stranger.goto(link);
    const signUpForm = stranger.getByRole("form", { name: "Sign up" });
    await stranger.waitForFunction(
      () =>
        (
          globalThis as unknown as {
            document: { querySelector(s: string): { value: string } | null };
          }
        ).document.querySelector("input[name=workspace]")?.value === "Admins",
    );
    expect(await signUpForm.getByLabel(/Invite code/).inputValue()).toBe(code);
    await signUpForm.getByLabel("Full name").fill("Dan");
    await signUpForm.getByLabel("Email").fill("dan@admin.test");
    await signUpForm.getByLabel("Password").fill("Dan-password");
    await signUpForm.getByRole("button", { name: "Create account" }).click();
    await stranger.getByRole("navigation", { name: "Chats" }).waitFor();
    expect(await stranger.getByRole("heading", { name: "Admins" }).count()).toBe(1);
    await stranger.context().close();

    await made.getByRole("button", { name: "Revoke" }).click();
    await made.waitFor({ state: "detached" });
    const after = (await api(alice, "GET", "/api/invites")).body;
    expect(after.map((invite: { code: string }) => invite.code)).not.toContain(code);
    await admin.getByRole("button", { name: "Close" }).click();
  });

  test("the admin page changes settings and roles, and the audit log shows them", async () => {
    await alicePage.getByRole("button", { name: "Administration" }).click();
    const admin = dialog(alicePage);
    const settings = admin.getByRole("form", { name: "Workspace settings" });
    await settings.getByLabel("Who may invite").selectOption("admins");
    await settings.getByLabel("Keep messages for days (empty: forever)").fill("365");
    await settings.getByRole("button", { name: "Save settings" }).click();
    await admin.getByRole("status").filter({ hasText: "Settings saved" }).waitFor();
    expect((await api(bob, "GET", "/api/workspace")).body.settings).toMatchObject({
      invites: "admins",
      retentionDays: 365,
    });
    await admin.getByLabel("Role of Bob").selectOption("admin");
    await admin.getByRole("status").filter({ hasText: "Role changed" }).waitFor();
    expect((await api(bob, "GET", "/api/me")).body.user.role).toBe("admin");
    // Bob's tab learns of it live: the administration opens to him now.
    await bobPage.getByRole("button", { name: "Administration" }).waitFor();
    const log = admin.getByRole("list", { name: "Audit log" });
    await log.getByText("Alice changed the role of Bob").waitFor();
    expect(await log.textContent()).toContain("Alice changed the workspace's settings");
    expect(await log.textContent()).toContain("Alice revoked an invite");
    await admin.getByLabel("Role of Bob").selectOption("member");
    await admin.getByRole("status").filter({ hasText: "Role changed" }).waitFor();
    await admin.getByRole("button", { name: "Close" }).click();
  });

  test("the admin page makes a bot whose tokens are shown once and work, and revoking it ends them", async () => {
    await alicePage.getByRole("button", { name: "Administration" }).click();
    const admin = dialog(alicePage);
    const form = admin.getByRole("form", { name: "New bot" });
    await form.getByLabel("Bot name").fill("Deploy");
    await form.getByRole("button", { name: "Make bot" }).click();
    const shown = admin.getByRole("status", { name: "New bot's tokens" });
    await shown.waitFor();
    await shown.getByRole("button", { name: "Copy bot token" }).click();
    const token = await alicePage.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );
    expect(token).toMatch(/^xoxb-/);
    expect(await shown.textContent()).toContain(token);
    const me = await app.request("GET", "/api/me", { token });
    expect(me.body.user).toMatchObject({ fullname: "Deploy", bot: true });
    const bots = admin.getByRole("list", { name: "Bots" });
    await bots.getByRole("listitem").filter({ hasText: "Deploy" }).waitFor();
    // Listed again, the bot shows no token: only its name.
    await admin.getByRole("button", { name: "Close" }).click();
    await alicePage.getByRole("button", { name: "Administration" }).click();
    const again = dialog(alicePage);
    await again
      .getByRole("list", { name: "Bots" })
      .getByRole("listitem")
      .filter({ hasText: "Deploy" })
      .waitFor();
    expect(await again.textContent()).not.toContain(token);
    await again.getByRole("button", { name: "Revoke Deploy" }).click();
    await again.getByRole("status").filter({ hasText: "Deploy revoked" }).waitFor();
    expect((await app.request("GET", "/api/me", { token })).status).toBe(401);
    await again
      .getByRole("list", { name: "Audit log" })
      .getByText("Alice revoked the bot Deploy")
      .waitFor();
    await again.getByRole("button", { name: "Close" }).click();
  });

  test("the admin page imports a Slack export: the upload, the progress, the report, and the imported channel to join", async () => {
    const zip = join(mkdtempSync(join(tmpdir(), "web-import-")), "acme.zip");
    await writeSlackExport(zip);
    await alicePage.getByRole("button", { name: "Administration" }).click();
    const admin = dialog(alicePage);
    const form = admin.getByRole("form", { name: "Slack import" });
    await form.getByLabel("Export zip").setInputFiles(zip);
    await form.getByRole("button", { name: "Import" }).click();
    const report = admin.getByRole("status", { name: "Import report" });
    await report.waitFor({ timeout: 20_000 });
    const text = await report.textContent();
    expect(text).toContain(`${richExport.imported} messages imported, 0 already there`);
    expect(text).toContain("skipped");
    // The same export again adds nothing.
    await form.getByLabel("Export zip").setInputFiles(zip);
    await form.getByRole("button", { name: "Import" }).click();
    await admin
      .getByRole("status", { name: "Import report" })
      .getByText(`0 messages imported, ${richExport.imported} already there`)
      .waitFor({ timeout: 20_000 });
    await admin.getByRole("button", { name: "Close" }).click();
    const channels = await api(bob, "GET", "/api/channels");
    expect(channels.body.map((chat: { name: string }) => chat.name)).toContain("general-slack");
  });

  test("a member makes an incoming webhook in the chat settings; its posts show as an app's, and revoking it ends the URL", async () => {
    await bobPage.goto(`${app.url}/chat/${channelId}`);
    // A member's chat settings are its "Members" dialog.
    await bobPage.getByRole("button", { name: "Members", exact: true }).click();
    const settings = dialog(bobPage);
    const form = settings.getByRole("form", { name: "New webhook" });
    await form.getByLabel("Webhook name").fill("CI");
    await form.getByRole("button", { name: "Make webhook" }).click();
    const shown = settings.getByRole("status", { name: "New webhook's URL" });
    await shown.getByRole("button", { name: "Copy URL" }).click();
    const url = await bobPage.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );
    expect(url).toStartWith(`${app.url}/`);
    await settings.getByRole("button", { name: "Close" }).click();
    const post = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        text: "*build* passed",
        attachments: [
          { color: "good", title: "Build 42", fields: [{ title: "Branch", value: "main" }] },
        ],
      }),
    });
    expect(await post.text()).toBe("ok");
    const line = alicePage.locator(".message", { hasText: "Build 42" });
    await line.waitFor();
    expect(await line.locator(".app-badge").textContent()).toBe("APP");
    expect(await line.locator("strong", { hasText: "build" }).count()).toBeGreaterThan(0);
    // The owner sees it in the same chat's settings, and may revoke it.
    await alicePage.getByRole("button", { name: "Settings", exact: true }).click();
    const owner = dialog(alicePage);
    await owner.getByRole("button", { name: "Revoke CI" }).click();
    await owner.getByRole("button", { name: "Revoke CI" }).waitFor({ state: "detached" });
    await owner.getByRole("button", { name: "Close" }).click();
    const after = await fetch(url, { method: "POST", body: JSON.stringify({ text: "late" }) });
    expect(after.status).toBe(404);
  });

  test("archiving in the chat settings makes the channel read-only for everyone in it; unarchiving brings the composer back", async () => {
    await alicePage.getByRole("button", { name: "Settings", exact: true }).click();
    await dialog(alicePage).getByRole("button", { name: "Archive channel" }).click();
    const note = (page: Page) => page.getByRole("status").filter({ hasText: "archived" });
    await note(alicePage).waitFor();
    await note(bobPage).waitFor();
    expect(await bobPage.getByLabel("Message design", { exact: true }).count()).toBe(0);
    // Its messages offer nothing that would change them, only their links.
    const line = bobPage.locator(".message", { hasText: "hello from Alice" });
    await line.hover();
    const actions = line.getByRole("toolbar", { name: "Message actions" });
    expect(await actions.getByRole("button").allTextContents()).toEqual(["Copy link"]);
    expect((await api(alice, "GET", `/api/chat/${channelId}`)).body.archived).toBe(true);
    await alicePage.getByRole("button", { name: "Settings", exact: true }).click();
    await dialog(alicePage).getByRole("button", { name: "Unarchive channel" }).click();
    await bobPage.getByLabel("Message design", { exact: true }).waitFor();
    expect(await note(alicePage).count()).toBe(0);
  });

  test("a password change keeps the tab signed in; sign out everywhere ends every session", async () => {
    const page = await openAs(carol, `/chat/${channelId}`);
    await page.getByRole("button", { name: "Profile" }).click();
    const form = dialog(page).getByRole("form", { name: "Change password" });
    await form.getByLabel("Current password").fill("Carol-password");
    await form.getByLabel("New password").fill("Carol-new-password");
    const reloaded = page.waitForEvent("load");
    await form.getByRole("button", { name: "Change password" }).click();
    await reloaded;
    await page.getByRole("navigation", { name: "Chats" }).waitFor();
    expect((await api(carol, "GET", "/api/me")).status).toBe(401);
    const signin = await app.request("POST", "/api/signin", {
      body: { email: carol.email, password: "Carol-new-password" },
    });
    expect(signin.status).toBe(200);
    const other = { ...carol, token: signin.body.token };

    await page.getByRole("button", { name: "Profile" }).click();
    await dialog(page).getByRole("button", { name: "Sign out everywhere" }).click();
    await signInForm(page).waitFor();
    expect((await api(other, "GET", "/api/me")).status).toBe(401);
    await page.context().close();
  });

  test("sign out ends this tab's session only", async () => {
    const signin = await app.request("POST", "/api/signin", {
      body: { email: bob.email, password: "Bob-password" },
    });
    const page = await openAs({ ...bob, token: signin.body.token }, `/chat/${channelId}`);
    await page.getByRole("button", { name: "Profile" }).click();
    await dialog(page).getByRole("button", { name: "Sign out", exact: true }).click();
    await signInForm(page).waitFor();
    expect((await api({ ...bob, token: signin.body.token }, "GET", "/api/me")).status).toBe(401);
    expect((await api(bob, "GET", "/api/me")).status).toBe(200);
    await page.context().close();
  });

  test("an admin's reset code lets someone who forgot their password set a new one on the sign-in screen", async () => {
    await alicePage.getByRole("button", { name: "Administration" }).click();
    const admin = dialog(alicePage);
    await admin.getByRole("button", { name: "Reset code for Carol" }).click();
    const code = (await admin.locator(".reset-code code").textContent()) as string;
    expect(code).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    await admin.getByRole("button", { name: "Close" }).click();

    const page = await (await browser.newContext()).newPage();
    watchForErrors(page, errors);
    await page.goto(app.url);
    await page.getByRole("tab", { name: "Reset password" }).click();
    const form = page.getByRole("form", { name: "Reset password" });
    await form.getByLabel(/Reset code/).fill(code);
    await form.getByLabel("New password").fill("Carol-reset-password");
    await form.getByRole("button", { name: "Set password and sign in" }).click();
    await page.getByRole("navigation", { name: "Chats" }).waitFor();
    const signin = await app.request("POST", "/api/signin", {
      body: { email: carol.email, password: "Carol-reset-password" },
    });
    expect(signin.status).toBe(200);
    // Used once, the code opens nothing again.
    const again = await app.request("POST", "/api/password/reset", {
      body: { code, password: "Carol-other-password" },
    });
    expect(again.status).toBeGreaterThanOrEqual(400);
    await page.context().close();
  });

  test("an admin deactivates a member: the member's open tab is signed out at once, with the reason", async () => {
    await alicePage.getByRole("button", { name: "Administration" }).click();
    await dialog(alicePage).getByRole("button", { name: "Deactivate Bob" }).click();
    await dialog(alicePage).getByRole("button", { name: "Reactivate Bob" }).waitFor();
    await signInForm(bobPage).waitFor({ timeout: 3000 });
    expect(await bobPage.getByRole("alert").textContent()).toBe(
      "You were signed out: this account is deactivated.",
    );
    expect((await api(bob, "GET", "/api/me")).status).toBe(401);
    // Alice's tab shows Bob as deactivated, live.
    const members = dialog(alicePage).getByRole("list", { name: "Members" });
    expect(await members.locator("li", { hasText: "Bob" }).textContent()).toContain("deactivated");
    await dialog(alicePage).getByRole("button", { name: "Close" }).click();
  });

  test("no page logged an error", () => {
    expect(errors).toEqual([]);
  });
});

async function expect_loaded(image: ReturnType<Page["locator"]>): Promise<void> {
  type Image = {
    complete: boolean;
    naturalWidth: number;
    onload: (() => void) | null;
    onerror: (() => void) | null;
  };
  await image.evaluate((element) => {
    const img = element as unknown as Image;
    if (img.complete && img.naturalWidth > 0) return;
    return new Promise<void>((resolve, reject) => {
      img.onload = resolve;
      img.onerror = reject;
    });
  });
}
