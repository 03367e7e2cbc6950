// The open chat: its header (with its pinned messages), the message list (older pages load on
// scrolling up), who is typing, and the composer. The same list draws a thread's replies.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { type Directory, directoryOf } from "../state/markdown.ts";
import { chatIdFromPath } from "../state/route.ts";
import type { Session } from "../state/session.ts";
import {
  type Chat,
  chatTitle,
  dayDividers,
  groupContinues,
  lastOwnMessage,
  type Message,
  type PendingMessage,
  type State,
  typingIn,
} from "../state/store.ts";
import { Composer } from "./composer.tsx";
import type { DialogKind } from "./dialogs.tsx";
import { useEmojiIndex } from "./emoji-picker.tsx";
import { DayDivider, type MessageContext, MessageItem, PendingItem } from "./message.tsx";
import { PinnedList } from "./pinned-list.tsx";
import { useTicker } from "./use-session.ts";

type Props = { session: Session; state: State; chat: Chat; onDialog: (kind: DialogKind) => void };

const kinds: Record<Chat["type"], string> = {
  single: "Direct message",
  group: "Group",
  private_channel: "Private channel",
  public_channel: "Public channel",
};

/** The context every message of a list shares, kept the same object while nothing in it changes. */
export function useMessageContext(
  session: Session,
  state: State,
  chat: Chat,
  inThread: boolean,
  shown: Message[],
): MessageContext {
  const { users, chats, me, workspace, editingId } = state;
  const directory = useMemo(() => directoryOf({ me, users, chats }), [me, users, chats]);
  const fileUrl = useCallback((url: string) => session.api.fileUrl(url), [session]);
  // The emoji data loads once a reaction is there to be drawn (or a picker opens).
  const emoji = useEmojiIndex(shown.some((message) => message.reactions.length > 0));
  return useMemo(
    () => ({
      session,
      chat,
      state: { me, workspace, users, editingId },
      directory,
      fileUrl,
      emoji,
      inThread,
    }),
    [session, chat, me, workspace, users, editingId, directory, fileUrl, emoji, inThread],
  );
}

/**
 * A message's link (`#message-N`, from "Copy link") scrolls it into view once it is drawn, and
 * `:target` marks it. Returns whether it did, so that the list stops holding to its newest end.
 */
export function useLinkedMessage(drawn: unknown, onFound?: () => void): boolean {
  const done = useRef<string | undefined>(undefined);
  const [found, setFound] = useState(false);
  useEffect(() => {
    const hash = location.hash;
    if (!hash.startsWith("#message-") || done.current === hash) return;
    const element = document.getElementById(hash.slice(1));
    if (!element) return;
    done.current = hash;
    // Told at once, not on the next render: the list must not scroll back to its newest end.
    onFound?.();
    // Navigating to the same fragment again, now that its element exists, scrolls to it and
    // makes it the :target (the first navigation, before the list was loaded, found nothing).
    location.replace(location.href);
    element.scrollIntoView({ block: "center" });
    setFound(true);
  }, [drawn]);
  return found;
}

/** Messages and what waits to be sent, with day dividers, grouped by sender. */
export function messageItems(
  messages: Message[],
  pending: PendingMessage[],
  context: MessageContext,
  today: string,
) {
  const { session, directory } = context;
  const me = context.state.me;
  const all = [...messages, ...pending];
  const dividers = dayDividers(
    all.map((item) => item.createdAt),
    new Date(today),
  );
  const continues = groupContinues(
    all.map((item) => ({ senderId: "id" in item ? item.senderId : me.id, ...item })),
    dividers,
  );
  return all.map((item, i) => {
    const divider = dividers[i];
    const key = "id" in item ? `m${item.id}` : `p${item.clientId}`;
    return [
      divider && <DayDivider key={`day-${key}`} label={divider} />,
      "id" in item ? (
        <MessageItem key={key} message={item} continues={continues[i] ?? false} context={context} />
      ) : (
        <PendingItem
          key={key}
          pending={item}
          me={me}
          directory={directory as Directory}
          continues={continues[i] ?? false}
          onDiscard={() => session.discard(item.clientId)}
        />
      ),
    ];
  });
}

