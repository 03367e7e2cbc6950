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
  failed?: string;
};

export type MessageList = { items: Message[]; hasOlder: boolean };

/** What is typed and attached in a chat and not yet sent. */
export type Draft = { text: string; files: FileInfo[] };

/** Files on their way up; what they become belongs to the draft of the chat they were added in. */
export type Upload = { id: string; chatId: number; fraction: number };

export type State = {
  me: User;
  workspace: Workspace;
  users: Record<number, User>;
  chats: Record<number, Chat>;
  /** Loaded history per chat, oldest first. */
  messages: Record<number, MessageList>;
  pending: PendingMessage[];
  drafts: Record<number, Draft>;
  uploads: Upload[];
  unread: Record<number, number>;
  /** chatId → userId → when the indicator lapses (ms). */
  typing: Record<number, Record<number, number>>;
  online: Record<number, true>;
  /** Latest activity as a sequence: the server's order at load, then bumped by events. */
  activity: Record<number, number>;
  activitySeq: number;
  openChatId: number | undefined;
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
export function initialState(me: User, workspace: Workspace, openChatId?: number): State {
  return {
    me,
    workspace,
    users: { [me.id]: me },
    chats: {},
    messages: {},
    pending: [],
    drafts: {},
    uploads: [],
    unread: {},
    typing: {},
    online: {},
    activity: {},
    activitySeq: 0,
    openChatId,
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
  return {
    ...state,
    users: Object.fromEntries(users.map((user) => [user.id, user])),
    chats: Object.fromEntries(chats.map((chat) => [chat.id, chat])),
    // History is reloaded when a chat is opened; what was loaded may have gaps after a reset.
    messages: {},
    unread: Object.fromEntries(Object.entries(state.unread).filter(([id]) => ids.has(Number(id)))),
    drafts: Object.fromEntries(Object.entries(state.drafts).filter(([id]) => ids.has(Number(id)))),
    online: Object.fromEntries(online.map((id) => [id, true as const])),
    // The server lists chats latest activity first.
    activity: Object.fromEntries(chats.map((chat, i) => [chat.id, chats.length - i])),
    activitySeq: chats.length,
    openChatId,
    notice,
  };
}

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

/** Opens a chat; one not (or no longer) ours, as an old URL may name, opens nothing. */
export function openChat(state: State, chatId: number | undefined): State {
  if (chatId === undefined) return { ...state, openChatId: undefined };
  if (!state.chats[chatId]) return { ...state, openChatId: undefined, notice: chatGone };
  const { [chatId]: _, ...unread } = state.unread;
  return { ...state, openChatId: chatId, unread };
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
    case "message.created":
      return messageArrived(next, event.data as Message);
    case "chat.created": {
      const isNew = next.chats[event.chatId] === undefined;
      const withChat = { ...next, chats: { ...next.chats, [event.chatId]: event.data as Chat } };
      return isNew ? bumped(withChat, event.chatId) : withChat;
    }
    case "chat.updated":
      return { ...next, chats: { ...next.chats, [event.chatId]: event.data as Chat } };
    case "chat.removed": {
      const { [event.chatId]: _chat, ...chats } = next.chats;
      const { [event.chatId]: _messages, ...messages } = next.messages;
      const { [event.chatId]: _unread, ...unread } = next.unread;
      const { [event.chatId]: _draft, ...drafts } = next.drafts;
      return {
        ...next,
        chats,
        messages,
        unread,
        drafts,
        pending: next.pending.filter((p) => p.chatId !== event.chatId),
        openChatId: next.openChatId === event.chatId ? undefined : next.openChatId,
      };
    }
  }
  return next;
}

function messageArrived(state: State, message: Message): State {
  const chat = state.chats[message.chatId];
  const list = state.messages[message.chatId];
  const known = list?.items.some((item) => item.id === message.id) ?? false;
  const mine = message.senderId === state.me.id;
  const unreadNow =
    !known && !mine && state.openChatId !== message.chatId
      ? { ...state.unread, [message.chatId]: (state.unread[message.chatId] ?? 0) + 1 }
      : state.unread;
  const base = known ? state : bumped(state, message.chatId);
  return {
    ...base,
    chats: chat
      ? {
          ...state.chats,
          [chat.id]: { ...chat, lastMessageId: Math.max(chat.lastMessageId ?? 0, message.id) },
        }
      : state.chats,
    messages: list
      ? {
          ...state.messages,
          [message.chatId]: { ...list, items: mergeMessages(list.items, [message]) },
        }
      : state.messages,
    pending:
      mine && message.clientId
        ? state.pending.filter((p) => p.clientId !== message.clientId)
        : state.pending,
    unread: unreadNow,
    typing: withoutTyping(state.typing, message.chatId, message.senderId),
  };
}

export function queued(state: State, pending: PendingMessage): State {
  return { ...state, pending: [...state.pending, pending] };
}

/** The draft became this message: it is queued, and the chat's draft starts empty. */
export function sent(state: State, pending: PendingMessage): State {
  const { [pending.chatId]: _, ...drafts } = state.drafts;
  return { ...queued(state, pending), drafts };
}

export const emptyDraft: Draft = { text: "", files: [] };

function withDraft(state: State, chatId: number, draft: Draft): State {
  const { [chatId]: _, ...drafts } = state.drafts;
  const empty = draft.text === "" && draft.files.length === 0;
  return { ...state, drafts: empty ? drafts : { ...drafts, [chatId]: draft } };
}

export function drafted(state: State, chatId: number, text: string): State {
  return withDraft(state, chatId, { ...(state.drafts[chatId] ?? emptyDraft), text });
}

export function fileRemoved(state: State, chatId: number, url: string): State {
  const draft = state.drafts[chatId] ?? emptyDraft;
  return withDraft(state, chatId, { ...draft, files: draft.files.filter((f) => f.url !== url) });
}

/** Drafts kept from an earlier page load. */
export function draftsRestored(state: State, drafts: Record<number, Draft>): State {
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
  const draft = state.drafts[upload.chatId] ?? emptyDraft;
  return withDraft(rest, upload.chatId, { ...draft, files: [...draft.files, ...files] });
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
    event.type === "message.created"
      ? [(event.data as Message).senderId]
      : event.type === "chat.removed" || event.chatId === null
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

export function pendingIn(state: State, chatId: number): PendingMessage[] {
  return state.pending.filter((p) => p.chatId === chatId);
}

export function uploadsIn(state: State, chatId: number): Upload[] {
  return state.uploads.filter((u) => u.chatId === chatId);
}

/** A draft can be sent when it has text or files and none of its files is still uploading. */
export function canSend(state: State, chatId: number): boolean {
  const draft = state.drafts[chatId] ?? emptyDraft;
  const hasContent = draft.text.trim() !== "" || draft.files.length > 0;
  return hasContent && uploadsIn(state, chatId).length === 0;
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
