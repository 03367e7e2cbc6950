// A thread beside its chat (the whole screen on a phone): the root, its replies, and a composer
// that replies in the thread. It has a URL of its own, so that Back closes it.
import { useLayoutEffect, useMemo, useRef } from "preact/hooks";
import type { Session } from "../state/session.ts";
import {
  type Chat,
  chatTitle,
  lastOwnMessage,
  type Message,
  replyLabel,
  type State,
} from "../state/store.ts";
import { messageItems, useLinkedMessage, useMessageContext } from "./chat-pane.tsx";
import { Composer } from "./composer.tsx";
import { MessageItem } from "./message.tsx";
import { useTicker } from "./use-session.ts";

export function ThreadPane({
  session,
  state,
  chat,
  rootId,
}: {
  session: Session;
  state: State;
  chat: Chat;
  rootId: number;
}) {
  const now = useTicker(60_000);
  const today = new Date(now).toDateString();
  const thread = state.threads[rootId];
  const replies = thread?.items ?? noReplies;
  const shown = useMemo(() => (thread ? [thread.root, ...replies] : replies), [thread, replies]);
  const context = useMessageContext(session, state, chat, true, shown);
  const { pending: outbox } = state;
  const pending = useMemo(
    () => outbox.filter((p) => p.chatId === chat.id && p.threadId === rootId),
    [outbox, chat.id, rootId],
  );
  const items = useMemo(
    () => messageItems(replies, pending, context, today),
    [replies, pending, context, today],
  );
  const scroller = useRef<HTMLDivElement>(null);
  const count = replies.length + pending.length;
  const linked = useLinkedMessage(items);
  // The newest reply stays in view as replies arrive, unless a link named one.
  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && !linked) element.scrollTop = element.scrollHeight;
  }, [count, linked]);

  return (
    <aside class="thread-pane" aria-label="Thread">
      <header class="chat-header">
        <div>
          <h2>Thread</h2>
          <p class="kind">{chatTitle(state, chat)}</p>
        </div>
        <button
          type="button"
          aria-label="Close thread"
          onClick={() => session.attempt(() => session.openThread(undefined))}
        >
          Close
        </button>
      </header>
      <div class="messages" ref={scroller}>
        {thread ? (
          <>
            <ol aria-label="Thread root" class="root">
              <MessageItem message={thread.root} continues={false} context={context} />
            </ol>
            <p class="reply-count">
              {thread.root.replyCount > 0 ? replyLabel(thread.root.replyCount) : "No replies yet"}
            </p>
            {thread.hasOlder && (
              <button
                type="button"
                class="link older"
                onClick={() => session.attempt(() => session.loadOlderReplies(rootId))}
              >
                Earlier replies
              </button>
            )}
            <ol aria-live="polite" aria-label="Replies">
              {items}
            </ol>
          </>
        ) : (
          <p class="hint">Loading…</p>
        )}
      </div>
      {chat.archived ? (
        <p class="archived-note">This channel is archived: it takes no replies.</p>
      ) : (
        <Composer
          session={session}
          state={state}
          chatId={chat.id}
          threadId={rootId}
          label="Reply in thread"
          onEditLast={() => {
            const last = lastOwnMessage(replies, state.me.id);
            if (last) session.startEditing(last.id);
            return last !== undefined;
          }}
        />
      )}
    </aside>
  );
}

const noReplies: Message[] = [];
