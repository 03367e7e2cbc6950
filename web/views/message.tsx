// One message: its content rendered from Markdown (rich-text.tsx), its attachments (images as
// thumbnails), its reactions, its thread's reply count, and the actions a hover (or a long press
// on a phone) offers. A message that continues its sender's group shows neither name nor avatar
// again. A deleted root that still has replies shows as a tombstone.
import { useEffect, useRef, useState } from "preact/hooks";
import { type EmojiIndex, emojiCharacter } from "../state/emoji.ts";
import { type Directory, mentions } from "../state/markdown.ts";
import { chatPath } from "../state/route.ts";
import type { Session } from "../state/session.ts";
import {
  type Chat,
  canDelete,
  canEdit,
  type FileInfo,
  type Message,
  type PendingMessage,
  replyLabel,
  type State,
  type User,
} from "../state/store.ts";
import { Avatar, avatarSrc } from "./avatar.tsx";
import { Confirm } from "./dialogs.tsx";
import { EditHistory } from "./edit-history.tsx";
import { EmojiPicker } from "./emoji-picker.tsx";
import { RichText } from "./rich-text.tsx";

export { Avatar };

/** "2.4 MB", "812 bytes". */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  const units = ["KB", "MB", "GB"];
  let size = bytes / 1024;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return `${size < 10 ? size.toFixed(1) : Math.round(size)} ${units[unit]}`;
}

const viewableImages = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/avif",
]);

/** Each file with its name, size and type; images as thumbnails that open full size. */
export function Attachments({
  files,
  fileUrl,
}: {
  files: FileInfo[];
  fileUrl: (url: string) => string;
}) {
  if (files.length === 0) return null;
  return (
    <ul class="files" aria-label="Attachments">
      {files.map((file) => (
        <li key={file.url} class={viewableImages.has(file.type) ? "image" : "file"}>
          {viewableImages.has(file.type) ? (
            <a href={fileUrl(file.url)} target="_blank" rel="noopener noreferrer" title={file.name}>
              <img src={fileUrl(file.url)} alt={file.name} loading="lazy" />
            </a>
          ) : (
            <a href={fileUrl(file.url)} download={file.name} class="file-link">
              {file.name}
            </a>
          )}
          <span class="file-meta">
            {fileSize(file.size)} · {file.type}
          </span>
        </li>
      ))}
    </ul>
  );
}

const time = (iso: string) =>
  new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
/** The time without AM/PM, which the narrow gutter of a grouped message has no room for. */
const shortTime = (iso: string) =>
  new Intl.DateTimeFormat([], { hour: "numeric", minute: "2-digit" })
    .formatToParts(new Date(iso))
    .filter((part) => part.type !== "dayPeriod")
    .map((part) => part.value)
    .join("")
    .trim();
export const fullTime = (iso: string) =>
  new Date(iso).toLocaleString([], { dateStyle: "full", timeStyle: "short" });
/** "10:42" today, else "Mar 3, 10:42". */
const whenShort = (iso: string) => {
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString()
    ? time(iso)
    : date.toLocaleString([], {
        month: "short",
        day: "numeric",
        hour: "2-digit",
        minute: "2-digit",
      });
};

/** What a message needs to draw itself and its actions, the same for every message of a list. */
export type MessageContext = {
  session: Session;
  chat: Chat;
  state: Pick<State, "me" | "workspace" | "users" | "editingId">;
  directory: Directory;
  fileUrl: (url: string) => string;
  emoji: EmojiIndex | undefined;
  /** In the thread pane: replies have no thread of their own, and the root shows no count. */
  inThread: boolean;
};

/** The link to a message: its chat, or for a reply its thread, with the message as the hash. */
export function messageLink(message: Message): string {
  const path = chatPath(message.chatId, message.threadId ?? undefined);
  return `${location.origin}${path}#message-${message.id}`;
}

const longPressMs = 500;

