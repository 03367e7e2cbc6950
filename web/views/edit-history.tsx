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
    session.edits(message).then(setEdits, (failure: Error) => setError(failure.message));
  }, [session, message]);
  return (
    <dialog class="dialog" ref={dialog} onClose={onClose} aria-labelledby="edits-title">
      <h2 id="edits-title">Edit history</h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {edits === undefined && !error && <p>Loading…</p>}
      <ol class="edits" aria-label="Earlier versions">
        {edits?.map((edit) => (
          <li key={edit.replacedAt}>
            <RichText content={edit.content} directory={directory} />
            <p class="hint">Replaced {fullTime(edit.replacedAt)}</p>
          </li>
        ))}
        <li class="current">
          <RichText content={message.content} directory={directory} />
          <p class="hint">Now{message.editedAt ? `, since ${fullTime(message.editedAt)}` : ""}</p>
        </li>
      </ol>
      <button type="button" class="close" onClick={() => dialog.current?.close()}>
        Close
      </button>
    </dialog>
  );
}
