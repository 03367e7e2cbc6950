// The web app's state rules, without a browser: they are plain functions.
import { describe, expect, test } from "bun:test";
import type { Chat, Event, Message } from "../../web/state/store.ts";
import {
  acknowledged,
  applyEvent,
  canSend,
  chatGone,
  chatStateLoaded,
  chatsByActivity,
  chatTitle,
  dayDividers,
  dayLabel,
  drafted,
  draftsRestored,
  eventsAgain,
  fileRemoved,
  groupContinues,
  groupWithinMs,
  historyLoaded,
  initialState,
  loaded,
  noticeFor,
  openChat,
  type PendingMessage,
  pageTitle,
  queued,
  refused,
  type State,
  sent,
  typingIn,
  typingSeen,
  unknownUsers,
  uploadFinished,
  uploadStarted,
} from "../../web/state/store.ts";
import { chat, message, user } from "../support/web-state.ts";

const alice = user(1, "Alice");
const bob = user(2, "Bob");
const carol = user(3, "Carol");
const created = (id: number, m: Message): Event => ({
  id,
  type: "message.created",
  chatId: m.chatId,
  data: m,
});

function start(): State {
  const state = initialState(alice, {
    id: 1,
    name: "Acme",
    ownerId: 1,
    createdAt: "2026-01-01T00:00:00.000Z",
    settings: { invites: "members", channelCreation: "members", retentionDays: null },
  });
  return loaded(
    state,
    [alice, bob, carol],
    [chat(10, [1, 2]), chat(11, [1, 2, 3], { type: "group" })],
    [2],
  );
}

