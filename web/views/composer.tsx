// Typing and sending: Enter sends, Shift+Enter is a new line; files by picker, drop or paste,
// with upload progress. What is typed and attached is the chat's draft (kept in the session, so
// it survives switching chats and reloads); Send waits until the draft's files are uploaded.
// Focus stays here.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Session } from "../state/session.ts";
import { emptyDraft, type State, uploadsIn } from "../state/store.ts";
import { PaperclipIcon } from "./icons.tsx";

const typingEveryMs = 3000;

export function Composer({
  session,
  state,
  chatId,
  label,
}: {
  session: Session;
  state: State;
  chatId: number;
  label: string;
}) {
  const draft = state.drafts[chatId] ?? emptyDraft;
  const uploads = uploadsIn(state, chatId);
  const [error, setError] = useState<string>();
  const input = useRef<HTMLTextAreaElement>(null);
  const lastTyping = useRef(0);

  useEffect(() => input.current?.focus(), [chatId]);

  function attach(files: File[]) {
    if (files.length === 0) return;
    setError(undefined);
    session
      .attach(chatId, files)
      .catch((failure: Error) => setError(failure.message))
      .finally(() => input.current?.focus());
  }

  function send() {
    if (!session.send(chatId)) return;
    // The next keystroke starts a new burst of typing, which others should see at once.
    lastTyping.current = 0;
    input.current?.focus();
  }

  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
      onDragOver={(event) => event.preventDefault()}
      onDrop={(event) => {
        event.preventDefault();
        attach([...(event.dataTransfer?.files ?? [])]);
      }}
    >
      {draft.files.length > 0 && (
        <ul class="attached" aria-label="Attached files">
          {draft.files.map((file) => (
            <li key={file.url}>
              {file.name}
              <button
                type="button"
                aria-label={`Remove ${file.name}`}
                onClick={() => session.removeFile(chatId, file.url)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {uploads.length > 0 && (
        <progress
          value={Math.min(...uploads.map((upload) => upload.fraction))}
          max={1}
          aria-label="Uploading"
        />
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="row">
        <label class="attach">
          <span class="visually-hidden">Attach files</span>
          <PaperclipIcon />
          <input
            type="file"
            multiple
            onChange={(event) => {
              const target = event.currentTarget;
              attach([...(target.files ?? [])]);
              target.value = "";
            }}
          />
        </label>
        <textarea
          ref={input}
          rows={1}
          value={draft.text}
          aria-label={label}
          placeholder={label}
          onInput={(event) => {
            session.draft(chatId, event.currentTarget.value);
            if (Date.now() - lastTyping.current > typingEveryMs) {
              lastTyping.current = Date.now();
              session.typing(chatId);
            }
          }}
          onKeyDown={(event) => {
            if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
              event.preventDefault();
              send();
            }
          }}
          onPaste={(event) => {
            const files = [...(event.clipboardData?.files ?? [])];
            if (files.length > 0) {
              event.preventDefault();
              attach(files);
            }
          }}
        />
        <button
          type="submit"
          disabled={uploads.length > 0}
          title={uploads.length > 0 ? "Send waits for the upload to finish" : undefined}
        >
          Send
        </button>
      </div>
    </form>
  );
}