export function ChatPane({ session, state, chat, onDialog }: Props) {
  const now = useTicker(1000);
  const list = state.messages[chat.id];
  const typing = typingIn(state, chat.id, now);
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const title = chatTitle(state, chat);
  const [showingPins, setShowingPins] = useState(false);
  // The list is drawn again when it changes and when a day begins ("Today" becomes
  // "Yesterday"), not on each keystroke in the composer.
  const today = new Date(now).toDateString();
  const { pending: outbox } = state;
  const pending = useMemo(
    () => outbox.filter((p) => p.chatId === chat.id && p.threadId === undefined),
    [outbox, chat.id],
  );
  const shown = list?.items ?? noMessages;
  const context = useMessageContext(session, state, chat, false, shown);
  const dividerAt = state.dividerAt[chat.id];
  const items = useMemo(
    () => withNewDivider(messageItems(shown, pending, context, today), shown, dividerAt),
    [shown, pending, context, today, dividerAt],
  );

  // Stay at the newest message unless the reader has scrolled up (or a link named a message);
  // keep the place when older messages are added above.
  const previousHeight = useRef(0);
  useLinkedMessage(items, () => {
    stick.current = false;
  });
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    if (stick.current) element.scrollTop = element.scrollHeight;
    else if (element.scrollHeight > previousHeight.current && element.scrollTop < 50) {
      element.scrollTop += element.scrollHeight - previousHeight.current;
    }
    previousHeight.current = element.scrollHeight;
  });

  useEffect(() => {
    stick.current = true;
  }, [chat.id]);

  // A chat named in a message (`<#N>`) opens in place, as from the sidebar, without loading the
  // page again. The links are rendered HTML, so one listener on the list serves them all.
  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const onClick = (event: MouseEvent) => {
      const link = (event.target as Element).closest?.("a.chat-mention");
      if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
      const chatId = chatIdFromPath(new URL((link as HTMLAnchorElement).href).pathname);
      if (chatId === undefined) return;
      event.preventDefault();
      session.attempt(() => session.openChat(chatId));
    };
    element.addEventListener("click", onClick);
    return () => element.removeEventListener("click", onClick);
  }, [session]);

  // Read when seen: the page visible and focused, and the list at its newest message.
  const latest = shown.at(-1)?.id;
  useEffect(() => {
    const seen = () => {
      const element = scroller.current;
      const atEnd =
        !element || element.scrollHeight - element.scrollTop - element.clientHeight < 40;
      if (document.visibilityState === "visible" && document.hasFocus() && atEnd) {
        session.attempt(() => session.markSeen(chat.id));
      }
    };
    seen();
    addEventListener("focus", seen);
    document.addEventListener("visibilitychange", seen);
    const element = scroller.current;
    element?.addEventListener("scroll", seen, { passive: true });
    return () => {
      removeEventListener("focus", seen);
      document.removeEventListener("visibilitychange", seen);
      element?.removeEventListener("scroll", seen);
    };
  }, [session, chat.id, latest]);

  function onScroll() {
    const element = scroller.current;
    if (!element) return;
    stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
    if (element.scrollTop < 40 && list?.hasOlder) session.attempt(() => session.loadOlder(chat.id));
  }

  return (
    <main class="chat-pane" aria-label={title}>
      <header class="chat-header">
        <button
          type="button"
          class="back"
          aria-label="Back to chats"
          onClick={() => session.attempt(() => session.openChat(undefined))}
        >
          ←
        </button>
        <div>
          <h2>{title}</h2>
          <p class="kind">
            {kinds[chat.type]} · {chat.members.length} members
          </p>
        </div>
        <button
          type="button"
          aria-expanded={showingPins}
          onClick={() => setShowingPins(!showingPins)}
        >
          Pinned
        </button>
        <button type="button" onClick={() => onDialog("settings")}>
          {chat.ownerId === state.me.id && chat.type !== "single" ? "Settings" : "Members"}
        </button>
        {chat.type !== "single" && (
          <button type="button" onClick={() => session.attempt(() => session.leave(chat.id))}>
            Leave
          </button>
        )}
      </header>
      {showingPins && (
        <PinnedList
          session={session}
          state={state}
          chat={chat}
          context={context}
          onClose={() => setShowingPins(false)}
        />
      )}
      <div class="messages" ref={scroller} onScroll={onScroll}>
        {list?.hasOlder && <p class="older">Scroll up for older messages</p>}
        <ol aria-live="polite" aria-label="Messages">
          {items}
        </ol>
      </div>
      <p class="typing" aria-live="polite">
        {typing.length > 0 &&
          `${typing.map((user) => user.fullname).join(", ")} ${typing.length > 1 ? "are" : "is"} typing…`}
      </p>
      {chat.archived ? (
        <p class="archived-note" role="status">
          This channel is archived: it can be read but takes no messages.
        </p>
      ) : (
        <Composer
          session={session}
          state={state}
          chatId={chat.id}
          label={`Message ${title}`}
          onEditLast={() => {
            const last = lastOwnMessage(shown, state.me.id);
            if (last) session.startEditing(last.id);
            return last !== undefined;
          }}
        />
      )}
    </main>
  );
}

const noMessages: Message[] = [];

/**
 * "New messages" before the first message above the marker the chat was opened at (after that
 * message's day divider, if it has one).
 */
function withNewDivider(items: unknown[][], shown: Message[], dividerAt: number | undefined) {
  if (dividerAt === undefined) return items;
  const at = shown.findIndex((message) => message.id > dividerAt);
  const pair = items[at];
  if (at < 0 || !pair) return items;
  const divider = (
    <li key="new-messages" class="new-divider">
      <span>New messages</span>
    </li>
  );
  return [...items.slice(0, at), [pair[0], divider, ...pair.slice(1)], ...items.slice(at + 1)];
}
