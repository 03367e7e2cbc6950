// Typing and sending: Enter sends, Shift+Enter is a new line; files by picker, drop or paste,
// with upload progress. Focus stays here.
import { useEffect, useRef, useState } from "preact/hooks";
import type { FileInfo } from "../state/api.ts";
import type { Session } from "../state/session.ts";
import { PaperclipIcon } from "./icons.tsx";

const typingEveryMs = 3000;

export function Composer({
  session,
  chatId,
  label,
}: {
  session: Session;
  chatId: number;
  label: string;
}) {
  const [text, setText] = useState("");
  const [attached, setAttached] = useState<FileInfo[]>([]);
  const [progress, setProgress] = useState<number>();
  const [error, setError] = useState<string>();
  const input = useRef<HTMLTextAreaElement>(null);
  const lastTyping = useRef(0);

  useEffect(() => input.current?.focus(), [chatId]);

  async function attach(files: File[]) {
    if (files.length === 0) return;
    setError(undefined);
    setProgress(0);
    try {
      const uploaded = await session.api.upload(files, setProgress);
      setAttached((current) => [...current, ...uploaded]);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setProgress(undefined);
      input.current?.focus();
    }
  }

  function send() {
    const content = text.trim();
    if (!content && attached.length === 0) return;
    session.send(
      chatId,
      content,
      attached.map((file) => file.url),
    );
    setText("");
    setAttached([]);
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
      {attached.length > 0 && (
        <ul class="attached" aria-label="Attached files">
          {attached.map((file) => (
            <li key={file.url}>
              {file.name}
              <button
                type="button"
                aria-label={`Remove ${file.name}`}
                onClick={() => setAttached((current) => current.filter((f) => f !== file))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {progress !== undefined && <progress value={progress} max={1} aria-label="Uploading" />}
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
          value={text}
          aria-label={label}
          placeholder={label}
          onInput={(event) => {
            setText(event.currentTarget.value);
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
        <button type="submit">Send</button>
      </div>
    </form>
  );
}
