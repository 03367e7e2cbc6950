// Search: the q parsed once (db/search.ts), the scope enforced by the store's one query, the
// snippet cut here from the content so both stores give the same one.
import { parseQuery, snippetOf } from "../../../db/search.ts";
import type { Ctx } from "../../context.ts";
import { invalid } from "../../errors.ts";
import { getVisibleChatAccess } from "../chats/access.ts";
import type { SearchAnswer, SearchQuery } from "./model.ts";

/** The cursor is the last id of a page, base64url-encoded: opaque to clients, cheap to check. */
const encodeCursor = (id: number) => Buffer.from(`m${id}`).toString("base64url");

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, "base64url").toString();
  const id = /^m([1-9][0-9]{0,14})$/.exec(text)?.[1];
  if (!id) throw invalid("query field cursor: must be the next of a previous answer");
  return Number(id);
}

function timeOf(field: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw invalid(`query field ${field}: must be an ISO time`);
  return at;
}

/** Messages the caller may see that match q, newest first, a page at a time. */
export async function searchMessages(ctx: Ctx, query: SearchQuery): Promise<SearchAnswer> {
  const terms = parseQuery(query.q);
  if (!terms) {
    throw invalid("query field q: needs a word or a phrase to look for, not only exclusions");
  }
  const beforeId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const after = timeOf("after", query.after);
  const before = timeOf("before", query.before);
  if (query.chatId !== undefined) await getVisibleChatAccess(ctx, query.chatId);
  const limit = query.limit ?? 20;
  // One row more than the page tells whether there is a next one.
  const messages = await ctx.db.searchMessages({
    terms,
    userId: ctx.user.id,
    workspaceId: ctx.user.workspaceId,
    chatId: query.chatId,
    senderId: query.senderId,
    after,
    before,
    beforeId,
    limit: limit + 1,
  });
  const page = messages.slice(0, limit);
  const last = page[page.length - 1];
  return {
    results: page.map((message) => ({ message, snippet: snippetOf(message.content, terms) })),
    next: messages.length > limit && last ? encodeCursor(last.id) : null,
  };
}
