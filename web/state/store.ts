// The web app's state and every rule that changes it, as pure functions (unit-tested apart from
// the views). Wire types come from the server's models, so a change of contract fails the build.
import type { User, Workspace } from "../../src/features/accounts/model.ts";
import type { Chat } from "../../src/features/chats/model.ts";
import type { FileInfo } from "../../src/features/files/model.ts";
import type { Message } from "../../src/features/messages/model.ts";
import type { Event } from "../../src/features/realtime/events.ts";

export type { Chat, Event, FileInfo, Message, User, Workspace };

/** A message typed here and not yet acknowledged; `clientId` makes its resending safe. */
export type PendingMessage = {
  clientId: string;
  chatId: number;
  content: string;
  files: string[];
  createdAt: string;
  /** The thread's root, for a reply. */
  threadId?: number;
  failed?: string;
};

export type MessageList = { items: Message[]; hasOlder: boolean };

/** A thread as loaded: its root, and its replies oldest first. */
export type Thread = { chatId: number; root: Message; items: Message[]; hasOlder: boolean };

/** What is typed and attached in a chat (or one of its threads) and not yet sent. */
export type Draft = { text: string; files: FileInfo[] };

/** Files on their way up; they belong to the draft they were added to (a chat's or a thread's). */
export type Upload = { id: string; chatId: number; threadId?: number; fraction: number };

/** Where a draft is kept: `12` for chat 12, `12/40` for the thread of message 40 in it. */
export function draftKey(chatId: number, threadId?: number): string {
  return threadId === undefined ? String(chatId) : `${chatId}/${threadId}`;
}

export type State = {
  me: User;
  workspace: Workspace;
  users: Record<number, User>;
  chats: Record<number, Chat>;
  /** Loaded history per chat, oldest first. */
  messages: Record<number, MessageList>;
  /** Loaded threads by their root's id. */
  threads: Record<number, Thread>;
  /** Each chat's pinned messages, most recently pinned first, once they have been asked for. */
  pins: Record<number, Message[]>;
  pending: PendingMessage[];
  /** By draftKey. */
  drafts: Record<string, Draft>;
  uploads: Upload[];
  /** Unread top-level messages per chat, as the server counts them (issue #24). */
  unread: Record<number, number>;
  /** Messages above the marker that mention me, per chat. */
  mentions: Record<number, number>;
  /** My read marker per chat. */
  lastRead: Record<number, number>;
  /** My notification level per chat. */
  notify: Record<number, NotifyLevel>;
  /** Where the "new messages" divider goes in an open chat: after this message id. */
  dividerAt: Record<number, number>;
  /** chatId → userId → when the indicator lapses (ms). */
  typing: Record<number, Record<number, number>>;
  online: Record<number, true>;
  /** Latest activity as a sequence: the server's order at load, then bumped by events. */
  activity: Record<number, number>;
  activitySeq: number;
  openChatId: number | undefined;
  /** The root of the thread open beside the chat. */
  openThreadId: number | undefined;
  /** The message being edited in place. */
  editingId: number | undefined;
  /** The newest event applied: where a reconnect resumes. */
  lastEventId: number;
  connection: "connecting" | "live" | "offline";
  /** A failure to tell the user about, until dismissed. */
  notice: string | undefined;
};

export const typingShownMs = 5000;

/** Said when a URL (a link, Back, a reload) names a chat this user cannot open. */
export const chatGone = "That chat is gone, or you are not in it.";

/** `openChatId`: the chat the page's URL names, kept once the chats are loaded if it is one. */
export function initialState(
  me: User,
  workspace: Workspace,
  openChatId?: number,
  openThreadId?: number,
): State {
  return {
    me,
    workspace,
    users: { [me.id]: me },
    chats: {},
    messages: {},
    threads: {},
    pins: {},
    pending: [],
    drafts: {},
    uploads: [],
    unread: {},
    mentions: {},
    lastRead: {},
    notify: {},
    dividerAt: {},
    typing: {},
    online: {},
    activity: {},
    activitySeq: 0,
    openChatId,
    openThreadId: openChatId === undefined ? undefined : openThreadId,
    editingId: undefined,
    lastEventId: 0,
    connection: "connecting",
    notice: undefined,
  };
}

