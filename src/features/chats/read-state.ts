// Read state (issue #24): each member's read marker, the unread and mention counts above it, and
// their notification level. Markers and levels are the member's own: they change no chat event.
import type { MemberState, NotifyLevel } from "../../../db/store.ts";
import type { Ctx } from "../../context.ts";
import { forbidden, invalid } from "../../errors.ts";
import { getVisibleChat, getVisibleChatAccess, requireMember } from "./access.ts";
import type { Chat, ChatType, ReadAnswer } from "./model.ts";

/** The contract's defaults: every message in single and group chats, mentions in channels. */
export const defaultNotify = (type: ChatType): NotifyLevel =>
  type === "single" || type === "group" ? "all" : "mentions";

const stateOf = (chat: Chat, state: MemberState): NonNullable<Chat["state"]> => ({
  lastReadMessageId: state.lastReadMessageId,
  unreadCount: state.unreadCount,
  mentionCount: state.mentionCount,
  notify: state.notify ?? defaultNotify(chat.type),
});

/** The caller's chats, each with their state, in two queries whatever the number of chats. */
export async function listChatsWithState(ctx: Ctx): Promise<Chat[]> {
  const rows = await ctx.db.listChatsWithStateOf(ctx.user.id);
  return rows.map(({ chat, state }) => ({ ...chat, state: stateOf(chat, state) }));
}

/** A chat the caller can see, with their state if they are a member. */
export async function getChatWithState(ctx: Ctx, chatId: number): Promise<Chat> {
  return withState(ctx, await getVisibleChat(ctx, chatId));
}

/** A chat as HTTP answers give it: with the caller's state when they are a member (API.md v2). */
export async function withState(ctx: Ctx, chat: Chat): Promise<Chat> {
  return (await withStates(ctx, [chat]))[0] as Chat;
}

/**
 * Chats as HTTP answers give them, each with the caller's state where they are a member: the
 * states of those chats alone, in one query (none when the caller is in none of them).
 */
export async function withStates(ctx: Ctx, chats: Chat[]): Promise<Chat[]> {
  const joined = chats.filter((chat) => chat.members.includes(ctx.user.id)).map((c) => c.id);
  if (joined.length === 0) return chats;
  const states = await ctx.db.chatStates(ctx.user.id, joined);
  const byChat = new Map(states.map((state) => [state.chatId, state]));
  return chats.map((chat) => {
    const state = byChat.get(chat.id);
    return state ? { ...chat, state: stateOf(chat, state) } : chat;
  });
}

/** Moves the caller's marker forward to a message of the chat; going back records nothing. */
export async function markRead(ctx: Ctx, chatId: number, messageId: number): Promise<ReadAnswer> {
  requireMember(await getVisibleChatAccess(ctx, chatId), "read it");
  const { value, events } = await ctx.db.markRead(chatId, ctx.user.id, messageId);
  if ("refused" in value) {
    if (value.refused === "not_member") throw forbidden("join this channel to read it");
    throw invalid("messageId: not a message of this chat");
  }
  ctx.hub.publish(events);
  const [state] = await ctx.db.chatStates(ctx.user.id, [chatId]);
  return {
    chatId,
    lastReadMessageId: state?.lastReadMessageId ?? value.lastReadMessageId,
    unreadCount: state?.unreadCount ?? 0,
    mentionCount: state?.mentionCount ?? 0,
  };
}

/** Sets the caller's notification level in a chat they are a member of. */
export async function setNotify(ctx: Ctx, chatId: number, level: NotifyLevel): Promise<Chat> {
  requireMember(await getVisibleChatAccess(ctx, chatId), "set its notifications");
  if (!(await ctx.db.setNotify(chatId, ctx.user.id, level))) {
    throw forbidden("join this channel to set its notifications");
  }
  return getChatWithState(ctx, chatId);
}
