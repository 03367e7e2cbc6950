// Who may see and change a chat. Whatever a caller may not see is 404, exactly as if it did not
// exist, so ids cannot be probed across workspaces or into private chats.
import type { ChatAccess } from "../../../db/store.ts";
import type { Ctx } from "../../context.ts";
import { forbidden, notFound } from "../../errors.ts";
import type { Chat } from "./model.ts";

const isVisible = (ctx: Ctx, chat: { workspaceId: number; type: string }, isMember: boolean) =>
  chat.workspaceId === ctx.user.workspaceId && (isMember || chat.type === "public_channel");

/** The chat with its members, if the caller may see it; `not_found` otherwise. */
export async function getVisibleChat(ctx: Ctx, chatId: number): Promise<Chat> {
  const chat = await ctx.db.findChat(chatId);
  if (!chat || !isVisible(ctx, chat, chat.members.includes(ctx.user.id))) {
    throw notFound("no such chat");
  }
  return chat;
}

/** Like getVisibleChat without loading the member list: for the hot paths of messages. */
export async function getVisibleChatAccess(ctx: Ctx, chatId: number): Promise<ChatAccess> {
  const access = await ctx.db.findChatAccess(chatId, ctx.user.id);
  if (!access || !isVisible(ctx, access, access.isMember)) throw notFound("no such chat");
  return access;
}

/** The workspace's owner and admins may also rename, archive or delete any channel they see. */
export function requireOwner(ctx: Ctx, chat: Chat, action: string): void {
  if (chat.ownerId === ctx.user.id) return;
  const isChannel = chat.type === "private_channel" || chat.type === "public_channel";
  if (isChannel && (ctx.user.role === "owner" || ctx.user.role === "admin")) return;
  throw forbidden(`only the chat's owner can ${action}`);
}

/**
 * Whether the chat takes changes to its content: an archived channel is read-only (send, edit,
 * delete, react, pin, join and PATCH are 403), and a single chat with a deactivated user takes
 * no new messages. Reading, leaving, read markers, notify and DELETE still work. The send
 * statement applies the same rule as it commits (db/queries.ts, chatTakesMessages).
 */
export function requireWritable(
  chat: { type: string; archived: boolean; withDeactivated?: boolean },
  action: string,
): void {
  if (chat.archived) throw forbidden(`this channel is archived: unarchive it to ${action}`);
  if (chat.withDeactivated)
    throw forbidden(`the other person is deactivated: you cannot ${action}`);
}

export function requireMember(access: ChatAccess, action: string): void {
  if (!access.isMember) throw forbidden(`join this channel to ${action}`);
}