/** After a (re)load over HTTP: the people and chats as they are now. */
export function loaded(state: State, users: User[], chats: Chat[], online: number[]): State {
  const openChatId =
    state.openChatId !== undefined && chats.some((chat) => chat.id === state.openChatId)
      ? state.openChatId
      : undefined;
  const notice = openChatId === state.openChatId ? state.notice : chatGone;
  const ids = new Set(chats.map((chat) => chat.id));
  const read = readStateOf(chats);
  return {
    ...state,
    users: Object.fromEntries(users.map((user) => [user.id, user])),
    chats: Object.fromEntries(chats.map((chat) => [chat.id, chat])),
    // History is reloaded when a chat is opened; what was loaded may have gaps after a reset.
    messages: {},
    threads: {},
    pins: {},
    ...read,
    dividerAt: withOpenDivider(
      Object.fromEntries(Object.entries(state.dividerAt).filter(([id]) => ids.has(Number(id)))),
      openChatId,
      read,
    ),
    drafts: Object.fromEntries(
      Object.entries(state.drafts).filter(([key]) => ids.has(chatOfDraft(key))),
    ),
    online: Object.fromEntries(online.map((id) => [id, true as const])),
    // The server lists chats latest activity first.
    activity: Object.fromEntries(chats.map((chat, i) => [chat.id, chats.length - i])),
    activitySeq: chats.length,
    openChatId,
    openThreadId: openChatId === undefined ? undefined : state.openThreadId,
    notice,
  };
}

const chatOfDraft = (key: string) => Number(key.split("/")[0]);

function bumped(state: State, chatId: number): State {
  const activitySeq = state.activitySeq + 1;
  return { ...state, activitySeq, activity: { ...state.activity, [chatId]: activitySeq } };
}

/** A page of history: `older` pages go before what is loaded, the first page replaces it. */
export function historyLoaded(
  state: State,
  chatId: number,
  newestFirst: Message[],
  page: { older: boolean; limit: number },
): State {
  const incoming = [...newestFirst].reverse();
  const current = state.messages[chatId];
  const items =
    page.older && current
      ? mergeMessages(incoming, current.items)
      : mergeMessages(incoming, current?.items ?? []);
  return {
    ...state,
    messages: {
      ...state.messages,
      [chatId]: { items, hasOlder: newestFirst.length === page.limit },
    },
  };
}

/**
 * The events about messages that arrived while a page was being fetched, applied again once it
 * is in: a chat or thread not loaded yet had no list for them to join, and the page may have left
 * the server before them. Seen before, they count nothing twice and keep newer copies.
 */
export function eventsAgain(state: State, events: Event[]): State {
  let next = state;
  for (const event of events) {
    if (event.type === "message.created" || event.type === "message.updated") {
      next = applyEvent(next, event);
    }
  }
  return next;
}

/**
 * The page around a message (a search result), newest first: it replaces what was loaded, so
 * the list stays one run of messages; older ones load on scrolling up as usual.
 */
export function historyAround(state: State, chatId: number, newestFirst: Message[]): State {
  return {
    ...state,
    messages: {
      ...state.messages,
      [chatId]: { items: [...newestFirst].reverse(), hasOlder: true },
    },
  };
}

/**
 * Opens a chat, and with `threadId` a thread of it beside it; one not (or no longer) ours, as an
 * old URL may name, opens nothing.
 */
export function openChat(state: State, chatId: number | undefined, threadId?: number): State {
  const closed = { ...state, openThreadId: undefined, editingId: undefined };
  if (chatId === undefined) return { ...closed, openChatId: undefined };
  if (!state.chats[chatId]) return { ...closed, openChatId: undefined, notice: chatGone };
  const editingId = state.openChatId === chatId ? state.editingId : undefined;
  // Opening a chat with something unread marks where it starts; reading it later keeps the mark.
  const reopened = state.openChatId === chatId;
  const hasNew = (state.unread[chatId] ?? 0) > 0 || (state.mentions[chatId] ?? 0) > 0;
  const { [chatId]: _, ...otherDividers } = state.dividerAt;
  const dividerAt = reopened
    ? state.dividerAt
    : hasNew
      ? { ...state.dividerAt, [chatId]: state.lastRead[chatId] ?? 0 }
      : otherDividers;
  return { ...closed, openChatId: chatId, openThreadId: threadId, editingId, dividerAt };
}

