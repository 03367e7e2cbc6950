// The web app's rules for threads, edits, deletes, reactions and pins, without a browser: how
// `message.updated` and replies change what the chat, its threads and its pins show.
import { describe, expect, test } from "bun:test";
import type { Chat, Event, Message } from "../../web/state/store.ts";
import {
  applyEvent,
  canDelete,
  canEdit,
  canSend,
  drafted,
  draftOf,
  editing,
  hasReacted,
  historyLoaded,
  initialState,
  isListed,
  lastOwnMessage,
  loaded,
  openChat,
  type PendingMessage,
  pendingIn,
  pinsLoaded,
  queued,
  replyLabel,
  type State,
  sent,
  threadGone,
  threadLoaded,
  threadMissing,
} from "../../web/state/store.ts";
import { chat as baseChat, message as baseMessage, user } from "../support/web-state.ts";

const alice = user(1, "Alice");
const bob = user(2, "Bob");
const carol = user(3, "Carol");
/** A channel owned by Bob unless said otherwise. */
const chat = (id: number, members: number[], extra: Partial<Chat> = {}): Chat =>
  baseChat(id, members, { type: "public_channel", name: `c${id}`, ownerId: 2, ...extra });
/** A message of channel 10. */
const message = (id: number, senderId: number, extra: Partial<Message> = {}): Message =>
  baseMessage(id, 10, senderId, extra);
let eventId = 0;
const created = (m: Message): Event => ({
  id: ++eventId,
  type: "message.created",
  chatId: m.chatId,
  data: m,
});
const updated = (m: Message): Event => ({
  id: ++eventId,
  type: "message.updated",
  chatId: m.chatId,
  data: m,
});

/** Alice (the workspace's owner unless said) in channel 10 (owned by Bob), history loaded. */
function start(workspaceOwner = 1): State {
  const state = initialState(alice, {
    id: 1,
    name: "Acme",
    ownerId: workspaceOwner,
    settings: { invites: "members", channelCreation: "members", retentionDays: null },
    createdAt: "2026-01-01T00:00:00.000Z",
  });
  const withChats = loaded(state, [alice, bob, carol], [chat(10, [1, 2, 3])], []);
  return historyLoaded(openChat(withChats, 10), 10, [message(101, 2), message(100, 1)], {
    older: false,
    limit: 50,
  });
}

const ids = (items: Message[] | undefined) => items?.map((m) => m.id);

describe("message.updated", () => {
  test("an edit replaces the message in the chat's list, in place, and applying it twice changes nothing more", () => {
    const edited = message(100, 1, { content: "fixed", editedAt: "2026-01-01T00:01:00.000Z" });
    const once = applyEvent(start(), updated(edited));
    const twice = applyEvent(once, updated(edited));
    expect(ids(once.messages[10]?.items)).toEqual([100, 101]);
    expect(once.messages[10]?.items[0]?.content).toBe("fixed");
    expect(twice.messages[10]).toEqual(once.messages[10]);
    expect(once.unread[10]).toBe(0);
  });

  test("a deleted message disappears, but a deleted root that still has replies stays as a tombstone", () => {
    const gone = applyEvent(start(), updated(message(101, 2, { content: "", deleted: true })));
    expect(ids(gone.messages[10]?.items)).toEqual([100]);
    const tombstone = message(100, 1, { content: "", deleted: true, replyCount: 2 });
    const kept = applyEvent(start(), updated(tombstone));
    expect(ids(kept.messages[10]?.items)).toEqual([100, 101]);
    expect(kept.messages[10]?.items[0]?.deleted).toBe(true);
    // Its last reply deleted, the tombstone goes too.
    const last = applyEvent(kept, updated({ ...tombstone, replyCount: 0, lastReplyAt: null }));
    expect(ids(last.messages[10]?.items)).toEqual([101]);
    expect(isListed(tombstone)).toBe(true);
    expect(isListed(message(7, 1, { deleted: true, threadId: 100 }))).toBe(false);
  });

  test("a message the list has not loaded is not added by its update", () => {
    const state = applyEvent(start(), updated(message(50, 2, { content: "old, edited" })));
    expect(ids(state.messages[10]?.items)).toEqual([100, 101]);
  });

  test("a message's creation seen again after its edit (a page loaded meanwhile, a replay) leaves the edited copy", () => {
    const first = message(102, 2, { content: "at 3pm" });
    const edited = { ...first, content: "at 4pm", editedAt: "2026-01-01T00:01:00.000Z" };
    let state = applyEvent(start(), created(first));
    state = applyEvent(state, updated(edited));
    const again = applyEvent(state, created(first));
    expect(again.messages[10]?.items.at(-1)).toEqual(edited);
    // A history page that holds the edit, then the creation's event: the edit stays too.
    const loadedFirst = historyLoaded(start(), 10, [edited], { older: false, limit: 50 });
    expect(applyEvent(loadedFirst, created(first)).messages[10]?.items.at(-1)).toEqual(edited);
  });

  test("a deleted message that was being edited stops being edited", () => {
    const state = editing(start(), 100);
    expect(state.editingId).toBe(100);
    const after = applyEvent(state, updated(message(100, 1, { deleted: true, content: "" })));
    expect(after.editingId).toBeUndefined();
    expect(applyEvent(state, updated(message(101, 2, { deleted: true }))).editingId).toBe(100);
  });
});

