// The open chat: its header, the message list (older pages load on scrolling up), who is typing,
// and the composer.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef } from "preact/hooks";
import { directoryOf } from "../state/markdown.ts";
import { chatIdFromPath } from "../state/route.ts";
import type { Session } from "../state/session.ts";
import {
  type Chat,
  chatTitle,
  dayDividers,
  groupContinues,
  type State,
  typingIn,
} from "../state/store.ts";
import { Composer } from "./composer.tsx";
import type { DialogKind } from "./dialogs.tsx";
import { DayDivider, MessageItem, PendingItem } from "./message.tsx";
import { useTicker } from "./use-session.ts";

type Props = { session: Session; state: State; chat: Chat; onDialog: (kind: DialogKind) => void };

const kinds: Record<Chat["type"], string> = {
  single: "Direct message",
  group: "Group",
  private_channel: "Private channel",
  public_channel: "Public channel",
};

export function ChatPane({ session, state, chat, onDialog }: Props) {
  const now = useTicker(1000);
  const list = state.messages[chat.id];
  const typing = typingIn(state, chat.id, now);
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const title = chatTitle(state, chat);
  const fileUrl = useCallback((url: string) => session.api.fileUrl(url), [session]);
  // The list is drawn again when it changes and when a day begins ("Today" becomes
  // "Yesterday"), not on each keystroke in the composer.
  const today = new Date(now).toDateString();
  const { users, chats, me, pending: outbox } = state;
  const pending = useMemo(() => outbox.filter((p) => p.chatId === chat.id), [outbox, chat.id]);
  const directory = useMemo(() => directoryOf({ me, users, chats }), [me, users, chats]);

  const items = useMemo(() => {
    const all = [...(list?.items ?? []), ...pending];
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
          <MessageItem
            key={key}
            message={item}
            users={users}
            directory={directory}
            continues={continues[i] ?? false}
            fileUrl={fileUrl}
          />
        ) : (
          <PendingItem
            key={key}
            pending={item}
            me={me}
            directory={directory}
            continues={continues[i] ?? false}
            onDiscard={() => session.discard(item.clientId)}
          />
        ),
      ];
    });
  }, [list, pending, users, me, directory, today, fileUrl, session]);

  // Stay at the newest message unless the reader has scrolled up; keep the place when older
  // messages are added above.
  const previousHeight = useRef(0);
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
        {chat.type !== "single" && (
          <button type="button" onClick={() => onDialog("settings")}>
            {chat.ownerId === state.me.id ? "Settings" : "Members"}
          </button>
        )}
        {chat.type !== "single" && (
          <button type="button" onClick={() => session.attempt(() => session.leave(chat.id))}>
            Leave
          </button>
        )}
      </header>
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
      <Composer session={session} state={state} chatId={chat.id} label={`Message ${title}`} />
    </main>
  );
}
