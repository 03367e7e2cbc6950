// Typing and sending: Enter sends, Shift+Enter is a new line; files by picker, drop or paste,
// with upload progress. What is typed and attached is the chat's draft (kept in the session, so
// it survives switching chats and reloads); Send waits until the draft's files are uploaded.
// Focus stays here. `@` opens a picker of the chat's members, which inserts a mention (`<@id>`);
// `:name` one of emoji, which inserts the character. Up in an empty composer edits one's last
// message. With `threadId` it replies in that thread.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import {
  type Emoji,
  type EmojiQuery,
  emojiQuery,
  insertEmoji,
  searchEmoji,
} from "../state/emoji.ts";
import {
  type Candidate,
  insertMention,
  type MentionQuery,
  mentionCandidates,
  mentionQuery,
} from "../state/mention-picker.ts";
import type { Session } from "../state/session.ts";
import { draftOf, type State, type User, uploadsIn } from "../state/store.ts";
import { useEmojiIndex } from "./emoji-picker.tsx";
import { PaperclipIcon } from "./icons.tsx";
import { Avatar } from "./message.tsx";

const typingEveryMs = 3000;

export function Composer({
  session,
  state,
  chatId,
  threadId,
  label,
  onEditLast,
}: {
  session: Session;
  state: State;
  chatId: number;
  threadId?: number;
  label: string;
  /** Up in an empty composer: edit one's last message; false if there is none. */
  onEditLast?: () => boolean;
}) {
  const draft = draftOf(state, chatId, threadId);
  const uploads = uploadsIn(state, chatId, threadId);
  const [error, setError] = useState<string>();
  const input = useRef<HTMLTextAreaElement>(null);
  const lastTyping = useRef(0);
  const [query, setQuery] = useState<MentionQuery>();
  const [active, setActive] = useState(0);
  // The `@` whose picker Escape closed: it stays closed until another `@` is typed.
  const dismissed = useRef<number | undefined>(undefined);
  const caretAfterInsert = useRef<number | undefined>(undefined);

  const chat = state.chats[chatId];
  const members = (chat?.members ?? [])
    .map((id) => state.users[id])
    .filter((user): user is User => user !== undefined);
  const candidates = query
    ? mentionCandidates(members, state.me.id, query.query, {
        everyone: chat?.type !== "single",
      })
    : [];
  const [emojiAt, setEmojiAt] = useState<EmojiQuery>();
  const emojiIndex = useEmojiIndex(emojiAt !== undefined);
  const emojiFound: Emoji[] =
    emojiAt && emojiIndex ? searchEmoji(emojiIndex, emojiAt.query, session.emojiUsage(), 8) : [];
  const mentionOpen = candidates.length > 0;
  const pickerOpen = mentionOpen || emojiFound.length > 0;
  const pickerId = `mention-picker-${chatId}${threadId ? `-${threadId}` : ""}`;
  const optionId = (i: number) => `${pickerId}-${i}`;

  useEffect(() => input.current?.focus(), [chatId, threadId]);

  useLayoutEffect(() => {
    const caret = caretAfterInsert.current;
    if (caret === undefined || !input.current) return;
    caretAfterInsert.current = undefined;
    input.current.setSelectionRange(caret, caret);
  });

  /** Looks at the `@` word before the caret, if any, after each change of text or caret. */
  function findQuery(element: HTMLTextAreaElement) {
    const found =
      element.selectionStart === element.selectionEnd
        ? mentionQuery(element.value, element.selectionStart)
        : undefined;
    if (found?.start !== dismissed.current) dismissed.current = undefined;
    const next = found && found.start !== dismissed.current ? found : undefined;
    if (next?.start !== query?.start || next?.query !== query?.query) setActive(0);
    setQuery(next);
    const colon =
      !next && element.selectionStart === element.selectionEnd
        ? emojiQuery(element.value, element.selectionStart)
        : undefined;
    const shown = colon && colon.start !== dismissed.current ? colon : undefined;
    if (shown?.start !== emojiAt?.start || shown?.query !== emojiAt?.query) setActive(0);
    setEmojiAt(shown);
  }

  function chooseEmoji(emoji: Emoji) {
    const element = input.current;
    if (!element || !emojiAt) return;
    const inserted = insertEmoji(element.value, emojiAt, element.selectionStart, emoji.native);
    caretAfterInsert.current = inserted.caret;
    setEmojiAt(undefined);
    session.emojiChosen(emoji.name);
    session.draft(chatId, inserted.text, threadId);
    element.focus();
  }

  function choose(candidate: Candidate) {
    const element = input.current;
    if (!element || !query) return;
    const inserted = insertMention(element.value, query, element.selectionStart, candidate);
    caretAfterInsert.current = inserted.caret;
    setQuery(undefined);
    session.draft(chatId, inserted.text, threadId);
    element.focus();
  }

  /** Arrow keys move through the picker, Enter or Tab choose, Escape closes it. */
  function pickerKey(event: KeyboardEvent): boolean {
    const at = mentionOpen ? query : emojiAt;
    if (!pickerOpen || !at) return false;
    const count = mentionOpen ? candidates.length : emojiFound.length;
    if (event.key === "ArrowDown") setActive((active + 1) % count);
    else if (event.key === "ArrowUp") setActive((active - 1 + count) % count);
    else if (event.key === "Enter" || event.key === "Tab") {
      const index = Math.min(active, count - 1);
      const candidate = candidates[index];
      const emoji = emojiFound[index];
      if (mentionOpen && candidate) choose(candidate);
      else if (emoji) chooseEmoji(emoji);
    } else if (event.key === "Escape") {
      dismissed.current = at.start;
      setQuery(undefined);
      setEmojiAt(undefined);
    } else return false;
    event.preventDefault();
    event.stopPropagation();
    return true;
  }

  function attach(files: File[]) {
    if (files.length === 0) return;
    setError(undefined);
    session
      .attach(chatId, files, threadId)
      .catch((failure: Error) => setError(failure.message))
      .finally(() => input.current?.focus());
  }

  function send() {
    if (!session.send(chatId, threadId)) return;
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
                onClick={() => session.removeFile(chatId, file.url, threadId)}
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
      {!mentionOpen && emojiFound.length > 0 && (
        <div class="mention-picker" id={pickerId} role="listbox" aria-label="Emoji">
          {emojiFound.map((emoji, i) => (
            <div
              key={emoji.name}
              id={optionId(i)}
              role="option"
              tabIndex={-1}
              aria-selected={i === active}
              class={i === active ? "active" : undefined}
              onMouseDown={(event) => {
                event.preventDefault();
                chooseEmoji(emoji);
              }}
              onMouseEnter={() => setActive(i)}
            >
              <span class="emoji" aria-hidden="true">
                {emoji.native}
              </span>
              <span class="name">:{emoji.name}:</span>
            </div>
          ))}
        </div>
      )}
      {mentionOpen && (
        <div class="mention-picker" id={pickerId} role="listbox" aria-label="Mention someone">
          {candidates.map((candidate, i) => (
            <div
              key={candidate.kind === "user" ? candidate.user.id : candidate.name}
              id={optionId(i)}
              role="option"
              // The focus stays in the textarea, which points here (aria-activedescendant).
              tabIndex={-1}
              aria-selected={i === active}
              class={i === active ? "active" : undefined}
              // Chosen on mouse down, so that the textarea keeps the focus.
              onMouseDown={(event) => {
                event.preventDefault();
                choose(candidate);
              }}
              onMouseEnter={() => setActive(i)}
            >
              {candidate.kind === "user" ? (
                <>
                  <Avatar userId={candidate.user.id} name={candidate.user.fullname} />
                  <span class="name">{candidate.user.fullname}</span>
                </>
              ) : (
                <>
                  <span class="avatar everyone" aria-hidden="true">
                    @
                  </span>
                  <span class="name">@{candidate.name}</span>
                  <span class="hint">{candidate.description}</span>
                </>
              )}
            </div>
          ))}
        </div>
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
          aria-autocomplete="list"
          aria-controls={pickerOpen ? pickerId : undefined}
          aria-activedescendant={pickerOpen ? optionId(active) : undefined}
          onInput={(event) => {
            session.draft(chatId, event.currentTarget.value, threadId);
            findQuery(event.currentTarget);
            if (Date.now() - lastTyping.current > typingEveryMs) {
              lastTyping.current = Date.now();
              session.typing(chatId);
            }
          }}
          onKeyDown={(event) => {
            if (event.isComposing || pickerKey(event)) return;
            if (event.key === "ArrowUp" && draft.text === "" && onEditLast?.()) {
              event.preventDefault();
              return;
            }
            if (event.key === "Enter" && !event.shiftKey) {
              event.preventDefault();
              send();
            }
          }}
          onKeyUp={(event) => {
            if (/^(Arrow(Left|Right)|Home|End)$/.test(event.key)) findQuery(event.currentTarget);
          }}
          onClick={(event) => findQuery(event.currentTarget)}
          onBlur={() => {
            setQuery(undefined);
            setEmojiAt(undefined);
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
