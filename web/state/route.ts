// Each chat's URL, /chat/{id}, and each open thread's, /chat/{id}/thread/{rootId}, which the
// server answers with the app's page (src/web.ts), so that links, reloads, Back and Forward open
// chats and threads (Back closes a thread).

export type Route = { chatId: number | undefined; threadId?: number };

export function chatPath(chatId: number | undefined, threadId?: number): string {
  if (chatId === undefined) return "/";
  return threadId === undefined ? `/chat/${chatId}` : `/chat/${chatId}/thread/${threadId}`;
}

const id = "([1-9][0-9]{0,14})";
const pathPattern = new RegExp(`^/chat/${id}(?:/thread/${id})?$`);

/** The chat and thread a path names; the app's root and anything else name none. */
export function routeFromPath(path: string): Route {
  const match = pathPattern.exec(path);
  if (!match) return { chatId: undefined };
  return match[2]
    ? { chatId: Number(match[1]), threadId: Number(match[2]) }
    : { chatId: Number(match[1]) };
}

/** The chat a path names, or undefined for the app's root and anything else. */
export function chatIdFromPath(path: string): number | undefined {
  return routeFromPath(path).chatId;
}
