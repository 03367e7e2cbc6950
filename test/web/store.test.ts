// The web app's state rules, without a browser: they are plain functions.
import { describe, expect, test } from "bun:test";
import type { Chat, Event, Message, User } from "../../web/state/store.ts";
import {
  acknowledged,
  applyEvent,
  chatsByActivity,
  chatTitle,
  historyLoaded,
  initialState,
  linkify,
  loaded,
  openChat,
  type PendingMessage,
  queued,
  refused,
  type State,
  typingIn,
  typingSeen,
} from "../../web/state/store.ts";

const user = (id: number, fullname: string): User => ({
  id,
  fullname,
  email: `${fullname}@x.test`,
  workspaceId: 1,
  createdAt: "2026-01-01T00:00:00.000Z",
});
const alice = user(1, "Alice");
const bob = user(2, "Bob");
const carol = user(3, "Carol");
const chat = (id: number, members: number[], extra: Partial<Chat> = {}): Chat => ({
  id,
  workspaceId: 1,
  type: "single",
  name: null,
  ownerId: 1,
  members,
  createdAt: "2026-01-01T00:00:00.000Z",
  lastMessageId: null,
  ...extra,
});
const message = (
  id: number,
  chatId: number,
  senderId: number,
  extra: Partial<Message> = {},
): Message => ({
  id,
  chatId,
  senderId,
  content: `m${id}`,
  files: [],
  clientId: null,
  createdAt: "2026-01-01T00:00:00.000Z",
  ...extra,
});
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
  });
  return loaded(
    state,
    [alice, bob, carol],
    [chat(10, [1, 2]), chat(11, [1, 2, 3], { type: "group" })],
    [2],
  );
}

describe("the web app's state", () => {
  test("an event applied twice changes nothing more", () => {
    let state = historyLoaded(start(), 10, [], { older: false, limit: 50 });
    const event = created(5, message(100, 10, 2));
    state = applyEvent(state, event);
    const again = applyEvent(state, event);
    expect(again.messages[10]?.items).toHaveLength(1);
    expect(again.unread[10]).toBe(1);
    expect(again.lastEventId).toBe(5);
  });

  test("messages in chats not open count as unread; opening the chat clears them; my own never count", () => {
    let state = applyEvent(start(), created(1, message(100, 10, 2)));
    state = applyEvent(state, created(2, message(101, 10, 2)));
    state = applyEvent(state, created(3, message(102, 10, 1)));
    expect(state.unread[10]).toBe(2);
    state = openChat(state, 10);
    expect(state.unread[10]).toBeUndefined();
    state = applyEvent(state, created(4, message(103, 10, 2)));
    expect(state.unread[10]).toBeUndefined();
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

  test("links are split out of text, which otherwise stays text", () => {
    expect(linkify("see https://example.com/a?b=c. and <b>this</b>")).toEqual([
      { text: "see " },
      { href: "https://example.com/a?b=c" },
      { text: ". and <b>this</b>" },
    ]);
    expect(linkify("javascript:alert(1)")).toEqual([{ text: "javascript:alert(1)" }]);
  });
});
