// The event protocol as db/plan.ts decides it for both stores: which events a write appends, in
// which order, to whom, and the membership periods they open and close. The stores run these
// plans; the feature suites check the same protocol end to end on each of them.
import { expect, test } from "bun:test";
import {
  planChatChange,
  planChatDeletion,
  planExpiry,
  planNewChat,
  planNewUser,
  type RowWrite,
  type State,
} from "../../db/plan.ts";
import { type ChatRow, type MessageRow, messageJson, rowToMessage } from "../../db/rows.ts";

const now = Date.UTC(2026, 0, 1);
const [alice, bob, carol, dave] = [1, 2, 3, 4];
const channel: ChatRow = {
  id: 7,
  workspaceId: 1,
  type: "private_channel",
  name: "plans",
  ownerId: alice,
  lastMessageId: null,
  createdAt: now,
  archived: 0,
};
const state = (members: number[], row: ChatRow = channel): State => ({
  now,
  nextEventId: 100,
  ids: {},
  chat: { row, members },
});
/** Each event as "id type user" (user "*" for a chat event), in the plan's order. */
const eventsOf = (plan: { events: { id: number; type: string; userId: number | null }[] }) =>
  plan.events.map((event) => `${event.id} ${event.type} ${event.userId ?? "*"}`);
const periodsOf = (plan: { rows: RowWrite[] }) =>
  plan.rows.filter((row) => row.kind.startsWith("member."));

test("a change tells the removed first, then those who stay, then the added, each once", () => {
  const plan = planChatChange(state([alice, bob, carol]), {
    name: "plans 2",
    add: [dave],
    remove: [bob],
  });
  expect(eventsOf(plan)).toEqual([
    "100 chat.removed 2",
    "101 chat.updated *",
    "102 chat.created 4",
  ]);
  expect(plan.value).toMatchObject({ name: "plans 2", members: [alice, carol, dave] });
  // The removed member learns only that the chat is gone; the added one gets it whole.
  expect(JSON.parse(plan.events[0]?.json ?? "").data).toEqual({ id: 7 });
  expect(JSON.parse(plan.events[2]?.json ?? "").data).toEqual(
    JSON.parse(plan.events[1]?.json ?? "").data,
  );
});

test("a removal closes the member's period at its chat.removed, an addition opens one at its chat.created", () => {
  const plan = planChatChange(state([alice, bob]), { add: [carol], remove: [bob] });
  expect(periodsOf(plan)).toEqual([
    { kind: "member.close", chatId: 7, userId: bob, untilEventId: 100 },
    { kind: "member.open", chatId: 7, userId: carol, sinceEventId: 102, at: now },
  ]);
});

test("a change that changes nothing appends nothing and writes nothing", () => {
  const plan = planChatChange(state([alice, bob]), { name: "plans", add: [bob], remove: [dave] });
  expect(plan.rows).toEqual([]);
  expect(plan.events).toEqual([]);
});

test("when the last member is removed there is nobody left to tell of the update", () => {
  const plan = planChatChange(state([alice]), { remove: [alice], ownerId: bob });
  expect(eventsOf(plan)).toEqual(["100 chat.removed 1"]);
});

test("a change to a chat that is gone is refused as not found", () => {
  expect(() => planChatChange({ now, nextEventId: 1, ids: {} }, { add: [bob] })).toThrow(
    "no such chat",
  );
});

test("a new chat opens each member's period at their own chat.created, creator first, and its first event is its activity", () => {
  const plan = planNewChat(
    { now, nextEventId: 40, ids: { chats: 9 } },
    { workspaceId: 1, type: "group", name: null, ownerId: carol, memberIds: [carol, alice, bob] },
  );
  expect(eventsOf(plan)).toEqual(["40 chat.created 3", "41 chat.created 1", "42 chat.created 2"]);
  expect(plan.rows[0]).toMatchObject({ kind: "chat.insert", activityEventId: 40 });
  expect(periodsOf(plan).map((row) => row.kind)).toEqual([
    "member.open",
    "member.open",
    "member.open",
  ]);
  expect(plan.value.members).toEqual([alice, bob, carol]);
});

test("deleting a chat tells each member and closes their periods before the row goes", () => {
  const plan = planChatDeletion(state([alice, bob]), 7);
  expect(eventsOf(plan)).toEqual(["100 chat.removed 1", "101 chat.removed 2"]);
  expect(plan.rows.map((row) => row.kind)).toEqual([
    "event.append",
    "member.close",
    "event.append",
    "member.close",
    "chat.delete",
  ]);
});

test("the first user of a new workspace owns it, and one who joins an ownerless workspace takes it", () => {
  const input = { fullname: "Alice", email: "Alice@Acme.test", passwordHash: "h" };
  const created = planNewUser(
    { now, nextEventId: 1, ids: { users: 5, workspaces: 2, chats: 3 } },
    { ...input, workspace: { name: "acme" } },
  );
  expect(created.value.workspace).toMatchObject({ id: 2, ownerId: 5 });
  expect(created.value.user.role).toBe("owner");
  // Everyone in the workspace (here only its owner) hears of the new member, who starts the
  // workspace's #general.
  expect(created.rows.map((row) => row.kind)).toEqual([
    "workspace.insert",
    "user.insert",
    "event.append",
    "chat.insert",
    "event.append",
    "member.open",
  ]);
  expect(eventsOf(created)).toEqual(["1 user.updated *", "2 chat.created 5"]);
  const joined = planNewUser(
    {
      now,
      nextEventId: 1,
      ids: { users: 6 },
      workspace: { id: 2, name: "acme", ownerId: null, createdAt: now, settings: "{}" },
    },
    { ...input, workspace: { id: 2 } },
  );
  expect(joined.value.workspace.ownerId).toBe(6);
  expect(joined.value.user.role).toBe("owner");
  expect(joined.rows.map((row) => row.kind)).toEqual([
    "workspace.owner",
    "user.insert",
    "event.append",
  ]);
});

