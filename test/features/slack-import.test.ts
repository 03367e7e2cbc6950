// Importing and exporting Slack exports (API.md § Integrations, "Slack export"): a generated
// export that holds every case once (test/support/slack-export.ts), a real public one
// (test/fixtures/slack), the command line, and a round trip through our own export.
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "../../db/store.ts";
import type { User } from "../../src/features/accounts/model.ts";
import type { Chat } from "../../src/features/chats/model.ts";
import { exportSlack } from "../../src/features/integrations/slack-export-writer.ts";
import { ImportRefused, importSlackExport } from "../../src/features/integrations/slack-import.ts";
import type { Message } from "../../src/features/messages/model.ts";
import { makeResetCode } from "../../src/features/people/service.ts";
import { onBinary, startTestApp, type TestApp } from "../support/app.ts";
import { builtBinary } from "../support/binary.ts";
import { people as fixtures } from "../support/fixtures.ts";
import { createDatabase, onPostgres } from "../support/postgres.ts";
import { carriedFile, richExport, writeSlackExport } from "../support/slack-export.ts";

const dir = mkdtempSync(join(tmpdir(), "chat-slack-"));
const rich = join(dir, "acme.zip");
await writeSlackExport(rich);
const realExport = join(import.meta.dir, "../fixtures/slack/slack-export-viewer.zip");

const importInto = (app: TestApp, workspace: string, path = rich) =>
  importSlackExport({ db: app.db, files: app.files }, { path, workspace, createdBy: null });

/** Everything a chat holds, oldest first, replies after their roots' pages. */
async function history(db: Store, chatId: number): Promise<Message[]> {
  const top = (await db.listMessages(chatId, { limit: 1000 })).reverse();
  const replies: Message[] = [];
  for (const root of top)
    if (root.replyCount > 0)
      replies.push(...(await db.listReplies(root.id, { limit: 1000 })).reverse());
  return [...top, ...replies];
}

async function usersByEmail(db: Store, workspaceId: number): Promise<Map<string, User>> {
  const users = await db.listUsers(workspaceId);
  return new Map(users.map((user) => [user.email ?? `bot:${user.fullname}`, user]));
}

/** A token for an imported user (they have no password): a reset code, as an admin would give. */
async function signIn(app: TestApp, user: User): Promise<string> {
  const { code } = await makeResetCode({ db: app.db }, user, null);
  const reply = await app.request("POST", "/api/password/reset", {
    body: { code, password: "a new password for the test" },
  });
  expect(reply.status).toBe(200);
  return reply.body.token;
}

