// Messages: sending (idempotent on clientId) and reading history, newest first.
import type { FileRef, NewMessage, Sent } from "../../../db/store.ts";
import type { Ctx } from "../../context.ts";
import { forbidden, invalid } from "../../errors.ts";
import type { Verdict } from "../../rate-limit.ts";
import { getVisibleChatAccess, requireMember, requireWritable } from "../chats/access.ts";
import { requireUploadedFiles } from "../files/service.ts";
import type { HistoryQuery, Message, SendMessageBody } from "./model.ts";

/** Who may send: a member (403 in a public channel not joined; 404 if hidden). */
async function requireSender(ctx: Ctx, chatId: number): Promise<void> {
  const access = await getVisibleChatAccess(ctx, chatId);
  requireMember(access, "send messages");
  requireWritable(access, "send messages");
}

/** Sends a message; a repeated clientId returns the original with `created: false`. */
export async function sendMessage(
  ctx: Ctx,
  chatId: number,
  input: SendMessageBody,
): Promise<{ message: Message; created: boolean; limit: Verdict | undefined }> {
  const files = input.files ?? [];
  let fileRefs: FileRef[] = [];
  // The usual message, text alone, is checked by the insert itself: membership is part of the
  // statement that stores it, in the transaction that commits it. Anything else meets the chat
  // first, so that a caller who may not see the chat learns nothing more about it.
  if (files.length > 0 || input.content.length === 0) {
    await requireSender(ctx, chatId);
    if (files.length === 0) throw invalid("a message needs content or files");
    fileRefs = await requireUploadedFiles(ctx, files);
  }
  // Per user, whichever way the message comes (HTTP or socket).
  const limitKey = `messages:${ctx.user.id}`;
  const limit = ctx.limits.take(limitKey, ctx.config.limits.messages);
  const message = {
    chatId,
    senderId: ctx.user.id,
    content: input.content,
    files,
    fileRefs,
    clientId: input.clientId ?? null,
  };
  const sent =
    (await ctx.db.insertMessage(message)) ?? (await sendAsMember(ctx, message, limitKey));
  ctx.hub.publish(sent.events);
  return { message: sent.value, created: sent.created, limit };
}

/**
 * After the insert refused a sender who was not a member when it committed: not_found if the
 * chat is hidden from them, forbidden if not, and the send does not count against their limit.
 * One who has joined since is stored now.
 */
async function sendAsMember(ctx: Ctx, message: NewMessage, limitKey: string): Promise<Sent> {
  try {
    await requireSender(ctx, message.chatId);
    const sent = await ctx.db.insertMessage(message);
    if (sent) return sent;
    // Refused again: left again meanwhile, and maybe no longer allowed to see the chat.
    await requireSender(ctx, message.chatId);
    throw forbidden("membership changed while sending: send again");
  } catch (error) {
    ctx.limits.refund(limitKey);
    throw error;
  }
}

export async function listMessages(
  ctx: Ctx,
  chatId: number,
  query: HistoryQuery,
): Promise<Message[]> {
  const access = await getVisibleChatAccess(ctx, chatId);
  return ctx.db.listMessages(access.id, { before: query.before, limit: query.limit ?? 50 });
}
