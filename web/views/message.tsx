// One message: always text (never HTML), links clickable, images inline, other files as links.
import type { Message, PendingMessage, State, User } from "../state/store.ts";
import { linkify } from "../state/store.ts";

const imageTypes = /\.(png|jpe?g|gif|webp|avif)$/i;

export function Text({ text }: { text: string }) {
  return (
    <p class="text">
      {linkify(text).map((part, i) =>
        "href" in part ? (
          <a key={i} href={part.href} target="_blank" rel="noopener noreferrer">
            {part.href}
          </a>
        ) : (
          part.text
        ),
      )}
    </p>
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
const fullTime = (iso: string) =>
  new Date(iso).toLocaleString([], { dateStyle: "full", timeStyle: "short" });

export function MessageItem({
  message,
  users,
  fileUrl,
}: {
  message: Message;
  users: State["users"];
  fileUrl: (url: string) => string;
}) {
  const sender = users[message.senderId]?.fullname ?? `user ${message.senderId}`;
  return (
    <li class="message" data-message-id={message.id}>
      <header>
        <strong>{sender}</strong>{" "}
        <time dateTime={message.createdAt} title={fullTime(message.createdAt)}>
          {time(message.createdAt)}
        </time>
      </header>
      {message.content && <Text text={message.content} />}
      <Files files={message.files} fileUrl={fileUrl} />
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
  onDiscard,
}: {
  pending: PendingMessage;
  me: User;
  onDiscard: () => void;
}) {
  return (
    <li
      class={`message pending ${pending.failed ? "failed" : ""}`}
      data-client-id={pending.clientId}
    >
      <header>
        <strong>{me.fullname}</strong>{" "}
        <span class="state">{pending.failed ? "not sent" : "sending…"}</span>
      </header>
      {pending.content && <Text text={pending.content} />}
      {pending.failed && (
        <p class="error" role="alert">
          {pending.failed}{" "}
          <button type="button" class="link" onClick={onDiscard}>
            Discard
          </button>
        </p>
      )}
    </li>
  );
}