/** Said when a URL names a thread that is not there (deleted, or never a thread of this chat). */
export const threadGone = "That thread is gone.";

/** A thread's root and a page of its replies (newest first, as the server lists them). */
export function threadLoaded(
  state: State,
  root: Message,
  newestFirst: Message[],
  page: { older: boolean; limit: number },
): State {
  const incoming = [...newestFirst].reverse();
  const current = state.threads[root.id];
  const items = mergeMessages(incoming, current?.items ?? []);
  return {
    ...state,
    threads: {
      ...state.threads,
      [root.id]: {
        chatId: root.chatId,
        // A thread already open keeps its root: events have kept it current, and this answer
        // may have left the server before the latest of them.
        root: current?.root ?? root,
        items,
        hasOlder: page.older || !current ? newestFirst.length === page.limit : current.hasOlder,
      },
    },
  };
}

/** The thread named could not be opened: the chat stays, the pane closes, and the user is told. */
export function threadMissing(state: State, rootId: number): State {
  if (state.openThreadId !== rootId) return state;
  return { ...state, openThreadId: undefined, notice: threadGone };
}

export function pinsLoaded(state: State, chatId: number, pinned: Message[]): State {
  return { ...state, pins: { ...state.pins, [chatId]: pinned } };
}

/** Starts editing a message in place (only one's own); undefined stops. */
export function editing(state: State, messageId: number | undefined): State {
  return state.editingId === messageId ? state : { ...state, editingId: messageId };
}

/** Applies one stored event. Idempotent: an event applied twice changes nothing more. */
export function applyEvent(state: State, event: Event): State {
  const next = { ...state, lastEventId: Math.max(state.lastEventId, event.id) };
  // The workspace's events name no chat.
  if (event.chatId === null) {
    if (event.type === "user.updated") {
      const user = event.data as User;
      const me = user.id === next.me.id ? user : next.me;
      return { ...next, me, users: { ...next.users, [user.id]: user } };
    }
    if (event.type === "workspace.updated") return { ...next, workspace: event.data as Workspace };
    return next;
  }
  switch (event.type) {
    case "message.created": {
      const message = event.data as Message;
      // Counted once: an event seen again (a replay overlapping what came live) counts nothing.
      const fresh = event.id > state.lastEventId;
      const arrived = messageArrived(next, message, fresh);
      return fresh && message.threadId !== null ? replyCounted(arrived, message) : arrived;
    }
    case "message.updated":
      return messageChanged(next, event.data as Message);
    case "chat.created": {
      const isNew = next.chats[event.chatId] === undefined;
      const chat = event.data as Chat;
      const withChat = { ...next, chats: { ...next.chats, [event.chatId]: chat } };
      // A new member has read up to the chat's last message.
      const read = isNew ? { ...withChat, ...readStateOf([chat], withChat) } : withChat;
      return isNew ? bumped(read, event.chatId) : read;
    }
    case "chat.updated":
      return { ...next, chats: { ...next.chats, [event.chatId]: event.data as Chat } };
    case "chat.read":
      return readMoved(
        next,
        event.chatId,
        (event.data as { lastReadMessageId: number }).lastReadMessageId,
      );
    case "chat.removed": {
      const { [event.chatId]: _chat, ...chats } = next.chats;
      const { [event.chatId]: _messages, ...messages } = next.messages;
      const { [event.chatId]: _unread, ...unread } = next.unread;
      const { [event.chatId]: _mentions, ...mentions } = next.mentions;
      const { [event.chatId]: _pins, ...pins } = next.pins;
      const gone = next.openChatId === event.chatId;
      return {
        ...next,
        chats,
        messages,
        threads: Object.fromEntries(
          Object.entries(next.threads).filter(([, thread]) => thread.chatId !== event.chatId),
        ),
        pins,
        unread,
        mentions,
        drafts: Object.fromEntries(
          Object.entries(next.drafts).filter(([key]) => chatOfDraft(key) !== event.chatId),
        ),
        pending: next.pending.filter((p) => p.chatId !== event.chatId),
        openChatId: gone ? undefined : next.openChatId,
        openThreadId: gone ? undefined : next.openThreadId,
        editingId: gone ? undefined : next.editingId,
      };
    }
  }
  return next;
}

