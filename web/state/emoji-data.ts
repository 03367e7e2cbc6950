// The emoji data (about 400 kB) is loaded on first use, as a chunk of its own, so that the app's
// first load does not carry it: the first reaction shown or picker opened asks for it.
import { type EmojiIndex, indexEmoji } from "./emoji.ts";

let loading: Promise<EmojiIndex> | undefined;

export function loadEmoji(): Promise<EmojiIndex> {
  loading ??= import("@emoji-mart/data").then((module) =>
    indexEmoji((module.default ?? module) as Parameters<typeof indexEmoji>[0]),
  );
  return loading;
}
