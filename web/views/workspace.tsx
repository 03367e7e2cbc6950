// The signed-in layout: the sidebar, the open chat, and whichever dialog is open. The open chat
// is in the URL, so that Back and Forward move between chats.
import { useEffect, useState } from "preact/hooks";
import { chatIdFromPath, chatPath } from "../state/route.ts";
import type { Session } from "../state/session.ts";
import { chatTitle } from "../state/store.ts";
import { ChatPane } from "./chat-pane.tsx";
import { type DialogKind, Dialogs } from "./dialogs.tsx";
import { Sidebar } from "./sidebar.tsx";
import { useSessionState } from "./use-session.ts";

export function WorkspaceView({ session }: { session: Session }) {
  const state = useSessionState(session);
  const [dialog, setDialog] = useState<DialogKind>();
  const open = state.openChatId === undefined ? undefined : state.chats[state.openChatId];
  const title = open ? chatTitle(state, open) : undefined;

  useEffect(() => {
    const path = chatPath(state.openChatId);
    if (location.pathname === path) return;
    // A chat that is gone (deleted, left, or never ours) is replaced in the history, not kept.
    const shown = chatIdFromPath(location.pathname);
    if (shown !== undefined && !state.chats[shown]) history.replaceState(null, "", path);
    else history.pushState(null, "", path);
  }, [state.openChatId]);

  useEffect(() => {
    const onBackOrForward = () =>
      session.attempt(() => session.openChat(chatIdFromPath(location.pathname)));
    addEventListener("popstate", onBackOrForward);
    return () => removeEventListener("popstate", onBackOrForward);
  }, [session]);

  useEffect(() => {
    document.title = title ? `${title} · ${state.workspace.name}` : state.workspace.name;
  }, [title, state.workspace.name]);

  return (
    <div class={`workspace ${state.openChatId !== undefined ? "has-chat" : ""}`}>
      <Sidebar session={session} state={state} onDialog={setDialog} />
      {open ? (
        <ChatPane key={open.id} session={session} state={state} chat={open} onDialog={setDialog} />
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
