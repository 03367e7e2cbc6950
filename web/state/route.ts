// Each chat's URL, /chat/{id}, which the server answers with the app's page (src/web.ts), so that
// links, reloads, Back and Forward open chats.

export function chatPath(chatId: number | undefined): string {
  return chatId === undefined ? "/" : `/chat/${chatId}`;
}

/** The chat a path names, or undefined for the app's root and anything else. */
export function chatIdFromPath(path: string): number | undefined {
  const match = /^\/chat\/([1-9][0-9]{0,14})$/.exec(path);
  return match ? Number(match[1]) : undefined;
}