function messageArrived(state: State, message: Message, fresh = true): State {
  if (message.threadId !== null) return replyArrived(state, message);
  const chat = state.chats[message.chatId];
  const list = state.messages[message.chatId];
  const known = list?.items.some((item) => item.id === message.id) ?? false;
  const mine = message.senderId === state.me.id;
  const base = known
    ? state
    : bumped(fresh ? counted(state, message, true) : state, message.chatId);
  return {
    ...base,
    chats: chat
      ? {
          ...state.chats,
          [chat.id]: { ...chat, lastMessageId: Math.max(chat.lastMessageId ?? 0, message.id) },
        }
      : state.chats,
    // A message already listed keeps its copy: it is as new as this one or newer (a history
    // page or a `message.updated` may have brought an edit); changes come by their own events.
    messages:
      list && !known
        ? {
            ...state.messages,
            [message.chatId]: { ...list, items: mergeMessages(list.items, [message]) },
          }
        : state.messages,
    pending:
      mine && message.clientId
        ? state.pending.filter((p) => p.clientId !== message.clientId)
        : state.pending,
    typing: withoutTyping(state.typing, message.chatId, message.senderId),
  };
}

/**
 * A reply joins its thread, if loaded. It is not the chat's latest message and counts as no unread
 * message in the chat: the root's own `message.updated` (its new reply count) follows it.
 */
function replyArrived(state: State, reply: Message): State {
  const rootId = reply.threadId as number;
  const thread = state.threads[rootId];
  const mine = reply.senderId === state.me.id;
  return {
    ...state,
    // As in the chat's list: a reply already there keeps its (newer or same) copy.
    threads:
      thread && !thread.items.some((item) => item.id === reply.id)
        ? { ...state.threads, [rootId]: { ...thread, items: mergeMessages(thread.items, [reply]) } }
        : state.threads,
    pending:
      mine && reply.clientId
        ? state.pending.filter((p) => p.clientId !== reply.clientId)
        : state.pending,
    typing: withoutTyping(state.typing, reply.chatId, reply.senderId),
  };
}

/** Whether a message is listed: deleted ones are not, except roots that still have replies. */
export function isListed(message: Message): boolean {
  return !message.deleted || (message.threadId === null && message.replyCount > 0);
}

/**
 * The message as it now is (an edit, a delete, a reaction, a pin, a root's reply count), wherever
 * it is shown: the chat's list, a thread (as root or reply), the pins. Applying it twice, or
 * after a newer copy of the same change, changes nothing more: it carries the whole message.
 */
export function messageChanged(state: State, message: Message): State {
  const listed = isListed(message);
  const replace = (items: Message[]) => {
    if (!items.some((item) => item.id === message.id)) return items;
    return listed
      ? items.map((item) => (item.id === message.id ? message : item))
      : items.filter((item) => item.id !== message.id);
  };
  const list = state.messages[message.chatId];
  let messages = state.messages;
  if (list && message.threadId === null) {
    const items = replace(list.items);
    if (items !== list.items) messages = { ...messages, [message.chatId]: { ...list, items } };
  }
  let threads = state.threads;
  const thread = message.threadId === null ? threads[message.id] : threads[message.threadId];
  if (thread) {
    const changed =
      message.threadId === null
        ? { ...thread, root: message }
        : { ...thread, items: replace(thread.items) };
    threads = { ...threads, [thread.root.id]: changed };
  }
  const pins = state.pins[message.chatId];
  const pinsNow = pins ? pinnedAfter(pins, message) : undefined;
  // A thread whose root is gone for good (deleted without replies) closes.
  const closes = state.openThreadId === message.id && !listed;
  return {
    ...state,
    messages,
    threads,
    pins: pinsNow && pinsNow !== pins ? { ...state.pins, [message.chatId]: pinsNow } : state.pins,
    openThreadId: closes ? undefined : state.openThreadId,
    editingId: state.editingId === message.id && message.deleted ? undefined : state.editingId,
  };
}

/** The pin list after a change: newly pinned first, unpinned out, the rest as they now are. */
function pinnedAfter(pins: Message[], message: Message): Message[] {
  const at = pins.findIndex((item) => item.id === message.id);
  if (!message.pinned) return at === -1 ? pins : pins.filter((item) => item.id !== message.id);
  if (at === -1) return [message, ...pins];
  return pins.map((item) => (item.id === message.id ? message : item));
}

