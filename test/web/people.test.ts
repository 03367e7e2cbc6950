// The web app's rules of people and administration, without a browser: they are plain functions.
import { describe, expect, test } from "bun:test";
import type { AuditEntry } from "../../src/features/people/model.ts";
import {
  auditSentence,
  currentStatus,
  directory,
  invitedTo,
  inviteLink,
  isAdmin,
  localTime,
  mayArchive,
  statusUntil,
} from "../../web/state/people.ts";
import type { Chat, User } from "../../web/state/store.ts";
import { initialState, loaded } from "../../web/state/store.ts";

const user = (id: number, fullname: string, extra: Partial<User> = {}): User => ({
  id,
  fullname,
  email: `${fullname}@x.test`,
  workspaceId: 1,
  createdAt: "2026-01-01T00:00:00.000Z",
  role: "member",
  deactivated: false,
  bot: false,
  title: "",
  avatarUrl: null,
  status: null,
  timezone: null,
  ...extra,
});
const workspace = {
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
const channel = (ownerId: number, extra: Partial<Chat> = {}): Chat => ({
  id: 10,
  workspaceId: 1,
  type: "public_channel",
  name: "design",
  ownerId,
  members: [1, 2, 3],
  createdAt: "2026-01-01T00:00:00.000Z",
  lastMessageId: null,
  archived: false,
  ...extra,
});
const alice = user(1, "Alice", { role: "owner" });
const bob = user(2, "Bob", { title: "Designer" });
const carol = user(3, "Carol", { role: "admin" });
const asUser = (me: User) => loaded(initialState(me, workspace), [alice, bob, carol], [], []);

describe("roles in the web app", () => {
  test("the owner and admins are admins; members are not", () => {
    expect([alice, bob, carol].map(isAdmin)).toEqual([true, false, true]);
  });

  test("a channel is archived by its owner, the workspace's owner and admins; a group never", () => {
    expect(mayArchive(asUser(bob), channel(2))).toBe(true);
    expect(mayArchive(asUser(bob), channel(1))).toBe(false);
    expect(mayArchive(asUser(carol), channel(2))).toBe(true);
    expect(mayArchive(asUser(alice), channel(2, { type: "private_channel" }))).toBe(true);
    expect(mayArchive(asUser(alice), channel(1, { type: "group" }))).toBe(false);
  });
});

describe("statuses", () => {
  const now = Date.parse("2026-06-01T10:00:00.000Z");
  const status = (until: string | null) => ({ text: "Lunch", emoji: "taco", until });

  test("a status shows until its expiry and not after; one without expiry stays", () => {
    expect(currentStatus(user(4, "D", { status: status(null) }), now)).toEqual(status(null));
    const later = status("2026-06-01T10:30:00.000Z");
    expect(currentStatus(user(4, "D", { status: later }), now)).toEqual(later);
    const past = status("2026-06-01T10:00:00.000Z");
    expect(currentStatus(user(4, "D", { status: past }), now)).toBeNull();
    expect(currentStatus(user(4, "D"), now)).toBeNull();
  });

  test("clearing after 1 or 4 hours counts from now; today ends at local midnight; never is null", () => {
    const at = new Date(now);
    expect(statusUntil("never", at)).toBeNull();
    expect(statusUntil("1h", at)).toBe("2026-06-01T11:00:00.000Z");
    expect(statusUntil("4h", at)).toBe("2026-06-01T14:00:00.000Z");
    const today = new Date(statusUntil("today", at) as string);
    expect([today.getHours(), today.getMinutes(), today.getDate()]).toEqual([23, 59, at.getDate()]);
  });
});

describe("time zones", () => {
  test("someone's local time shows in their zone; none without a zone or with one that does not exist", () => {
    const at = new Date("2026-06-01T10:00:00.000Z");
    expect(localTime(user(4, "D", { timezone: "Asia/Tokyo" }), at)).toMatch(
      /^(19.00|0?7.00\s?PM)$/,
    );
    expect(localTime(user(4, "D"), at)).toBeUndefined();
    expect(localTime(user(4, "D", { timezone: "Mars/Olympus" }), at)).toBeUndefined();
  });
});

describe("invite links", () => {
  test("a link carries the code alone and reads back the same; an older link's workspace is read too", () => {
    const link = inviteLink("https://chat.example", "a-B_9");
    expect(link).toBe("https://chat.example/?invite=a-B_9");
    expect(invitedTo(new URL(link).search)).toEqual({ invite: "a-B_9", workspace: "" });
    expect(invitedTo("?invite=a&workspace=Acme%20%26%20Co")).toEqual({
      invite: "a",
      workspace: "Acme & Co",
    });
  });

  test("an address without an invite fills nothing in; one without a workspace fills the code", () => {
    expect(invitedTo("")).toBeUndefined();
    expect(invitedTo("?workspace=Acme")).toBeUndefined();
    expect(invitedTo("?invite=xyz")).toEqual({ invite: "xyz", workspace: "" });
  });
});

describe("the people directory and the audit log", () => {
  test("the directory lists active people first by name, and a search matches names and titles", () => {
    const dan = user(4, "Dan", { deactivated: true });
    const state = loaded(initialState(alice, workspace), [dan, carol, bob, alice], [], []);
    expect(directory(state, "").map((u) => u.fullname)).toEqual(["Alice", "Bob", "Carol", "Dan"]);
    expect(directory(state, "design").map((u) => u.fullname)).toEqual(["Bob"]);
    expect(directory(state, " CAR ").map((u) => u.fullname)).toEqual(["Carol"]);
    expect(directory(state, "nobody")).toEqual([]);
  });

  test("audit entries read as sentences naming who did what to whom", () => {
    const users = { 1: alice, 2: bob };
    const entry = (extra: Partial<AuditEntry>): AuditEntry => ({
      id: 1,
      at: "2026-01-01T00:00:00.000Z",
      actorId: 1,
      action: "user.deactivated",
      targetType: "user",
      targetId: "2",
      details: {},
      ...extra,
    });
    expect(auditSentence(entry({}), users)).toBe("Alice deactivated Bob");
    expect(
      auditSentence(
        entry({ action: "message.deleted", targetType: "message", details: { senderId: 2 } }),
        users,
      ),
    ).toBe("Alice deleted a message of Bob");
    expect(auditSentence(entry({ actorId: null, targetId: "9" }), users)).toBe(
      "The server deactivated user 9",
    );
    expect(
      auditSentence(entry({ action: "something.new", targetType: "bot", targetId: "5" }), users),
    ).toBe("Alice something.new");
  });
});
