// The search panel (Ctrl+K / ⌘K): a query with filters (a chat, a person, days), the results with
// their matches marked, and a click that opens the message in its chat with the messages around.
import { useEffect, useRef, useState } from "preact/hooks";
import type { SearchAnswer, SearchQuery } from "../state/api.ts";
import { chatPath } from "../state/route.ts";
import { dayBounds, snippetParts } from "../state/search.ts";
import type { Session } from "../state/session.ts";
import { chatTitle, type Message, type State } from "../state/store.ts";

type Props = { session: Session; state: State; onClose: () => void };
type Result = SearchAnswer["results"][number];

export function SearchPanel({ session, state, onClose }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [q, setQ] = useState("");
  const [chatId, setChatId] = useState(state.openChatId ? String(state.openChatId) : "");
  const [senderId, setSenderId] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [results, setResults] = useState<Result[]>();
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  const asked = useRef<SearchQuery | undefined>(undefined);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const run = async (more: boolean) => {
    setError(undefined);
    const query: SearchQuery = more
      ? { ...(asked.current as SearchQuery), cursor: next ?? undefined }
      : {
          q: q.trim(),
          chatId: chatId ? Number(chatId) : undefined,
          senderId: senderId ? Number(senderId) : undefined,
          ...dayBounds(from, to),
        };
    if (!query.q) return;
    asked.current = query;
    try {
      const answer = await session.api.search(query);
      setResults(more ? [...(results ?? []), ...answer.results] : answer.results);
      setNext(answer.next);
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  const open = (message: Message) => {
    // The URL first, with the message as its fragment: the chat scrolls to it once drawn.
    const anchor = message.threadId ?? message.id;
    history.pushState(
      null,
      "",
      `${chatPath(message.chatId, message.threadId ?? undefined)}#message-${anchor}`,
    );
    dialog.current?.close();
    session.attempt(() => session.openMessage(message));
  };

  const chats = Object.values(state.chats)
    .map((chat) => ({ id: chat.id, title: chatTitle(state, chat) }))
    .sort((a, b) => a.title.localeCompare(b.title));
  const people = Object.values(state.users).sort((a, b) => a.fullname.localeCompare(b.fullname));

  return (
    <dialog class="dialog search" ref={dialog} onClose={onClose} aria-labelledby="search-title">
      <h2 id="search-title">Search</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void run(false);
        }}
      >
        <input
          type="search"
          aria-label="Search messages"
          placeholder='Words, "a phrase", -not'
          maxLength={200}
          value={q}
          onInput={(event) => setQ(event.currentTarget.value)}
          autoFocus
        />
        <div class="filters">
          <label>
            In
            <select value={chatId} onChange={(event) => setChatId(event.currentTarget.value)}>
              <option value="">any chat</option>
              {chats.map((chat) => (
                <option key={chat.id} value={chat.id}>
                  {chat.title}
                </option>
              ))}
            </select>
          </label>
          <label>
            From
            <select value={senderId} onChange={(event) => setSenderId(event.currentTarget.value)}>
              <option value="">anyone</option>
              {people.map((user) => (
                <option key={user.id} value={user.id}>
                  {user.fullname}
                </option>
              ))}
            </select>
          </label>
          <label>
            Since
            <input type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
          </label>
          <label>
            Until
            <input type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
          </label>
        </div>
        <button type="submit">Search</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {results && (
        <ul class="results" aria-label="Search results">
          {results.length === 0 && <li class="none">No messages match.</li>}
          {results.map(({ message, snippet }) => {
            const chat = state.chats[message.chatId];
            return (
              <li key={message.id}>
                <button type="button" onClick={() => open(message)}>
                  <span class="where">
                    {chat ? chatTitle(state, chat) : "a channel"} ·{" "}
                    {state.users[message.senderId]?.fullname ?? "someone"} ·{" "}
                    {new Date(message.createdAt).toLocaleString([], {
                      dateStyle: "medium",
                      timeStyle: "short",
                    })}
                  </span>
                  <span class="snippet">
                    {snippetParts(snippet).map((part, i) =>
                      part.match ? <mark key={i}>{part.text}</mark> : part.text,
                    )}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {next && (
        <button type="button" class="link" onClick={() => void run(true)}>
          More results
        </button>
      )}
      <button type="button" class="close" onClick={() => dialog.current?.close()}>
        Close
      </button>
    </dialog>
  );
}