export function queued(state: State, pending: PendingMessage): State {
  return { ...state, pending: [...state.pending, pending] };
}

/** The draft became this message: it is queued, and its draft (chat's or thread's) starts empty. */
export function sent(state: State, pending: PendingMessage): State {
  const { [draftKey(pending.chatId, pending.threadId)]: _, ...drafts } = state.drafts;
  return { ...queued(state, pending), drafts };
}

export const emptyDraft: Draft = { text: "", files: [] };

export function draftOf(state: State, chatId: number, threadId?: number): Draft {
  return state.drafts[draftKey(chatId, threadId)] ?? emptyDraft;
}

function withDraft(state: State, key: string, draft: Draft): State {
  const { [key]: _, ...drafts } = state.drafts;
  const empty = draft.text === "" && draft.files.length === 0;
  return { ...state, drafts: empty ? drafts : { ...drafts, [key]: draft } };
}

export function drafted(state: State, chatId: number, text: string, threadId?: number): State {
  const key = draftKey(chatId, threadId);
  return withDraft(state, key, { ...draftOf(state, chatId, threadId), text });
}

export function fileRemoved(state: State, chatId: number, url: string, threadId?: number): State {
  const draft = draftOf(state, chatId, threadId);
  return withDraft(state, draftKey(chatId, threadId), {
    ...draft,
    files: draft.files.filter((f) => f.url !== url),
  });
}

/** Drafts kept from an earlier page load. */
export function draftsRestored(state: State, drafts: Record<string, Draft>): State {
  return { ...state, drafts: { ...drafts, ...state.drafts } };
}

export function uploadStarted(state: State, upload: Upload): State {
  return { ...state, uploads: [...state.uploads, upload] };
}

export function uploadProgressed(state: State, id: string, fraction: number): State {
  return {
    ...state,
    uploads: state.uploads.map((u) => (u.id === id ? { ...u, fraction } : u)),
  };
}

/**
 * An upload ended (`files` is empty if it failed): its files join the draft of the chat it was
 * started in, whichever chat is open now, and wait there for that draft to be sent.
 */
export function uploadFinished(state: State, id: string, files: FileInfo[]): State {
  const upload = state.uploads.find((u) => u.id === id);
  if (!upload) return state;
  const rest = { ...state, uploads: state.uploads.filter((u) => u.id !== id) };
  if (files.length === 0 || !state.chats[upload.chatId]) return rest;
  const draft = draftOf(state, upload.chatId, upload.threadId);
  return withDraft(rest, draftKey(upload.chatId, upload.threadId), {
    ...draft,
    files: [...draft.files, ...files],
  });
}

/** The server stored it: the pending copy becomes the message (once, whatever arrives first). */
export function acknowledged(state: State, message: Message): State {
  return messageArrived(state, message);
}

/** Refused for good (not a network failure): kept, marked, so the user can see why. */
export function refused(state: State, clientId: string, reason: string): State {
  return {
    ...state,
    pending: state.pending.map((p) => (p.clientId === clientId ? { ...p, failed: reason } : p)),
  };
}

export function discardPending(state: State, clientId: string): State {
  return { ...state, pending: state.pending.filter((p) => p.clientId !== clientId) };
}

export function typingSeen(state: State, chatId: number, userId: number, now: number): State {
  if (userId === state.me.id) return state;
  return {
    ...state,
    typing: {
      ...state.typing,
      [chatId]: { ...state.typing[chatId], [userId]: now + typingShownMs },
    },
  };
}

export function presenceChanged(state: State, userId: number, status: "online" | "offline"): State {
  const { [userId]: _, ...rest } = state.online;
  return { ...state, online: status === "online" ? { ...rest, [userId]: true } : rest };
}

export function connectionChanged(state: State, connection: State["connection"]): State {
  return state.connection === connection ? state : { ...state, connection };
}

export function usersLoaded(state: State, users: User[]): State {
  return { ...state, users: Object.fromEntries(users.map((user) => [user.id, user])) };
}

export function noticed(state: State, notice: string | undefined): State {
  return { ...state, notice };
}