describe("the web app's state", () => {
  test("the workspace's events update a person, oneself, and the workspace, and name nobody unknown", () => {
    const renamed: Event = {
      id: 7,
      type: "user.updated",
      chatId: null,
      data: { ...bob, fullname: "Robert" },
    };
    let state = applyEvent(start(), renamed);
    expect(state.users[2]?.fullname).toBe("Robert");
    expect(unknownUsers(state, renamed)).toEqual([]);
    state = applyEvent(state, {
      id: 8,
      type: "user.updated",
      chatId: null,
      data: { ...alice, title: "Founder" },
    });
    expect(state.me.title).toBe("Founder");
    state = applyEvent(state, {
      id: 9,
      type: "workspace.updated",
      chatId: null,
      data: { ...state.workspace, name: "Acme Inc" },
    });
    expect(state.workspace.name).toBe("Acme Inc");
    expect(state.lastEventId).toBe(9);
  });

  test("an event applied twice changes nothing more", () => {
    let state = historyLoaded(start(), 10, [], { older: false, limit: 50 });
    const event = created(5, message(100, 10, 2));
    state = applyEvent(state, event);
    const again = applyEvent(state, event);
    expect(again.messages[10]?.items).toHaveLength(1);
    expect(again.unread[10]).toBe(1);
    expect(again.lastEventId).toBe(5);
  });

  test("others' messages above my marker count as unread, open or not, until read; my own reads up to it", () => {
    let state = applyEvent(start(), created(1, message(100, 10, 2)));
    state = applyEvent(state, created(2, message(101, 10, 2)));
    expect(state.unread[10]).toBe(2);
    state = applyEvent(state, created(3, message(102, 10, 1)));
    expect(state.unread[10]).toBe(0);
    expect(state.lastRead[10]).toBe(102);
    state = applyEvent(state, created(4, message(103, 10, 2, { mentions: [1] })));
    state = applyEvent(state, created(5, message(104, 10, 2, { content: "<!here> look" })));
    expect([state.unread[10], state.mentions[10]]).toEqual([2, 2]);
    expect(pageTitle(state)).toBe("(2 @2) Acme");
    state = openChat(state, 10);
    expect(state.unread[10]).toBe(2);
    expect(state.dividerAt[10]).toBe(102);
    state = chatStateLoaded(state, 10, { lastReadMessageId: 104, unreadCount: 0, mentionCount: 0 });
    expect([state.unread[10], state.mentions[10], state.lastRead[10]]).toEqual([0, 0, 104]);
    expect(pageTitle(state)).toBe("Acme");
    // The divider stays where the marker was while the chat stays open.
    expect(state.dividerAt[10]).toBe(102);
  });

  test("chat.read from another device moves the marker forward only; read to the end clears the counts", () => {
    let state = applyEvent(start(), created(1, message(100, 10, 2)));
    state = applyEvent(state, created(2, message(101, 10, 2)));
    const read = (id: number, lastReadMessageId: number) =>
      ({ id, type: "chat.read", chatId: 10, data: { chatId: 10, lastReadMessageId } }) as Event;
    state = applyEvent(state, read(3, 100));
    expect(state.lastRead[10]).toBe(100);
    state = applyEvent(state, read(4, 101));
    expect([state.unread[10], state.lastRead[10]]).toEqual([0, 101]);
    expect(applyEvent(state, read(5, 100)).lastRead[10]).toBe(101);
  });

  test("a pending message becomes the stored one exactly once, whether the event or the ack comes first", () => {
    const pending: PendingMessage = {
      clientId: "c-1",
      chatId: 10,
      content: "hi",
      files: [],
      createdAt: "2026-01-01T00:00:00.000Z",
    };
    const stored = message(100, 10, 1, { content: "hi", clientId: "c-1" });
    for (const order of ["event-first", "ack-first"]) {
      let state = queued(historyLoaded(start(), 10, [], { older: false, limit: 50 }), pending);
      expect(state.pending).toHaveLength(1);
      state =
        order === "event-first"
          ? applyEvent(state, created(7, stored))
          : acknowledged(state, stored);
      state =
        order === "event-first"
          ? acknowledged(state, stored)
          : applyEvent(state, created(7, stored));
      expect(state.pending).toEqual([]);
      expect(state.messages[10]?.items).toEqual([stored]);
    }
  });

  test("a refused message stays, marked with the reason", () => {
    const pending: PendingMessage = {
      clientId: "c-2",
      chatId: 10,
      content: "x",
      files: [],
      createdAt: "2026-01-01T00:00:00.000Z",
    };
    const state = refused(queued(start(), pending), "c-2", "join this channel to send messages");
    expect(state.pending[0]?.failed).toBe("join this channel to send messages");
  });

  test("chat.removed forgets the chat, its history, its unread count and closes it if open", () => {
    let state = openChat(
      historyLoaded(start(), 11, [message(5, 11, 2)], { older: false, limit: 50 }),
      11,
    );
    state = applyEvent(state, { id: 9, type: "chat.removed", chatId: 11, data: { id: 11 } });
    expect(state.chats[11]).toBeUndefined();
    expect(state.messages[11]).toBeUndefined();
    expect(state.openChatId).toBeUndefined();
  });

  test("older pages go before what is loaded, newest first pages are reversed, and hasOlder follows the page size", () => {
    let state = historyLoaded(start(), 10, [message(30, 10, 2), message(29, 10, 2)], {
      older: false,
      limit: 2,
    });
    expect(state.messages[10]?.items.map((m) => m.id)).toEqual([29, 30]);
    expect(state.messages[10]?.hasOlder).toBe(true);
    state = historyLoaded(state, 10, [message(28, 10, 2)], { older: true, limit: 2 });
    expect(state.messages[10]?.items.map((m) => m.id)).toEqual([28, 29, 30]);
    expect(state.messages[10]?.hasOlder).toBe(false);
  });

  test("messages that arrive while a chat's first page is fetched are in its list once the page is, counted once", () => {
    // No list yet: the events find nothing to join, but count as unread.
    const early = message(31, 10, 2, { content: "v1" });
    let state = applyEvent(start(), created(40, early));
    const edited = { ...early, content: "v2", editedAt: "2026-01-01T00:01:00.000Z" };
    state = applyEvent(state, { id: 41, type: "message.updated", chatId: 10, data: edited });
    expect(state.messages[10]).toBeUndefined();
    expect(state.unread[10]).toBe(1);
    // The page left the server before them: it has neither.
    const page = [message(30, 10, 2)];
    const loaded = historyLoaded(state, 10, page, { older: false, limit: 50 });
    expect(loaded.messages[10]?.items.map((m) => m.id)).toEqual([30]);
    const caught = eventsAgain(loaded, [
      created(40, early),
      { id: 41, type: "message.updated", chatId: 10, data: edited },
    ]);
    expect(caught.messages[10]?.items.map((m) => m.id)).toEqual([30, 31]);
    expect(caught.messages[10]?.items[1]?.content).toBe("v2");
    expect(caught.unread[10]).toBe(1);
    // A page that already had them keeps its copies.
    const later = historyLoaded(state, 10, [edited, ...page], { older: false, limit: 50 });
    expect(eventsAgain(later, [created(40, early)]).messages[10]?.items[1]).toEqual(edited);
  });

  test("a desktop notice shows mentions and chat links by name, as the reader knows them", () => {
    const state = start();
    const notice = noticeFor(
      state,
      message(50, 10, 2, {
        content: "<@1> and <@3>, <!here>: see <#11> and <#99>; <@77>",
        mentions: [1, 3],
      }),
    );
    expect(notice?.body).toBe("@Alice and @Carol, @here: see #channel and #channel; <@77>");
  });

  test("the sidebar lists latest activity first: the server's order, then bumped by new chats and messages", () => {
    let state = start();
    expect(chatsByActivity(state).map((c) => c.id)).toEqual([10, 11]);
    state = applyEvent(state, created(3, message(200, 11, 3)));
    expect(chatsByActivity(state).map((c) => c.id)).toEqual([11, 10]);
    state = applyEvent(state, { id: 4, type: "chat.created", chatId: 12, data: chat(12, [1, 3]) });
    expect(chatsByActivity(state).map((c) => c.id)).toEqual([12, 11, 10]);
  });

  test("a chat without a name is called by the other people in it", () => {
    const state = start();
    expect(chatTitle(state, state.chats[10] as Chat)).toBe("Bob");
    expect(chatTitle(state, state.chats[11] as Chat)).toBe("Bob, Carol");
  });

  test("typing shows for a few seconds, never for myself, and ends with that person's message", () => {
    let state = typingSeen(start(), 10, 2, 1000);
    state = typingSeen(state, 10, 1, 1000);
    expect(typingIn(state, 10, 2000).map((u) => u.id)).toEqual([2]);
    expect(typingIn(state, 10, 7000)).toEqual([]);
    state = applyEvent(state, created(1, message(100, 10, 2)));
    expect(typingIn(state, 10, 2000)).toEqual([]);
  });

  test("a file uploaded in one chat joins that chat's draft, even when another chat is open by then", () => {
    const file = { url: "/api/files/1/ab/cd/x.txt", name: "x.txt", size: 1, type: "text/plain" };
    let state = drafted(openChat(start(), 10), 10, "see the file");
    state = uploadStarted(state, { id: "u1", chatId: 10, fraction: 0 });
    expect(canSend(state, 10)).toBe(false);
    state = openChat(state, 11);
    state = uploadFinished(state, "u1", [file]);
    expect(state.uploads).toEqual([]);
    expect(state.drafts[10]).toEqual({ text: "see the file", files: [file] });
    expect(state.drafts[11]).toBeUndefined();
    expect(canSend(state, 10)).toBe(true);
  });

  test("a failed upload adds nothing; an empty draft cannot be sent and is forgotten", () => {
    let state = uploadStarted(start(), { id: "u1", chatId: 10, fraction: 0 });
    state = uploadFinished(state, "u1", []);
    expect(state.drafts).toEqual({});
    state = drafted(state, 10, "   ");
    expect(canSend(state, 10)).toBe(false);
    state = drafted(state, 10, "");
    expect(state.drafts).toEqual({});
    const file = { url: "/api/files/1/ab/cd/y.png", name: "y.png", size: 1, type: "image/png" };
    state = uploadFinished(uploadStarted(state, { id: "u2", chatId: 10, fraction: 0 }), "u2", [
      file,
    ]);
    expect(canSend(state, 10)).toBe(true);
    expect(fileRemoved(state, 10, file.url).drafts).toEqual({});
  });

  test("sending a draft queues it and empties only that chat's draft", () => {
    let state = drafted(drafted(start(), 10, "hello"), 11, "later");
    const pending: PendingMessage = {
      clientId: "c-3",
      chatId: 10,
      content: "hello",
      files: [],
      createdAt: "2026-01-01T00:00:00.000Z",
    };
    state = sent(state, pending);
    expect(state.pending).toEqual([pending]);
    expect(state.drafts).toEqual({ 11: { text: "later", files: [] } });
  });

  test("drafts of chats that are gone are dropped on load and on chat.removed", () => {
    let state = draftsRestored(start(), {
      10: { text: "kept", files: [] },
      99: { text: "gone", files: [] },
    });
    state = loaded(state, [alice, bob], [chat(10, [1, 2])], []);
    expect(Object.keys(state.drafts)).toEqual(["10"]);
    state = applyEvent(state, { id: 9, type: "chat.removed", chatId: 10, data: { id: 10 } });
    expect(state.drafts).toEqual({});
  });

  test("a chat named by the URL stays open once loaded if it is ours, and opens nothing if not", () => {
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
    const ours = loaded(initialState(alice, workspace, 10), [alice, bob], [chat(10, [1, 2])], []);
    expect(ours.openChatId).toBe(10);
    const other = loaded(initialState(alice, workspace, 77), [alice], [chat(10, [1, 2])], []);
    expect(other.openChatId).toBeUndefined();
    expect(other.notice).toBe(chatGone);
    expect(ours.notice).toBeUndefined();
    expect(openChat(ours, 77).openChatId).toBeUndefined();
  });

  test("days are labelled Today, Yesterday, or by their date, with the year only when not this year", () => {
    const now = new Date(2026, 11, 7, 0, 30);
    expect(dayLabel(new Date(2026, 11, 7, 0, 1), now)).toBe("Today");
    expect(dayLabel(new Date(2026, 11, 6, 23, 59), now)).toBe("Yesterday");
    const older = dayLabel(new Date(2026, 10, 20, 12), now);
    expect(older).toContain("20");
    expect(older).not.toContain("2026");
    expect(dayLabel(new Date(2025, 11, 31, 12), now)).toContain("2025");
  });

  test("a divider comes before the first message of each day, and only there", () => {
    const now = new Date(2026, 11, 7, 12);
    const at = (day: number, hour: number) => new Date(2026, 11, day, hour).toISOString();
    expect(dayDividers([at(1, 9), at(1, 18), at(6, 8), at(7, 1), at(7, 2)], now)).toEqual([
      dayLabel(new Date(2026, 11, 1), now),
      undefined,
      "Yesterday",
      "Today",
      undefined,
    ]);
  });

  test("one sender's messages within five minutes group under one name, until a day divider", () => {
    const base = Date.UTC(2026, 11, 7, 12);
    const at = (ms: number) => new Date(base + ms).toISOString();
    const items = [
      { senderId: 1, createdAt: at(0) },
      { senderId: 1, createdAt: at(60_000) },
      { senderId: 1, createdAt: at(60_000 + groupWithinMs) },
      { senderId: 1, createdAt: at(60_001 + 2 * groupWithinMs) },
      { senderId: 2, createdAt: at(3 * groupWithinMs) },
      { senderId: 1, createdAt: at(3 * groupWithinMs + 1000) },
      { senderId: 1, createdAt: at(3 * groupWithinMs + 2000) },
    ];
    const noDividers = items.map(() => undefined);
    expect(groupContinues(items, noDividers)).toEqual([
      false,
      true,
      true,
      false,
      false,
      false,
      true,
    ]);
    const dividers = noDividers.map((_, i) => (i === 1 ? "Today" : undefined));
    expect(groupContinues(items, dividers).slice(0, 3)).toEqual([false, false, true]);
  });
});
