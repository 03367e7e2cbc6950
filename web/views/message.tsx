// One message: its content rendered from Markdown (rich-text.tsx), images inline, other files as
// links. A message that continues its sender's group shows neither name nor avatar again.
import { avatarColour, initials } from "../state/avatar.ts";
import { type Directory, mentions } from "../state/markdown.ts";
import type { Message, PendingMessage, State, User } from "../state/store.ts";
import { RichText } from "./rich-text.tsx";

const imageTypes = /\.(png|jpe?g|gif|webp|avif)$/i;

export function Avatar({ userId, name }: { userId: number; name: string }) {
  return (
    <span class="avatar" style={{ background: avatarColour(userId) }} aria-hidden="true">
      {initials(name)}
    </span>
  );
}

export function Files({ files, fileUrl }: { files: string[]; fileUrl: (url: string) => string }) {
  if (files.length === 0) return null;
  return (
    <ul class="files">
      {files.map((url) => (
        <li key={url}>
          {imageTypes.test(url) ? (
            <a href={fileUrl(url)} target="_blank" rel="noopener noreferrer">
              <img src={fileUrl(url)} alt={url.split("/").pop()} loading="lazy" />
            </a>
          ) : (
            // A message carries URLs only; the download itself gets the file's own name.
            <a href={fileUrl(url)} download class="file-link">
              {(url.split(".").pop() ?? "").toUpperCase()} file
            </a>
          )}
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
const fullTime = (iso: string) =>
  new Date(iso).toLocaleString([], { dateStyle: "full", timeStyle: "short" });

export function MessageItem({
  message,
  users,
  directory,
  continues,
  fileUrl,
}: {
  message: Message;
  users: State["users"];
  directory: Directory;
  continues: boolean;
  fileUrl: (url: string) => string;
}) {
  const sender = users[message.senderId]?.fullname ?? `user ${message.senderId}`;
  // Mentions of the reader stand out, except in the reader's own messages.
  const mentionsMe = message.senderId !== directory.me && mentions(message.content, directory.me);
  const stamp = (
    <time dateTime={message.createdAt} title={fullTime(message.createdAt)}>
      {continues ? shortTime(message.createdAt) : time(message.createdAt)}
    </time>
  );
  return (
    <li
      class={`message${continues ? " continued" : ""}${mentionsMe ? " mentions-me" : ""}`}
      data-message-id={message.id}
    >
      <div class="gutter">
        {continues ? stamp : <Avatar userId={message.senderId} name={sender} />}
      </div>
      <div class="body">
        {!continues && (
          <header>
            <strong>{sender}</strong> {stamp}
          </header>
        )}
        {mentionsMe && <span class="visually-hidden">Mentions you:</span>}
        {message.content && <RichText content={message.content} directory={directory} />}
        <Files files={message.files} fileUrl={fileUrl} />
      </div>
    </li>
  );
}

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