describe("threads", () => {
  const root = message(100, 1);
  const reply = (id: number, senderId: number, extra: Partial<Message> = {}) =>
    message(id, senderId, { threadId: 100, ...extra });

  test("a reply joins its open thread, not the chat's list; the root's count comes with its own update", () => {
    let state = threadLoaded(openChat(start(), 10, 100), root, [reply(102, 2)], {
      older: false,
      limit: 50,
    });
    state = applyEvent(state, created(reply(103, 3)));
    expect(ids(state.threads[100]?.items)).toEqual([102, 103]);
    expect(ids(state.messages[10]?.items)).toEqual([100, 101]);
    expect(state.chats[10]?.lastMessageId).toBeNull();
    const counted = { ...root, replyCount: 2, lastReplyAt: "2026-01-01T00:05:00.000Z" };
    state = applyEvent(state, updated(counted));
    expect(state.messages[10]?.items[0]?.replyCount).toBe(2);
    expect(state.threads[100]?.root.replyCount).toBe(2);
    expect(state.threads[100]?.root.lastReplyAt).toBe("2026-01-01T00:05:00.000Z");
  });

  test("a reply in a chat that is not open counts as no unread message and does not move the chat up", () => {
    const state = openChat(start(), undefined);
    const after = applyEvent(state, created(reply(104, 2)));
    expect(after.unread[10]).toBe(0);
    expect(after.activity).toEqual(state.activity);
  });

  test("an edited or deleted reply changes in the thread; a root deleted without replies closes it", () => {
    let state = threadLoaded(openChat(start(), 10, 100), root, [reply(103, 3), reply(102, 2)], {
      older: false,
      limit: 50,
    });
    state = applyEvent(state, updated(reply(102, 2, { content: "edited" })));
    expect(state.threads[100]?.items[0]?.content).toBe("edited");
    state = applyEvent(state, updated(reply(103, 3, { deleted: true, content: "" })));
    expect(ids(state.threads[100]?.items)).toEqual([102]);
    expect(state.openThreadId).toBe(100);
    state = applyEvent(state, updated({ ...root, deleted: true, content: "", replyCount: 0 }));
    expect(state.openThreadId).toBeUndefined();
  });

  test("a reply's creation seen again leaves its edit; a thread loaded again keeps the root its events brought", () => {
    const first = reply(103, 2, { content: "v1" });
    const edited = { ...first, content: "v2", editedAt: "2026-01-01T00:01:00.000Z" };
    let state = threadLoaded(openChat(start(), 10, 100), root, [first], {
      older: false,
      limit: 50,
    });
    state = applyEvent(state, updated(edited));
    state = applyEvent(state, created(first));
    expect(state.threads[100]?.items).toEqual([edited]);
    // An older page of replies answered with the root as it was before its latest update.
    const counted = { ...root, replyCount: 3, lastReplyAt: "2026-01-01T00:05:00.000Z" };
    state = applyEvent(state, updated(counted));
    state = threadLoaded(state, root, [reply(102, 3)], { older: true, limit: 50 });
    expect(state.threads[100]?.root).toEqual(counted);
    expect(ids(state.threads[100]?.items)).toEqual([102, 103]);
  });

  test("a reply is pending in its thread, sent from the thread's own draft, and settles by clientId", () => {
    let state = threadLoaded(openChat(start(), 10, 100), root, [], { older: false, limit: 50 });
    state = drafted(state, 10, "in the thread", 100);
    state = drafted(state, 10, "in the chat");
    expect(draftOf(state, 10, 100).text).toBe("in the thread");
    expect(canSend(state, 10, 100)).toBe(true);
    const pending: PendingMessage = {
      clientId: "r-1",
      chatId: 10,
      content: "in the thread",
      files: [],
      createdAt: "2026-01-01T00:00:00.000Z",
      threadId: 100,
    };
    state = sent(state, pending);
    expect(draftOf(state, 10, 100).text).toBe("");
    expect(draftOf(state, 10).text).toBe("in the chat");
    expect(pendingIn(state, 10, 100)).toHaveLength(1);
    expect(pendingIn(state, 10)).toHaveLength(0);
    state = applyEvent(
      state,
      created(reply(105, 1, { clientId: "r-1", content: "in the thread" })),
    );
    expect(state.pending).toHaveLength(0);
    expect(ids(state.threads[100]?.items)).toEqual([105]);
  });

  test("a thread's drafts and replies go when its chat is removed; a thread that is not there closes with a notice", () => {
    let state = threadLoaded(openChat(start(), 10, 100), root, [], { older: false, limit: 50 });
    state = queued(drafted(state, 10, "x", 100), {
      clientId: "r-2",
      chatId: 10,
      content: "y",
      files: [],
      createdAt: "2026-01-01T00:00:00.000Z",
      threadId: 100,
    });
    const removed = applyEvent(state, {
      id: ++eventId,
      type: "chat.removed",
      chatId: 10,
      data: { id: 10 },
    });
    expect(removed.threads).toEqual({});
    expect(removed.drafts).toEqual({});
    expect(removed.openThreadId).toBeUndefined();
    const missing = threadMissing(openChat(start(), 10, 999), 999);
    expect(missing.openThreadId).toBeUndefined();
    expect(missing.openChatId).toBe(10);
    expect(missing.notice).toBe(threadGone);
  });

  test("drafts of threads are kept over a reload of the chats, and go with a chat that is gone", () => {
    let state = drafted(drafted(start(), 10, "thread text", 100), 10, "chat text");
    state = loaded(state, [alice, bob, carol], [chat(10, [1, 2, 3])], []);
    expect(draftOf(state, 10, 100).text).toBe("thread text");
    expect(loaded(state, [alice], [], []).drafts).toEqual({});
  });

  test("opening another chat closes the thread; a chat's URL with a thread opens both", () => {
    const withThread = openChat(start(), 10, 100);
    expect(withThread.openThreadId).toBe(100);
    expect(openChat(withThread, 10).openThreadId).toBeUndefined();
    expect(openChat(withThread, undefined).openThreadId).toBeUndefined();
    expect(initialState(alice, start().workspace, 10, 100).openThreadId).toBe(100);
    expect(initialState(alice, start().workspace, undefined, 100).openThreadId).toBeUndefined();
  });

  test("reply counts read as people say them", () => {
    expect(replyLabel(1)).toBe("1 reply");
    expect(replyLabel(3)).toBe("3 replies");
  });
});

