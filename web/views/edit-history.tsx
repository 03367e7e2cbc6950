// An edited message's earlier versions, oldest first, as the server keeps them.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Edit } from "../state/api.ts";
import type { Directory } from "../state/markdown.ts";
import type { Session } from "../state/session.ts";
import type { Message } from "../state/store.ts";
import { fullTime } from "./message.tsx";
import { RichText } from "./rich-text.tsx";

export function EditHistory({
  session,
  message,
  directory,
  onClose,
}: {
  session: Session;
  message: Message;
  directory: Directory;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [edits, setEdits] = useState<Edit[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  // Keyed by the message's id, not the object: any live change to the message (a reaction, a
  // read) hands a new object, and must not fetch the history again under the reader's eyes.
  const { chatId, id } = message;
  useEffect(() => {
    session.edits({ chatId, id }).then(setEdits, (failure: Error) => setError(failure.message));
  }, [session, chatId, id]);
  return (
    <dialog class="dialog" ref={dialog} onClose={onClose} aria-labelledby="edits-title">
      <h2 id="edits-title">Edit history</h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {edits === undefined && !error && <p>Loading…</p>}
      {/* Rendered once, whole, when loaded: a list that grew around the current version was
          seen in a Chromium test to hold one version's text twice for a moment. */}
      {edits && (
        <ol class="edits" aria-label="Earlier versions">
          {edits.map((edit) => (
            <li key={edit.replacedAt}>
              <RichText content={edit.content} directory={directory} />
              <p class="hint">Replaced {fullTime(edit.replacedAt)}</p>
            </li>
          ))}
          <li key="current" class="current">
            <RichText content={message.content} directory={directory} />
            <p class="hint">Now{message.editedAt ? `, since ${fullTime(message.editedAt)}` : ""}</p>
          </li>
        </ol>
      )}
      <button type="button" class="close" onClick={() => dialog.current?.close()}>
        Close
      </button>
    </dialog>
  );
}
