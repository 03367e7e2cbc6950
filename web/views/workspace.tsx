// The signed-in layout: the sidebar, the open chat (and the thread open beside it), and whichever
// dialog is open. The open chat and thread are in the URL, so that Back and Forward move between
// chats and Back closes a thread.
import { useEffect, useState } from "preact/hooks";
import { showNotification } from "../state/notifications.ts";
import { chatPath, routeFromPath } from "../state/route.ts";
import type { Session } from "../state/session.ts";
import { attention, chatTitle } from "../state/store.ts";
import { ChatPane } from "./chat-pane.tsx";
import { type DialogKind, Dialogs } from "./dialogs.tsx";
import { PeopleDialog, type PeopleView } from "./people.tsx";
import { SearchPanel } from "./search.tsx";
import { Sidebar } from "./sidebar.tsx";
import { ThreadPane } from "./thread-pane.tsx";
import { useSessionState } from "./use-session.ts";

export function WorkspaceView({ session }: { session: Session }) {
  const state = useSessionState(session);
  const [dialog, setDialog] = useState<DialogKind>();
  const [people, setPeople] = useState<PeopleView>();
  const [searching, setSearching] = useState(false);
  const open = state.openChatId === undefined ? undefined : state.chats[state.openChatId];
  const title = open ? chatTitle(state, open) : undefined;

  useEffect(() => {
    const path = chatPath(state.openChatId, state.openThreadId);
    if (location.pathname === path) return;
    // A chat or thread that is gone (deleted, left, or never ours) is replaced in the history,
    // not kept.
    const shown = routeFromPath(location.pathname);
    const gone =
      (shown.chatId !== undefined && !state.chats[shown.chatId]) ||
      (shown.threadId !== undefined &&
        shown.chatId === state.openChatId &&
        state.openThreadId === undefined &&
        state.notice !== undefined);
    if (gone) history.replaceState(null, "", path);
    else history.pushState(null, "", path);
  }, [state.openChatId, state.openThreadId]);

  useEffect(() => {
    const onBackOrForward = () => {
      const route = routeFromPath(location.pathname);
      session.attempt(() => session.openChat(route.chatId, route.threadId));
    };
    addEventListener("popstate", onBackOrForward);
    return () => removeEventListener("popstate", onBackOrForward);
  }, [session]);

  // Ctrl+K (⌘K on a Mac) opens search from anywhere, as in Slack.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        setSearching(true);
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  // The tab shows what waits: "(3) …" unread, "(3 @1) …" with a mention, and so does its icon.
  const { unread, mentions } = attention(state);
  useEffect(() => {
    const counts =
      unread + mentions === 0 ? "" : mentions > 0 ? `(${unread} @${mentions}) ` : `(${unread}) `;
    document.title = `${counts}${title ? `${title} · ` : ""}${state.workspace.name}`;
    setFavicon(unread, mentions);
  }, [title, state.workspace.name, unread, mentions]);

  // Desktop notifications for what arrives while this tab is hidden (a push reaches the closed).
  useEffect(() => session.onNotify(showNotification), [session]);

  return (
    <div
      class={`workspace ${state.openChatId !== undefined ? "has-chat" : ""} ${
        open && state.openThreadId !== undefined ? "has-thread" : ""
      }`}
    >
      <Sidebar
        session={session}
        state={state}
        onDialog={setDialog}
        onPeople={setPeople}
        onSearch={() => setSearching(true)}
      />
      {open ? (
        <div class="conversation">
          <ChatPane
            key={open.id}
            session={session}
            state={state}
            chat={open}
            onDialog={setDialog}
          />
          {state.openThreadId !== undefined && (
            <ThreadPane
              key={state.openThreadId}
              session={session}
              state={state}
              chat={open}
              rootId={state.openThreadId}
            />
          )}
        </div>
      ) : (
        <main class="empty-pane">
          {/* A chat named by the URL shows once the chats are loaded. */}
          <p>
            {state.openChatId === undefined
              ? "Pick a chat, or start one from the sidebar."
              : "Loading…"}
          </p>
        </main>
      )}
      {state.notice && (
        <div class="notice" role="alert">
          {state.notice}
          <button type="button" onClick={() => session.dismissNotice()}>
            Dismiss
          </button>
        </div>
      )}
      {people && (
        <PeopleDialog
          kind={people}
          session={session}
          state={state}
          onClose={() => setPeople(undefined)}
        />
      )}
      {searching && (
        <SearchPanel session={session} state={state} onClose={() => setSearching(false)} />
      )}
      {dialog && (
        <Dialogs
          kind={dialog}
          session={session}
          state={state}
          onClose={() => setDialog(undefined)}
        />
      )}
    </div>
  );
}

/** The tab's icon: a speech bubble, with a red dot and count when something is unread. */
function setFavicon(unread: number, mentions: number): void {
  const count = mentions > 0 ? `@${mentions}` : unread > 0 ? String(Math.min(unread, 99)) : "";
  const badge = count
    ? `<circle cx="46" cy="18" r="18" fill="#e01e5a"/><text x="46" y="25" font-size="${count.length > 2 ? 15 : 20}" text-anchor="middle" fill="#fff" font-family="sans-serif" font-weight="bold">${count}</text>`
    : "";
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect x="4" y="10" width="48" height="38" rx="10" fill="#4a154b"/><path d="M14 48 l0 12 l12 -12z" fill="#4a154b"/>${badge}</svg>`;
  let link = document.querySelector<HTMLLinkElement>("link[rel=icon]");
  if (!link) {
    link = document.createElement("link");
    link.rel = "icon";
    document.head.append(link);
  }
  link.href = `data:image/svg+xml,${encodeURIComponent(svg)}`;
  link.dataset.count = count;
}