/** Ids the event speaks of that this state does not know: a sign to reload the people. */
export function unknownUsers(state: State, event: Event): number[] {
  const ids =
    event.type === "message.created" || event.type === "message.updated"
      ? [(event.data as Message).senderId]
      : event.type === "chat.removed" || event.type === "chat.read" || event.chatId === null
        ? []
        : (event.data as Chat).members;
  return ids.filter((id) => !state.users[id]);
}

// ——— Reading the state ———

/** Latest activity (creation or last message) first, as the server orders them. */
export function chatsByActivity(state: State): Chat[] {
  return Object.values(state.chats).sort(
    (a, b) => (state.activity[b.id] ?? 0) - (state.activity[a.id] ?? 0) || b.id - a.id,
  );
}

/** What a chat is called here: its name, or the other people in it. */
export function chatTitle(state: Pick<State, "me" | "users">, chat: Chat): string {
  if (chat.name) return chat.name;
  const others = chat.members.filter((id) => id !== state.me.id);
  const names = others.map((id) => state.users[id]?.fullname ?? `user ${id}`);
  return names.length > 0 ? names.join(", ") : state.me.fullname;
}

export function typingIn(state: State, chatId: number, now: number): User[] {
  return Object.entries(state.typing[chatId] ?? {})
    .filter(([, until]) => until > now)
    .map(([id]) => state.users[Number(id)])
    .filter((user): user is User => user !== undefined);
}

/** What waits to be sent in a chat, or in one of its threads. */
export function pendingIn(state: State, chatId: number, threadId?: number): PendingMessage[] {
  return state.pending.filter((p) => p.chatId === chatId && p.threadId === threadId);
}

export function uploadsIn(state: State, chatId: number, threadId?: number): Upload[] {
  return state.uploads.filter((u) => u.chatId === chatId && u.threadId === threadId);
}

/** A draft can be sent when it has text or files and none of its files is still uploading. */
export function canSend(state: State, chatId: number, threadId?: number): boolean {
  const draft = draftOf(state, chatId, threadId);
  const hasContent = draft.text.trim() !== "" || draft.files.length > 0;
  return hasContent && uploadsIn(state, chatId, threadId).length === 0;
}

/** The newest message of one's own that can still be edited: what Up in an empty composer edits. */
export function lastOwnMessage(items: Message[], me: number): Message | undefined {
  return items.findLast((item) => item.senderId === me && !item.deleted);
}

export function canEdit(message: Message, me: number): boolean {
  return message.senderId === me && !message.deleted;
}

/**
 * Who may delete, as the server decides: the sender, the chat's owner in channels, and the
 * workspace's owner and admins anywhere.
 */
export function canDelete(message: Message, chat: Chat, state: Pick<State, "me" | "workspace">) {
  if (message.deleted) return false;
  const channel = chat.type === "public_channel" || chat.type === "private_channel";
  return (
    message.senderId === state.me.id ||
    (channel && chat.ownerId === state.me.id) ||
    state.workspace.ownerId === state.me.id ||
    state.me.role === "admin"
  );
}

export function hasReacted(message: Message, emoji: string, me: number): boolean {
  return message.reactions.some((r) => r.emoji === emoji && r.userIds.includes(me));
}

/** "1 reply", "3 replies". */
export function replyLabel(count: number): string {
  return `${count} ${count === 1 ? "reply" : "replies"}`;
}

