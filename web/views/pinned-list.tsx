// A chat's pinned messages, most recently pinned first, opened from the chat's header. The list
// follows `message.updated` events while it is open (web/state/store.ts keeps it).
import { useEffect } from "preact/hooks";
import type { Session } from "../state/session.ts";
import type { Chat, State } from "../state/store.ts";
import { Attachments, fullTime, type MessageContext } from "./message.tsx";
import { RichText } from "./rich-text.tsx";

export function PinnedList({
  session,
  state,
  chat,
  context,
  onClose,
}: {
  session: Session;
  state: State;
  chat: Chat;
  context: MessageContext;
  onClose: () => void;
}) {
  const pinned = state.pins[chat.id];
  useEffect(() => {
    session.attempt(() => session.loadPins(chat.id));
  }, [session, chat.id]);
  return (
    <section
      class="pinned-list"
      aria-label="Pinned messages"
      onKeyDown={(event) => {
        if (event.key === "Escape") onClose();
      }}
    >
      <header>
        <h3>Pinned messages</h3>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </header>
      {pinned === undefined && <p class="hint">Loading…</p>}
      {pinned?.length === 0 && <p class="hint">Nothing is pinned in this chat yet.</p>}
      <ol>
        {pinned?.map((message) => (
          <li key={message.id} data-message-id={message.id}>
            <p class="meta">
              <strong>
                {state.users[message.senderId]?.fullname ?? `user ${message.senderId}`}
              </strong>{" "}
              <time dateTime={message.createdAt}>{fullTime(message.createdAt)}</time>
            </p>
            <RichText content={message.content} directory={context.directory} />
            <Attachments files={message.attachments} fileUrl={context.fileUrl} />
            <p class="pin-actions">
              {message.threadId !== null && (
                <button
                  type="button"
                  class="link"
                  onClick={() =>
                    session.attempt(() => session.openThread(message.threadId ?? undefined))
                  }
                >
                  Open thread
                </button>
              )}
              <button
                type="button"
                class="link"
                onClick={() => session.attempt(() => session.togglePin(message))}
              >
                Unpin
              </button>
            </p>
          </li>
        ))}
      </ol>
    </section>
  );
}