describe("who may do what", () => {
  test("only the sender edits; up in an empty composer edits one's newest message that is not deleted", () => {
    const state = start();
    const items = [message(1, 1), message(2, 2), message(3, 1, { deleted: true }), message(4, 2)];
    expect(lastOwnMessage(items, 1)?.id).toBe(1);
    expect(lastOwnMessage(items, 3)).toBeUndefined();
    expect(canEdit(message(1, 1), state.me.id)).toBe(true);
    expect(canEdit(message(2, 2), state.me.id)).toBe(false);
    expect(canEdit(message(1, 1, { deleted: true }), state.me.id)).toBe(false);
  });

  test("the sender, the channel's owner and the workspace's owner and admins may delete; a member may not delete another's", () => {
    const channel = chat(10, [1, 2, 3]);
    const asMember = start(3);
    expect(canDelete(message(1, 1), channel, asMember)).toBe(true);
    expect(canDelete(message(2, 3), channel, asMember)).toBe(false);
    // Alice owns the channel: she may delete Carol's message there, but not in a group she owns.
    const owned = chat(10, [1, 2, 3], { ownerId: 1 });
    expect(canDelete(message(2, 3), owned, asMember)).toBe(true);
    expect(canDelete(message(2, 3), { ...owned, type: "group" }, asMember)).toBe(false);
    // The workspace's owner may delete anywhere, and so may its admins.
    expect(canDelete(message(2, 3), { ...channel, type: "group" }, start(1))).toBe(true);
    const admin = start(3);
    const asAdmin = { ...admin, me: { ...admin.me, role: "admin" as const } };
    expect(canDelete(message(2, 2), { ...channel, type: "group" }, asAdmin)).toBe(true);
  });
});

describe("reactions and pins", () => {
  test("a reaction shows as the message now is: whose it is decides whether a click adds or removes", () => {
    const reacted = message(101, 2, { reactions: [{ emoji: "tada", userIds: [2, 1] }] });
    const state = applyEvent(start(), updated(reacted));
    const shown = state.messages[10]?.items[1] as Message;
    expect(hasReacted(shown, "tada", 1)).toBe(true);
    expect(hasReacted(shown, "tada", 3)).toBe(false);
    expect(hasReacted(shown, "+1", 1)).toBe(false);
    const taken = applyEvent(
      state,
      updated({ ...reacted, reactions: [{ emoji: "tada", userIds: [2] }] }),
    );
    expect(hasReacted(taken.messages[10]?.items[1] as Message, "tada", 1)).toBe(false);
  });

  test("the pin list follows pins and unpins, the newest pin first, and the message shows as pinned", () => {
    let state = pinsLoaded(start(), 10, [message(50, 3, { pinned: true })]);
    state = applyEvent(state, updated(message(101, 2, { pinned: true })));
    expect(ids(state.pins[10])).toEqual([101, 50]);
    expect(state.messages[10]?.items[1]?.pinned).toBe(true);
    state = applyEvent(state, updated(message(101, 2, { pinned: true, content: "edited" })));
    expect(state.pins[10]?.[0]?.content).toBe("edited");
    state = applyEvent(state, updated(message(50, 3, { pinned: false })));
    expect(ids(state.pins[10])).toEqual([101]);
    // Deleting unpins.
    state = applyEvent(state, updated(message(101, 2, { deleted: true, content: "" })));
    expect(state.pins[10]).toEqual([]);
  });

  test("pins not yet asked for are not made up from events", () => {
    const state = applyEvent(start(), updated(message(101, 2, { pinned: true })));
    expect(state.pins[10]).toBeUndefined();
  });
});