export function MessageItem({
  message,
  continues,
  context,
}: {
  message: Message;
  continues: boolean;
  context: MessageContext;
}) {
  const { session, chat, state, directory, fileUrl, emoji, inThread } = context;
  const me = state.me.id;
  const sender = state.users[message.senderId]?.fullname ?? `user ${message.senderId}`;
  const [actionsOpen, setActionsOpen] = useState(false);
  const [picking, setPicking] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [showingEdits, setShowingEdits] = useState(false);
  const [copied, setCopied] = useState(false);
  const press = useRef<ReturnType<typeof setTimeout>>(undefined);
  const editing = state.editingId === message.id;
  // Mentions of the reader stand out, except in the reader's own messages.
  const mentionsMe = message.senderId !== me && !message.deleted && mentions(message.content, me);
  const stamp = (
    <time dateTime={message.createdAt} title={fullTime(message.createdAt)}>
      {continues ? shortTime(message.createdAt) : time(message.createdAt)}
    </time>
  );
  const classes = [
    "message",
    continues && "continued",
    mentionsMe && "mentions-me",
    message.pinned && "pinned",
    message.deleted && "deleted",
    actionsOpen && "actions-open",
    editing && "editing",
  ].filter(Boolean);
  const openThread = () => session.attempt(() => session.openThread(message.id));
  const isRoot = message.threadId === null;

  return (
    <li
      class={classes.join(" ")}
      data-message-id={message.id}
      id={`message-${message.id}`}
      // A long press on a touch screen shows the actions that a hover shows elsewhere.
      onTouchStart={() => {
        press.current = setTimeout(() => setActionsOpen(true), longPressMs);
      }}
      onTouchEnd={() => clearTimeout(press.current)}
      onTouchMove={() => clearTimeout(press.current)}
      onMouseLeave={() => setActionsOpen(false)}
    >
      <div class="gutter">
        {continues ? (
          stamp
        ) : (
          <Avatar
            userId={message.senderId}
            name={sender}
            src={avatarSrc(session, message.senderId)}
          />
        )}
      </div>
      <div class="body">
        {!continues && (
          <header>
            <strong>{sender}</strong>
            {/* Bots and webhooks post as users of their own: say that no person wrote this. */}
            {state.users[message.senderId]?.bot && (
              <span class="app-badge" title="Posted by an app">
                APP
              </span>
            )}{" "}
            {stamp}
          </header>
        )}
        {message.pinned && (
          <p class="pinned-marker">
            <PinIcon /> Pinned
          </p>
        )}
        {mentionsMe && <span class="visually-hidden">Mentions you:</span>}
        {message.deleted ? (
          <p class="tombstone">This message was deleted</p>
        ) : editing ? (
          <MessageEditor session={session} message={message} />
        ) : (
          <>
            {message.content && <RichText content={message.content} directory={directory} />}
            {message.editedAt && (
              <button
                type="button"
                class="edited link"
                title={`Edited ${fullTime(message.editedAt)}: show the earlier versions`}
                onClick={() => setShowingEdits(true)}
              >
                (edited)
              </button>
            )}
          </>
        )}
        {!message.deleted && <Attachments files={message.attachments} fileUrl={fileUrl} />}
        {message.reactions.length > 0 && (
          <ul class="reactions" aria-label="Reactions">
            {message.reactions.map((reaction) => {
              const mine = reaction.userIds.includes(me);
              const names = reaction.userIds.map((id) => state.users[id]?.fullname ?? `user ${id}`);
              const character = emojiCharacter(emoji, reaction.emoji);
              return (
                <li key={reaction.emoji}>
                  <button
                    type="button"
                    class={mine ? "reaction mine" : "reaction"}
                    aria-pressed={mine}
                    title={`${names.join(", ")} reacted with :${reaction.emoji}:`}
                    aria-label={`:${reaction.emoji}: ${reaction.userIds.length}, ${names.join(", ")}`}
                    onClick={() =>
                      session.attempt(() => session.toggleReaction(message, reaction.emoji))
                    }
                  >
                    <span class="emoji">{character ?? `:${reaction.emoji}:`}</span>
                    <span class="count">{reaction.userIds.length}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        )}
        {isRoot && !inThread && message.replyCount > 0 && (
          <p class="thread-summary">
            <button type="button" class="link replies" onClick={openThread}>
              {replyLabel(message.replyCount)}
            </button>
            {message.lastReplyAt && (
              <span title={fullTime(message.lastReplyAt)}>
                {" · last reply "}
                {whenShort(message.lastReplyAt)}
              </span>
            )}
          </p>
        )}
      </div>
      {!message.deleted && !editing && (
        <div class="actions" role="toolbar" aria-label="Message actions">
          {/* An archived channel is read-only: only its links can be copied. */}
          {!chat.archived && (
            <>
              {isRoot && !inThread && (
                <button type="button" onClick={openThread}>
                  Reply in thread
                </button>
              )}
              <button type="button" onClick={() => setPicking(true)}>
                React
              </button>
              {canEdit(message, me) && (
                <button type="button" onClick={() => session.startEditing(message.id)}>
                  Edit
                </button>
              )}
              {canDelete(message, chat, state) && (
                <button type="button" onClick={() => setConfirming(true)}>
                  Delete
                </button>
              )}
              <button
                type="button"
                onClick={() => session.attempt(() => session.togglePin(message))}
              >
                {message.pinned ? "Unpin" : "Pin"}
              </button>
            </>
          )}
          <button
            type="button"
            onClick={() =>
              session.attempt(async () => {
                await navigator.clipboard.writeText(messageLink(message));
                setCopied(true);
                setTimeout(() => setCopied(false), 1500);
              })
            }
          >
            {copied ? "Copied" : "Copy link"}
          </button>
        </div>
      )}
      {picking && (
        <EmojiPicker
          session={session}
          onPick={(name) => {
            setPicking(false);
            if (!message.reactions.some((r) => r.emoji === name && r.userIds.includes(me)))
              session.attempt(() => session.toggleReaction(message, name));
          }}
          onClose={() => setPicking(false)}
        />
      )}
      {confirming && (
        <Confirm
          title="Delete this message?"
          text="It is deleted for everyone in this chat, with its files and reactions. This cannot be undone."
          action="Delete"
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            session.attempt(() => session.deleteMessage(message));
          }}
        />
      )}
      {showingEdits && (
        <EditHistory
          session={session}
          message={message}
          directory={directory}
          onClose={() => setShowingEdits(false)}
        />
      )}
    </li>
  );
}

/** Editing in place: Enter saves, Shift+Enter is a new line, Escape cancels. */
function MessageEditor({ session, message }: { session: Session; message: Message }) {
  const [text, setText] = useState(message.content);
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const element = input.current;
    if (!element) return;
    element.focus();
    element.setSelectionRange(element.value.length, element.value.length);
  }, []);
  // Back to the composer the edit started from (the chat's or the thread's).
  const done = () => {
    const composer = input.current
      ?.closest(".chat-pane, .thread-pane")
      ?.querySelector<HTMLTextAreaElement>(".composer textarea");
    session.startEditing(undefined);
    composer?.focus();
  };
  const save = () => {
    if (text.trim() === "" && message.files.length === 0) return;
    session.attempt(async () => {
      await session.saveEdit(message, text);
      done();
    });
  };
  return (
    <form
      class="editor"
      onSubmit={(event) => {
        event.preventDefault();
        save();
      }}
    >
      <textarea
        ref={input}
        value={text}
        aria-label="Edit message"
        rows={Math.min(8, text.split("\n").length)}
        onInput={(event) => setText(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.isComposing) return;
          if (event.key === "Escape") {
            event.preventDefault();
            done();
          } else if (event.key === "Enter" && !event.shiftKey) {
            event.preventDefault();
            save();
          }
        }}
      />
      <div class="editor-actions">
        <button type="button" onClick={done}>
          Cancel
        </button>
        <button type="submit">Save</button>
        <span class="hint">Enter saves · Escape cancels</span>
      </div>
    </form>
  );
}

