// The signed-in layout: the sidebar, the open chat, and whichever dialog is open.
import { useState } from "preact/hooks";
import type { Session } from "../state/session.ts";
import { ChatPane } from "./chat-pane.tsx";
import { type DialogKind, Dialogs } from "./dialogs.tsx";
import { Sidebar } from "./sidebar.tsx";
import { useSessionState } from "./use-session.ts";

export function WorkspaceView({ session }: { session: Session }) {
  const state = useSessionState(session);
  const [dialog, setDialog] = useState<DialogKind>();
  const open = state.openChatId === undefined ? undefined : state.chats[state.openChatId];
  return (
    <div class={`workspace ${open ? "has-chat" : ""}`}>
      <Sidebar session={session} state={state} onDialog={setDialog} />
      {open ? (
        <ChatPane key={open.id} session={session} state={state} chat={open} onDialog={setDialog} />
      ) : (
        <main class="empty-pane">
          <p>Pick a chat, or start one from the sidebar.</p>
        </main>
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
