// The emoji picker: a search by name (or keyword), the reader's frequent emoji first, then all of
// them in the data's order. Its data loads on first use (web/state/emoji-data.ts).
import { useEffect, useRef, useState } from "preact/hooks";
import { type EmojiIndex, searchEmoji } from "../state/emoji.ts";
import { loadEmoji } from "../state/emoji-data.ts";
import type { Session } from "../state/session.ts";

/** The emoji index once loaded; asking starts the load (once for the whole app). */
export function useEmojiIndex(wanted: boolean): EmojiIndex | undefined {
  const [index, setIndex] = useState<EmojiIndex>();
  useEffect(() => {
    if (!wanted || index) return;
    let live = true;
    loadEmoji().then(
      (loaded) => live && setIndex(loaded),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [wanted, index]);
  return index;
}

export function EmojiPicker({
  session,
  onPick,
  onClose,
}: {
  session: Session;
  onPick: (name: string) => void;
  onClose: () => void;
}) {
  const index = useEmojiIndex(true);
  const [query, setQuery] = useState("");
  const box = useRef<HTMLDivElement>(null);
  const usage = useRef(session.emojiUsage());
  const found = index ? searchEmoji(index, query, usage.current, 240) : [];

  useEffect(() => {
    // A click anywhere else closes it, as a menu does.
    const outside = (event: MouseEvent) => {
      if (!box.current?.contains(event.target as Node)) onClose();
    };
    addEventListener("mousedown", outside);
    return () => removeEventListener("mousedown", outside);
  }, [onClose]);

  return (
    <div
      class="emoji-picker"
      ref={box}
      role="dialog"
      aria-label="Pick an emoji"
      onKeyDown={(event) => {
        if (event.key === "Escape") {
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <input
        type="search"
        autofocus
        aria-label="Search emoji"
        placeholder="Search emoji"
        value={query}
        onInput={(event) => setQuery(event.currentTarget.value)}
        onKeyDown={(event) => {
          const first = found[0];
          if (event.key === "Enter" && first) {
            event.preventDefault();
            onPick(first.name);
          }
        }}
      />
      {!index && <p class="hint">Loading…</p>}
      {index && found.length === 0 && <p class="hint">No emoji is called that.</p>}
      <div class="emoji-grid" role="listbox" aria-label="Emoji">
        {found.map((emoji) => (
          <button
            key={emoji.name}
            type="button"
            role="option"
            aria-selected={false}
            aria-label={emoji.name}
            title={`:${emoji.name}:`}
            onClick={() => onPick(emoji.name)}
          >
            {emoji.native}
          </button>
        ))}
      </div>
    </div>
  );
}