export const PinIcon = () => (
  <svg
    width={12}
    height={12}
    viewBox="0 0 24 24"
    fill="none"
    stroke="currentColor"
    stroke-width={2}
    class="icon"
    aria-hidden="true"
  >
    <path d="M9 3h6l-1 6 4 4H6l4-4zM12 13v8" />
  </svg>
);

/** Where a new day begins in the list: "Today", "Yesterday", or the date. */
export function DayDivider({ label }: { label: string }) {
  return (
    <li class="day">
      <h3>{label}</h3>
    </li>
  );
}

export function PendingItem({
  pending,
  me,
  directory,
  continues,
  onDiscard,
}: {
  pending: PendingMessage;
  me: User;
  directory: Directory;
  continues: boolean;
  onDiscard: () => void;
}) {
  const state = <span class="state">{pending.failed ? "not sent" : "sending…"}</span>;
  return (
    <li
      class={`message pending${pending.failed ? " failed" : ""}${continues ? " continued" : ""}`}
      data-client-id={pending.clientId}
    >
      <div class="gutter">{continues ? state : <Avatar userId={me.id} name={me.fullname} />}</div>
      <div class="body">
        {!continues && (
          <header>
            <strong>{me.fullname}</strong> {state}
          </header>
        )}
        {pending.content && <RichText content={pending.content} directory={directory} />}
        {pending.failed && (
          <p class="error" role="alert">
            {pending.failed}{" "}
            <button type="button" class="link" onClick={onDiscard}>
              Discard
            </button>
          </p>
        )}
      </div>
    </li>
  );
}
