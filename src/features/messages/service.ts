// Messages: sending (idempotent on clientId) and reading history, newest first.
import type { Ctx } from "../../context.ts";
import { invalid } from "../../errors.ts";
import type { Verdict } from "../../rate-limit.ts";
import { getVisibleChatAccess, requireMember } from "../chats/access.ts";
import { requireUploadedFiles } from "../files/service.ts";
import type { HistoryQuery, Message, SendMessageBody } from "./model.ts";

/** Sends a message; a repeated clientId returns the original with `created: false`. */
export async function sendMessage(
  ctx: Ctx,
  chatId: number,
  input: SendMessageBody,
): Promise<{ message: Message; created: boolean; limit: Verdict | undefined }> {
  const access = await getVisibleChatAccess(ctx, chatId);
  requireMember(access, "send messages");
  // Per user, whichever way the message comes (HTTP or socket).
  const limit = ctx.limits.take(`messages:${ctx.user.id}`, ctx.config.limits.messages);
  const files = input.files ?? [];
  if (input.content.length === 0 && files.length === 0) {
    throw invalid("a message needs content or files");
  }
  if (files.length > 0) await requireUploadedFiles(ctx, files);
  const { value, events, created } = await ctx.db.insertMessage({
    chatId: access.id,
    senderId: ctx.user.id,
    content: input.content,
    files,
    clientId: input.clientId ?? null,
  });
  ctx.hub.publish(events);
  return { message: value, created, limit };
}

export async function listMessages(
  ctx: Ctx,
  chatId: number,
  query: HistoryQuery,
): Promise<Message[]> {
  const access = await getVisibleChatAccess(ctx, chatId);
  return ctx.db.listMessages(access.id, { before: query.before, limit: query.limit ?? 50 });
}
