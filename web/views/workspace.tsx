// The signed-in layout: the sidebar, the open chat (and the thread open beside it), and whichever
// dialog is open. The open chat and thread are in the URL, so that Back and Forward move between
// chats and Back closes a thread.
import { useEffect, useState } from "preact/hooks";
import { chatPath, routeFromPath } from "../state/route.ts";
import type { Session } from "../state/session.ts";
import { chatTitle } from "../state/store.ts";
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

  useEffect(() => {
    document.title = title ? `${title} · ${state.workspace.name}` : state.workspace.name;
  }, [title, state.workspace.name]);

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