describe("importing a Slack export", async () => {
  const app = await startTestApp();
  const report = await importInto(app, "acme-slack");
  const workspace = await app.db.findWorkspaceByName("acme-slack");
  const workspaceId = workspace?.id as number;
  const people = await usersByEmail(app.db, workspaceId);
  const ada = people.get(richExport.emails.ada) as User;
  const grace = people.get(richExport.emails.grace) as User;
  const chatsOf = async (user: User) =>
    new Map((await app.db.listChatsOf(user.id)).map((chat) => [chat.name ?? chat.type, chat]));

  test("the workspace is made, owned by the export's primary owner, and the report counts everything", () => {
    expect(workspace?.ownerId).toBe(ada.id);
    expect(report.workspace).toEqual({ id: workspaceId, name: "acme-slack", created: true });
    expect(report.users).toEqual({ created: 5, merged: 0, existing: 0, bots: 2, deactivated: 1 });
    expect(report.chats).toMatchObject({ created: 6, existing: 0, renamed: [], skipped: [] });
    expect(report.messages).toEqual({
      imported: richExport.imported,
      existing: 0,
      skipped: { channel_join: 1, channel_leave: 1, bot_add: 1, group_join: 1 },
    });
    expect(report.files).toEqual({ carried: 1, linked: 1 });
  });

  test("people keep names, emails, roles and titles; no email gets a placeholder; the deleted are deactivated; bots are bots", () => {
    expect(ada).toMatchObject({
      fullname: "Ada Lovelace",
      role: "owner",
      deactivated: false,
      bot: false,
      timezone: "Europe/London",
    });
    expect(grace).toMatchObject({ fullname: "Grace Hopper", role: "admin", title: "Admiral" });
    expect(people.get(`${richExport.users.linus}@import.invalid`)).toMatchObject({
      fullname: "Linus Torvalds",
      role: "member",
    });
    expect(people.get(richExport.emails.ken)).toMatchObject({ deactivated: true });
    expect(people.get("bot:Deploy Bot")).toMatchObject({ bot: true, email: null });
    expect(people.get("bot:CI")).toMatchObject({ bot: true, email: null });
    expect(people.size).toBe(7);
  });

  test("nobody can sign in with a password until an admin gives them a reset code", async () => {
    const reply = await app.request("POST", "/api/signin", {
      body: { email: richExport.emails.grace, password: "" },
    });
    expect(reply.status).not.toBe(200);
    const token = await signIn(app, grace);
    expect((await app.request("GET", "/api/me", { token })).status).toBe(200);
  });

  test("channels, private channels, direct and group messages are made with their members, and archived ones are archived", async () => {
    const mine = await chatsOf(ada);
    expect(mine.get("general")).toMatchObject({ type: "public_channel" });
    expect(mine.get("random")?.members.sort()).toEqual(
      [ada.id, grace.id, people.get(richExport.emails.margaret)?.id].sort() as number[],
    );
    expect(mine.get("old-news")).toMatchObject({ type: "public_channel", archived: true });
    expect(mine.get("secret-plans")).toMatchObject({
      type: "private_channel",
      members: [ada.id, grace.id].sort((a, b) => a - b),
    });
    expect(mine.get("single")).toMatchObject({ type: "single" });
    expect(mine.get("group")?.members).toHaveLength(3);
    // Linus was in #general only: he sees neither the private channel nor the direct messages.
    const linus = people.get(`${richExport.users.linus}@import.invalid`) as User;
    expect([...(await chatsOf(linus)).keys()].sort()).toEqual(["general"]);
  });

  test("messages keep their times and order, mrkdwn becomes Markdown with our ids, and system messages are gone", async () => {
    const general = (await chatsOf(ada)).get("general") as Chat;
    const random = (await chatsOf(ada)).get("random") as Chat;
    const messages = (await app.db.listMessages(general.id, { limit: 100 })).reverse();
    expect(messages.map((m) => m.content.split("\n")[0])).toEqual([
      `Welcome **everyone** to <#${random.id}>, say hi to <@${grace.id}> & read [the handbook](https://example.com/handbook)`,
      "Release plan? *draft* ~~old~~ `code`",
      "The build is green <3",
      "### Deploy finished",
      "Build #7 passed",
      "Notes from today",
      "Last day, bye all",
      "Mentioning @U0STRANGER and <!channel>",
      "Second day",
    ]);
    expect(messages[0]?.createdAt).toBe("2024-01-15T09:01:00.000Z");
    expect(messages[0]?.mentions).toEqual([grace.id]);
    expect(messages[7]?.mentions).toEqual([]);
    const ids = messages.map((m) => m.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const ts = await app.db.messageTs([messages[0]?.id as number]);
    expect(ts.get(messages[0]?.id as number)).toBe(Date.UTC(2024, 0, 15, 9, 1) * 1000);
  });

  test("threads, reactions, edits and pins are kept", async () => {
    const general = (await chatsOf(ada)).get("general") as Chat;
    const messages = await app.db.listMessages(general.id, { limit: 100 });
    const root = messages.find((m) => m.content.startsWith("Release plan")) as Message;
    expect(root).toMatchObject({ replyCount: 2, lastReplyAt: "2024-01-16T09:00:10.000Z" });
    const replies = (await app.db.listReplies(root.id, { limit: 10 })).reverse();
    expect(replies.map((m) => [m.content, m.threadId])).toEqual([
      ["Friday, after the freeze", root.id],
      ["Sounds good", root.id],
    ]);
    const welcome = messages.find((m) => m.content.startsWith("Welcome")) as Message;
    // The reaction of someone the export does not know is dropped, not the reaction.
    expect(welcome.reactions).toEqual([
      { emoji: "tada", userIds: [grace.id, people.get(richExport.emails.margaret)?.id as number] },
      { emoji: "+1::skin-tone-3", userIds: [ada.id] },
    ]);
    const green = messages.find((m) => m.content.startsWith("The build is green")) as Message;
    expect(green).toMatchObject({ pinned: true, editedAt: "2024-01-15T09:09:20.000Z" });
    expect((await app.db.listPins(general.id)).map((m) => m.id)).toEqual([green.id]);
  });

  test("bot messages are sent by one bot user per bot id, their attachments and blocks as Markdown", async () => {
    const general = (await chatsOf(ada)).get("general") as Chat;
    const messages = await app.db.listMessages(general.id, { limit: 100 });
    const deploy = messages.find((m) => m.content.startsWith("### Deploy finished")) as Message;
    expect(deploy.senderId).toBe(people.get("bot:Deploy Bot")?.id as number);
    expect(deploy.content).toContain("Version **1.2.3** is live");
    expect(deploy.content).toContain("[Deployed v1.2.3](https://ci.example.com/1)");
    expect(deploy.content).toContain("**Env**: prod");
    const ci = messages.find((m) => m.content === "Build #7 passed") as Message;
    expect(ci.senderId).toBe(people.get("bot:CI")?.id as number);
  });

  test("a file the zip carries becomes an attachment its readers can download; another stays a link", async () => {
    const general = (await chatsOf(ada)).get("general") as Chat;
    const messages = await app.db.listMessages(general.id, { limit: 100 });
    const notes = messages.find((m) => m.content.startsWith("Notes from today")) as Message;
    expect(notes.attachments).toMatchObject([
      { name: carriedFile.name, size: carriedFile.text.length },
    ]);
    expect(notes.content).toContain(
      "[Architecture diagram](https://files.slack.com/files-pri/T0ACME-F0LINKED/diagram.png)",
    );
    const token = await signIn(app, people.get(`${richExport.users.linus}@import.invalid`) as User);
    const download = await fetch(`${app.url}${notes.attachments[0]?.url}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(download.status).toBe(200);
    expect(await download.text()).toBe(carriedFile.text);
  });

  test("imported text is found by search, and history is read, not unread", async () => {
    const token = await signIn(app, ada);
    const found = await app.request("GET", "/api/search?q=handbook", { token });
    expect(found.status).toBe(200);
    expect(found.body.results.map((r: { message: Message }) => r.message.content)).toEqual([
      expect.stringContaining("the handbook"),
    ]);
    const chats = await app.request("GET", "/api/chat", { token });
    for (const chat of chats.body as Chat[]) expect(chat.state?.unreadCount).toBe(0);
  });

  test("importing the same export twice adds nothing", async () => {
    const again = await importInto(app, "acme-slack");
    expect(again.users).toMatchObject({ created: 0, bots: 0, existing: 6 });
    expect(again.chats).toMatchObject({ created: 0, existing: 6 });
    expect(again.messages).toMatchObject({ imported: 0, existing: richExport.imported });
    const count = await app.sql<{ n: number }>(
      "select count(*) as n from messages m join chats c on c.id = m.chat_id where c.workspace_id = ?",
      [workspaceId],
    );
    expect(Number(count[0]?.n)).toBe(richExport.imported);
  });

  test("an interrupted import resumes: the missing messages come back under the same ids", async () => {
    const general = (await chatsOf(ada)).get("general") as Chat;
    const before = await history(app.db, general.id);
    const lost = before.slice(-4).map((m) => m.id);
    await app.sql(`delete from message_mentions where message_id in (${lost.join(",")})`);
    await app.sql(`delete from messages where id in (${lost.join(",")})`);
    const resumed = await importInto(app, "acme-slack");
    expect(resumed.messages).toMatchObject({ imported: 4, existing: richExport.imported - 4 });
    await app.db.settleImportedChats([general.id]);
    expect(await history(app.db, general.id)).toEqual(before);
  });
});

describe("importing into a workspace that exists", async () => {
  const app = await startTestApp();

  test("an email already in the workspace merges into that user, and a taken channel name gets a new one", async () => {
    const signup = await app.request("POST", "/api/signup", {
      body: {
        fullname: "Ada L.",
        email: richExport.emails.ada,
        password: "ada's own password",
        workspace: "Acme",
      },
    });
    expect(signup.status).toBe(201);
    const report = await importInto(app, "Acme");
    expect(report.workspace.created).toBe(false);
    expect(report.users).toMatchObject({ created: 4, merged: 1, bots: 2 });
    expect(report.chats.renamed).toEqual([{ from: "general", to: "general-slack" }]);
    const ada = signup.body.user as User;
    const chats = await app.db.listChatsOf(ada.id);
    const imported = chats.find((chat) => chat.name === "general-slack") as Chat;
    const messages = await app.db.listMessages(imported.id, { limit: 100 });
    expect(messages.filter((m) => m.senderId === ada.id)).toHaveLength(2);
    // Her own password still works: a merge changes nothing of hers.
    const signin = await app.request("POST", "/api/signin", {
      body: { email: richExport.emails.ada, password: "ada's own password" },
    });
    expect(signin.status).toBe(200);
  });

  test("an email of another workspace stops the import before anything is written", async () => {
    // Everyone of the export is in Acme now: importing it into another workspace is refused.
    const users = await app.sql<{ n: number }>("select count(*) as n from users");
    let refused: unknown;
    try {
      await importInto(app, "Initech");
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ImportRefused);
    expect((refused as ImportRefused).emails).toContain(richExport.emails.ada);
    expect(await app.db.findWorkspaceByName("Initech")).toBeUndefined();
    expect(await app.sql<{ n: number }>("select count(*) as n from users")).toEqual(users);
  });
});

test("a real public export imports: its people, channels, bot posts and file shares", async () => {
  const app = await startTestApp();
  const report = await importInto(app, "magellan", realExport);
  expect(report.users).toMatchObject({ created: 4, bots: 3 });
  expect(report.chats).toMatchObject({ created: 2, skipped: [] });
  expect(report.messages.skipped).toEqual({ channel_join: 8, bot_add: 3 });
  expect(report.messages.imported).toBe(147);
  expect(report.files.linked).toBe(4);
  const workspace = await app.db.findWorkspaceByName("magellan");
  const users = await app.db.listUsers(workspace?.id as number);
  // No email in this export: every person has the placeholder.
  expect(
    users.filter((user) => !user.bot).every((user) => user.email?.endsWith("@import.invalid")),
  ).toBe(true);
});

describe("the admin route", async () => {
  const app = await startTestApp();
  const { alice, bob, mallory } = await fixtures(app);
  const upload = (token: string) => {
    const body = new FormData();
    body.append("files", Bun.file(rich), "acme.zip");
    return app.request("POST", "/api/admin/import", { token, body });
  };

  test("the owner uploads an export and follows its import to the report; a member may not, an outsider sees nothing", async () => {
    expect((await upload(bob.token)).status).toBe(403);
    const started = await upload(alice.token);
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: "running", report: null });
    const path = `/api/admin/import/${started.body.id}`;
    let job = started.body;
    for (let tries = 0; job.status === "running" && tries < 200; tries++) {
      await Bun.sleep(50);
      job = (await app.request("GET", path, { token: alice.token })).body;
    }
    expect(job).toMatchObject({
      status: "done",
      progress: { phase: "done", total: richExport.imported, done: richExport.imported },
      report: {
        workspace: { id: alice.workspace.id, created: false },
        messages: { imported: richExport.imported },
      },
    });
    expect((await app.request("GET", path, { token: bob.token })).status).toBe(403);
    expect((await app.request("GET", path, { token: mallory.token })).status).toBe(404);
    const channels = await app.request("GET", "/api/channels", { token: bob.token });
    expect(channels.body.map((chat: Chat) => chat.name)).toContain("general-slack");
    const theirs = await app.request("GET", "/api/channels", { token: mallory.token });
    expect(theirs.body.map((chat: Chat) => chat.name)).not.toContain("general-slack");
  });
});

describe("the round trip", async () => {
  const source = await startTestApp();
  await importInto(source, "acme-slack");
  const workspace = (await source.db.findWorkspaceByName("acme-slack")) as { id: number };
  const exported = join(dir, "round-trip.zip");
  const counts = await exportSlack(
    { db: source.db, files: source.files },
    { workspaceId: workspace.id, path: exported, files: true },
  );
  const target = await startTestApp();
  const report = await importInto(target, "again", exported);

  /** A workspace as people see it, with emails for ids: what must survive the trip. */
  async function snapshot(app: TestApp, workspaceId: number) {
    const users = await app.db.listUsers(workspaceId);
    const key = new Map(users.map((user) => [user.id, user.email ?? `bot:${user.fullname}`]));
    const chats = await app.db.listWorkspaceChats(workspaceId);
    const chatKey = new Map(chats.map((chat) => [chat.id, chat.name ?? chat.type]));
    const replaceIds = (content: string) =>
      content
        .replace(/<@(\d+)>/g, (_, id) => `<@${key.get(Number(id))}>`)
        .replace(/<#(\d+)>/g, (_, id) => `<#${chatKey.get(Number(id))}>`);
    const out: Record<string, unknown> = {
      users: users
        .map((u) => ({
          key: key.get(u.id),
          fullname: u.fullname,
          role: u.role,
          deactivated: u.deactivated,
          bot: u.bot,
        }))
        .sort((a, b) => String(a.key).localeCompare(String(b.key))),
    };
    for (const chat of chats) {
      const messages = await history(app.db, chat.id);
      const byId = new Map(messages.map((m) => [m.id, m]));
      out[`chat ${chatKey.get(chat.id)}`] = {
        type: chat.type,
        archived: chat.archived,
        members: chat.members.map((id) => key.get(id)).sort(),
        messages: messages.map((m) => ({
          sender: key.get(m.senderId),
          content: replaceIds(m.content),
          createdAt: m.createdAt,
          thread: m.threadId === null ? null : byId.get(m.threadId)?.createdAt,
          replyCount: m.replyCount,
          reactions: m.reactions.map((r) => ({
            emoji: r.emoji,
            users: r.userIds.map((id) => key.get(id)),
          })),
          pinned: m.pinned,
          editedAt: m.editedAt,
          files: m.attachments.map((file) => [file.name, file.size, file.type]),
        })),
      };
    }
    return out;
  }

  test("export, import into an empty server: the same users, chats, messages, threads, reactions and pins", async () => {
    expect(counts).toMatchObject({ users: 7, chats: 6, messages: richExport.imported, files: 1 });
    expect(report.messages).toMatchObject({ imported: richExport.imported, skipped: {} });
    const again = (await target.db.findWorkspaceByName("again")) as { id: number };
    const [before, after] = [
      await snapshot(source, workspace.id),
      await snapshot(target, again.id),
    ];
    // The owner of the new workspace is the exported owner.
    expect(after).toEqual(before);
  });
});

describe("the command line", () => {
  /** The binary when the suites drive it, else the source: `chat import-slack …`. */
  const chat = (args: string[], env: Record<string, string>) => {
    const command = onBinary
      ? [builtBinary(), ...args]
      : [process.execPath, join(import.meta.dir, "../../src/main.ts"), ...args];
    const run = Bun.spawnSync(command, { env: { PATH: process.env.PATH ?? "", ...env }, cwd: dir });
    return { exitCode: run.exitCode, stdout: run.stdout.toString(), stderr: run.stderr.toString() };
  };

  test("import-slack imports with a progress report, adds nothing the second time, and exits 1 on another workspace's email", async () => {
    const postgres = onPostgres ? await createDatabase() : undefined;
    const env = {
      CHAT_DATABASE_URL: postgres?.url ?? `sqlite://${dir}/cli.db`,
      CHAT_FILES_DIR: join(dir, "cli-files"),
    };
    try {
      const first = chat(["import-slack", rich], env);
      expect(first.stderr).toContain("messages");
      expect(first.exitCode).toBe(0);
      expect(first.stdout).toContain("imported into workspace acme (created)");
      expect(first.stdout).toContain(`messages: ${richExport.imported} imported, 0 already there`);
      expect(first.stdout).toContain("skipped 1: channel_join");
      const second = chat(["import-slack", rich, "--workspace", "acme"], env);
      expect(second.exitCode).toBe(0);
      expect(second.stdout).toContain(`messages: 0 imported, ${richExport.imported} already there`);
      const foreign = chat(["import-slack", rich, "--workspace", "elsewhere"], env);
      expect(foreign.exitCode).toBe(1);
      expect(foreign.stderr).toContain(richExport.emails.ada);
      if (!postgres) {
        const db = new Database(join(dir, "cli.db"), { readonly: true });
        expect(db.query("select name from workspaces").all()).toEqual([{ name: "acme" }]);
        db.close();
      }
      const out = join(dir, "cli-export.zip");
      const exported = chat(["export-slack", "acme", out], env);
      expect(exported.exitCode).toBe(0);
      expect(exported.stdout).toContain(`${richExport.imported} messages`);
      expect(chat(["import-slack"], env).exitCode).toBe(2);
    } finally {
      await postgres?.drop();
    }
  }, 120_000);
});

process.on("beforeExit", () => rmSync(dir, { recursive: true, force: true }));