test("a new member of a workspace with a #general joins it, after the workspace hears of them", () => {
  const general: ChatRow = { ...channel, type: "public_channel", name: "general" };
  const joined = planNewUser(
    {
      now,
      nextEventId: 10,
      ids: { users: carol },
      workspace: { id: 1, name: "acme", ownerId: alice, createdAt: now, settings: "{}" },
      chat: { row: general, members: [alice, bob] },
    },
    { fullname: "Carol", email: "carol@acme.test", passwordHash: "h", workspace: { id: 1 } },
  );
  expect(joined.value.user.role).toBe("member");
  expect(eventsOf(joined)).toEqual(["10 user.updated *", "11 chat.updated *", "12 chat.created 3"]);
  expect(periodsOf(joined)).toEqual([
    { kind: "member.open", chatId: general.id, userId: carol, sinceEventId: 12, at: now },
  ]);
});

test("a message's wire JSON built from its row is JSON.stringify of the message, key for key", () => {
  const row: MessageRow = {
    id: 7,
    chat_id: 3,
    sender_id: 2,
    content: 'quotes " and \\ and \u2028 and <@2> 😀',
    files: '["/api/files/1/ab/cd/x.png"]',
    client_id: "c-1",
    created_at: 1_700_000_000_123,
    thread_id: 5,
    reply_count: 0,
    last_reply_at: null,
    edited_at: 1_700_000_000_999,
    deleted: 0,
    reactions: '[{"emoji":"+1","userIds":[2,4]}]',
    pin_event_id: 99,
    mentions: "[2]",
    mentions_all: 1,
    attachments: '[{"url":"/api/files/1/ab/cd/x.png","name":"x.png","size":3,"type":"image/png"}]',
  };
  expect(messageJson(row)).toBe(JSON.stringify(rowToMessage(row)));
  const plain = { ...row, client_id: null, thread_id: null, edited_at: null, pin_event_id: null };
  const root = { ...plain, reply_count: 2, last_reply_at: 1_700_000_001_000, deleted: 1 };
  for (const other of [plain, root]) {
    expect(messageJson(other)).toBe(JSON.stringify(rowToMessage(other)));
  }
});

test("retention erases like a delete and sends nothing: a root with kept replies becomes a tombstone once, the rest goes with its events", () => {
  const message = (id: number, extra: Partial<MessageRow> = {}): MessageRow => ({
    id,
    chat_id: 3,
    sender_id: 2,
    content: `text ${id}`,
    files: "[]",
    client_id: null,
    created_at: 1,
    thread_id: null,
    reply_count: 0,
    last_reply_at: null,
    edited_at: null,
    deleted: 0,
    reactions: "[]",
    pin_event_id: null,
    mentions: "[]",
    mentions_all: 0,
    attachments: "[]",
    ...extra,
  });
  const root = message(10, { reply_count: 2, last_reply_at: 5 });
  const reply = message(11, { thread_id: 10 });
  const alone = message(12, { files: '["/api/files/1/ab/cd/x.png"]' });
  const kept = [{ rootId: 10, total: 1, live: 1, lastAt: 9 }];
  const plan = planExpiry({
    now,
    nextEventId: 100,
    ids: {},
    expired: { rows: [root, reply, alone], kept },
  });
  expect(plan.events).toEqual([]);
  expect(plan.value).toEqual({ lastId: 12, read: 3 });
  const kinds = plan.rows.map((row) =>
    "what" in row ? row.what : "step" in row ? row.step : row.kind,
  );
  expect(kinds).toEqual([
    "clearEdits",
    "clearMentions",
    "clearSearch",
    "events.scrub",
    "message.update",
    "clearEdits",
    "clearMentions",
    "clearSearch",
    "message.remove",
    "forgetSenderUploads",
    "markMessageFileRemovals",
    "clearMessageFiles",
    "dropRemovedUploads",
    "dropRemovedFiles",
    "clearEdits",
    "clearMentions",
    "clearSearch",
    "message.remove",
    "chat.lastMessage.forget",
    "events.drop",
  ]);
  const tombstone = plan.rows.find((row) => row.kind === "message.update");
  expect(tombstone).toMatchObject({
    row: { id: 10, content: "", deleted: 1, reply_count: 1, last_reply_at: 9 },
  });
  expect(plan.rows.at(-1)).toEqual({ kind: "events.drop", chatId: 3, messageIds: "[11,12]" });
  // The tombstone as it now is: a second sweep writes nothing for it.
  const again = planExpiry({
    now,
    nextEventId: 100,
    ids: {},
    expired: { rows: [(tombstone as { row: MessageRow }).row], kept },
  });
  expect(again.rows).toEqual([]);
});