const dayKey = (date: Date) => `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;

/** "Today", "Yesterday", or the date (with its year when not this year), in local time. */
export function dayLabel(date: Date, now: Date): string {
  if (dayKey(date) === dayKey(now)) return "Today";
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  if (dayKey(date) === dayKey(yesterday)) return "Yesterday";
  return date.toLocaleDateString(undefined, {
    weekday: "long",
    month: "long",
    day: "numeric",
    ...(date.getFullYear() !== now.getFullYear() && { year: "numeric" }),
  });
}

/**
 * For times in order, the day divider to show before each: its label where a new local day
 * begins, else undefined.
 */
export function dayDividers(times: string[], now: Date): (string | undefined)[] {
  let previous = "";
  return times.map((iso) => {
    const date = new Date(iso);
    const key = dayKey(date);
    if (key === previous) return undefined;
    previous = key;
    return dayLabel(date, now);
  });
}

/** A message this soon after the sender's previous one joins its group: one name, one avatar. */
export const groupWithinMs = 5 * 60 * 1000;

/**
 * For messages in order, whether each continues the group of the one before it: the same
 * sender, within `groupWithinMs`, and no day divider between them.
 */
export function groupContinues(
  items: { senderId: number; createdAt: string }[],
  dividers: (string | undefined)[],
): boolean[] {
  return items.map((item, i) => {
    const previous = items[i - 1];
    if (!previous || dividers[i] !== undefined || previous.senderId !== item.senderId) return false;
    const gap = Date.parse(item.createdAt) - Date.parse(previous.createdAt);
    return gap >= 0 && gap <= groupWithinMs;
  });
}

function withoutTyping(typing: State["typing"], chatId: number, userId: number): State["typing"] {
  if (!typing[chatId]?.[userId]) return typing;
  const { [userId]: _, ...rest } = typing[chatId];
  return { ...typing, [chatId]: rest };
}

/** Two sorted lists as one, without duplicates, oldest first. */
function mergeMessages(a: Message[], b: Message[]): Message[] {
  const byId = new Map<number, Message>();
  for (const message of [...a, ...b]) byId.set(message.id, message);
  return [...byId.values()].sort((x, y) => x.id - y.id);
}

// Read state (issue #24): the server's counts at load, kept in step by the events.

export type NotifyLevel = "all" | "mentions" | "none";

/** The counts, markers and levels the server gave with the chats. */
function readStateOf(
  chats: Chat[],
  into?: Pick<State, "unread" | "mentions" | "lastRead" | "notify">,
): Pick<State, "unread" | "mentions" | "lastRead" | "notify"> {
  const out = {
    unread: { ...into?.unread },
    mentions: { ...into?.mentions },
    lastRead: { ...into?.lastRead },
    notify: { ...into?.notify },
  };
  for (const chat of chats) {
    out.unread[chat.id] = chat.state?.unreadCount ?? 0;
    out.mentions[chat.id] = chat.state?.mentionCount ?? 0;
    out.lastRead[chat.id] = chat.state?.lastReadMessageId ?? chat.lastMessageId ?? 0;
    out.notify[chat.id] =
      chat.state?.notify ?? (chat.type === "single" || chat.type === "group" ? "all" : "mentions");
  }
  return out;
}

/** Whether a message mentions me: by id, or everyone with <!channel> or <!here>. */
export function mentionsMe(message: Message, me: number): boolean {
  return message.mentions.includes(me) || /<!(channel|here)>/.test(message.content);
}

/**
 * A new message counts as the server counts it: someone else's above my marker is unread (if
 * top-level) and a mention (if it names me). My own top-level message moves my marker to it.
 */
function counted(state: State, message: Message, topLevel: boolean): State {
  const chatId = message.chatId;
  if (message.senderId === state.me.id) {
    if (!topLevel) return state;
    return {
      ...state,
      lastRead: { ...state.lastRead, [chatId]: Math.max(state.lastRead[chatId] ?? 0, message.id) },
      unread: { ...state.unread, [chatId]: 0 },
      mentions: { ...state.mentions, [chatId]: 0 },
    };
  }
  if (message.id <= (state.lastRead[chatId] ?? 0)) return state;
  // A message the loaded counts already include (it committed before the chats were read).
  if (topLevel && message.id <= (state.chats[chatId]?.lastMessageId ?? 0)) return state;
  return {
    ...state,
    unread: topLevel
      ? { ...state.unread, [chatId]: (state.unread[chatId] ?? 0) + 1 }
      : state.unread,
    mentions: mentionsMe(message, state.me.id)
      ? { ...state.mentions, [chatId]: (state.mentions[chatId] ?? 0) + 1 }
      : state.mentions,
  };
}

/** A reply that names me counts as a mention (replies are never unread). */
export function replyCounted(state: State, reply: Message): State {
  return counted(state, reply, false);
}

/**
 * My marker moved (here or on another device). Read up to the chat's last message, nothing is
 * left; otherwise the session asks the server for the counts (chatStateLoaded).
 */
export function readMoved(state: State, chatId: number, lastReadMessageId: number): State {
  const before = state.lastRead[chatId] ?? 0;
  if (lastReadMessageId <= before) return state;
  const latest = state.chats[chatId]?.lastMessageId ?? 0;
  const all = lastReadMessageId >= latest;
  return {
    ...state,
    lastRead: { ...state.lastRead, [chatId]: lastReadMessageId },
    unread: all ? { ...state.unread, [chatId]: 0 } : state.unread,
    mentions: all ? { ...state.mentions, [chatId]: 0 } : state.mentions,
  };
}

/** The server's answer about one chat's state (after a read, or asked). */
export function chatStateLoaded(
  state: State,
  chatId: number,
  read: {
    lastReadMessageId: number;
    unreadCount: number;
    mentionCount: number;
    notify?: NotifyLevel;
  },
): State {
  if (!state.chats[chatId]) return state;
  return {
    ...state,
    lastRead: {
      ...state.lastRead,
      [chatId]: Math.max(state.lastRead[chatId] ?? 0, read.lastReadMessageId),
    },
    unread: { ...state.unread, [chatId]: read.unreadCount },
    mentions: { ...state.mentions, [chatId]: read.mentionCount },
    notify: read.notify ? { ...state.notify, [chatId]: read.notify } : state.notify,
  };
}

/** The newest message of a chat known here: what reading it to the end means. */
export function latestMessageId(state: State, chatId: number): number {
  const items = state.messages[chatId]?.items;
  return Math.max(state.chats[chatId]?.lastMessageId ?? 0, items?.at(-1)?.id ?? 0);
}

/** Total unread messages and mentions, for the tab's title and icon. */
export function attention(state: State): { unread: number; mentions: number } {
  let unread = 0;
  let mentions = 0;
  for (const id of Object.keys(state.chats)) {
    unread += state.unread[Number(id)] ?? 0;
    mentions += state.mentions[Number(id)] ?? 0;
  }
  return { unread, mentions };
}

/** The tab's title: `(3) Acme` with 3 unread, `(2 @1) Acme` with a mention among them. */
export function pageTitle(state: State): string {
  const { unread, mentions } = attention(state);
  const name = state.workspace.name;
  if (unread === 0 && mentions === 0) return name;
  return mentions > 0 ? `(${unread} @${mentions}) ${name}` : `(${unread}) ${name}`;
}

/**
 * What to show for a new message, if it notifies me: from someone else, and (a) my level is all
 * and it is top-level, (b) my level is not none and it replies in a thread I started or replied
 * to (as far as this tab knows), or (c) my level is not none and it mentions me.
 */
export function noticeFor(
  state: State,
  message: Message,
): { chatId: number; messageId: number; title: string; body: string } | undefined {
  const chat = state.chats[message.chatId];
  if (!chat || message.senderId === state.me.id) return undefined;
  const level = state.notify[chat.id] ?? "all";
  if (level === "none") return undefined;
  const me = state.me.id;
  const thread = message.threadId === null ? undefined : state.threads[message.threadId];
  const inThread =
    thread !== undefined &&
    (thread.root.senderId === me || thread.items.some((item) => item.senderId === me));
  const notifies =
    (level === "all" && message.threadId === null) || inThread || mentionsMe(message, me);
  if (!notifies) return undefined;
  const sender = state.users[message.senderId]?.fullname ?? "Someone";
  // Mentions as the reader sees them, as the server's pushes show them: not as markup.
  const text = message.content
    .replace(/<@([0-9]+)>/g, (markup, id: string) => {
      const name = state.users[Number(id)]?.fullname;
      return name === undefined ? markup : `@${name}`;
    })
    .replace(/<!(channel|here)>/g, "@$1")
    .replace(/<#([0-9]+)>/g, (_, id: string) => `#${state.chats[Number(id)]?.name ?? "channel"}`);
  return {
    chatId: chat.id,
    messageId: message.id,
    title: chat.name === null ? sender : `${sender} in #${chat.name}`,
    body: text.length > 200 ? `${text.slice(0, 199)}…` : text,
  };
}

/** A chat opened by its URL has its divider too, where the server's marker is. */
function withOpenDivider(
  dividers: Record<number, number>,
  chatId: number | undefined,
  read: Pick<State, "unread" | "mentions" | "lastRead">,
): Record<number, number> {
  if (chatId === undefined || dividers[chatId] !== undefined) return dividers;
  if ((read.unread[chatId] ?? 0) === 0 && (read.mentions[chatId] ?? 0) === 0) return dividers;
  return { ...dividers, [chatId]: read.lastRead[chatId] ?? 0 };
}
