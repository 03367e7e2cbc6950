// Chats: direct messages (single), groups, private and public channels, and their members.
import type { Ctx } from "../../context.ts";
import { forbidden, invalid } from "../../errors.ts";
import { getVisibleChat, requireOwner, requireWritable } from "./access.ts";
import type { Chat, ChatType, CreateChatBody, UpdateChatBody } from "./model.ts";
import { withState, withStates } from "./read-state.ts";

const isChannel = (type: ChatType) => type === "private_channel" || type === "public_channel";

// Every Chat answered here carries the caller's `state` where they are a member; events never do.

export async function listChannels(ctx: Ctx, query: { archived?: boolean } = {}): Promise<Chat[]> {
  return withStates(
    ctx,
    await ctx.db.listPublicChannels(ctx.user.workspaceId, query.archived === true),
  );
}

/** Creates a chat; a repeated single chat returns the existing one with `created: false`. */
export async function createChat(
  ctx: Ctx,
  input: CreateChatBody,
): Promise<{ chat: Chat; created: boolean }> {
  const name = input.name?.trim() || null;
  // The creator counts as first to join, then the others in ascending id.
  const others = [...new Set(input.members)]
    .filter((id) => id !== ctx.user.id)
    .sort((a, b) => a - b);
  const memberIds = [ctx.user.id, ...others];
  const type =
    input.type ?? (name ? "private_channel" : memberIds.length === 2 ? "single" : "group");
  await requireWorkspaceUsers(ctx, others);

  if (type === "single") {
    if (name) throw invalid("a single chat has no name");
    if (memberIds.length !== 2) throw invalid("a single chat has exactly two members");
    const pair: [number, number] = [ctx.user.id, others[0] as number];
    const existing = await ctx.db.findSingleChat(ctx.user.workspaceId, pair);
    if (existing) return { chat: await withState(ctx, existing), created: false };
  }
  if (type === "group" && memberIds.length < 3) {
    throw invalid("a group has at least three members; for two people use a single chat");
  }
  if (isChannel(type) && !name) throw invalid("a channel needs a name");
  if (isChannel(type)) await requireMayCreateChannels(ctx);

  const { value: chat, events } = await ctx.db.createChat({
    workspaceId: ctx.user.workspaceId,
    type,
    name,
    ownerId: ctx.user.id,
    memberIds,
  });
  ctx.hub.publish(events);
  return { chat: await withState(ctx, chat), created: true };
}

export async function updateChat(ctx: Ctx, chatId: number, input: UpdateChatBody): Promise<Chat> {
  const chat = await getVisibleChat(ctx, chatId);
  requireOwner(ctx, chat, "rename it or change its members");
  // The workspace's owner and admins may rename any channel they see, not choose its members.
  if (input.members !== undefined && chat.ownerId !== ctx.user.id) {
    throw forbidden("only the chat's owner can change its members");
  }
  requireWritable(chat, "change it");
  if (chat.type === "single") throw invalid("a single chat's name and members never change");

  const change: { name?: string | null; add?: number[]; remove?: number[] } = {};
  if (input.name !== undefined) {
    const name = input.name?.trim() || null;
    if (isChannel(chat.type) && !name) throw invalid("a channel needs a name");
    change.name = name;
  }
  if (input.members !== undefined) {
    // The member list is replaced, but the owner always stays.
    const members = new Set([...input.members, chat.ownerId]);
    await requireWorkspaceUsers(ctx, [...members], chat.members);
    if (chat.type === "group" && members.size < 3)
      throw invalid("a group has at least three members");
    change.add = [...members].filter((id) => !chat.members.includes(id)).sort((a, b) => a - b);
    change.remove = chat.members.filter((id) => !members.has(id));
  }
  const { value, events } = await ctx.db.changeChat(chat.id, change);
  ctx.hub.publish(events);
  return withState(ctx, value);
}

export async function deleteChat(ctx: Ctx, chatId: number): Promise<void> {
  const chat = await getVisibleChat(ctx, chatId);
  requireOwner(ctx, chat, "delete it");
  const { events } = await ctx.db.deleteChat(chat.id);
  ctx.hub.publish(events);
}

/** Joining a chat one is in changes nothing; only public channels can be joined otherwise. */
export async function joinChat(ctx: Ctx, chatId: number): Promise<Chat> {
  const chat = await getVisibleChat(ctx, chatId);
  if (chat.members.includes(ctx.user.id)) return withState(ctx, chat);
  requireWritable(chat, "join it");
  const { value, events } = await ctx.db.changeChat(chat.id, { add: [ctx.user.id] });
  ctx.hub.publish(events);
  return withState(ctx, value);
}

/**
 * Leaving a chat one is not in changes nothing. An owner who leaves hands the chat to the member
 * who joined earliest; the last member to leave deletes it.
 */
export async function leaveChat(ctx: Ctx, chatId: number): Promise<void> {
  const chat = await getVisibleChat(ctx, chatId);
  if (!chat.members.includes(ctx.user.id)) return;
  if (chat.type === "single") throw invalid("a single chat cannot be left");
  const remaining = (await ctx.db.listMembersByJoinOrder(chat.id)).filter(
    (id) => id !== ctx.user.id,
  );
  const { events } =
    remaining.length === 0
      ? await ctx.db.deleteChat(chat.id)
      : await ctx.db.changeChat(chat.id, {
          remove: [ctx.user.id],
          ...(chat.ownerId === ctx.user.id && { ownerId: remaining[0] }),
        });
  ctx.hub.publish(events);
}

/**
 * Every id must be an active user of the caller's workspace; anything else is 422. `stay` are
 * members already in the chat, who may stay though deactivated.
 */
async function requireWorkspaceUsers(ctx: Ctx, userIds: number[], stay: number[] = []) {
  const unique = [...new Set(userIds)];
  const found = await ctx.db.countUsersIn(ctx.user.workspaceId, unique);
  if (found !== unique.length) throw invalid("members must be users of your workspace");
  const added = unique.filter((id) => !stay.includes(id));
  if ((await ctx.db.countUsersIn(ctx.user.workspaceId, added, true)) !== added.length) {
    throw invalid("a deactivated user cannot be added to a chat");
  }
}

/** With the workspace setting `channelCreation: admins`, members create no channels (403). */
async function requireMayCreateChannels(ctx: Ctx): Promise<void> {
  if (ctx.user.role === "owner" || ctx.user.role === "admin") return;
  const workspace = await ctx.db.findWorkspace(ctx.user.workspaceId);
  if (workspace?.settings.channelCreation === "admins") {
    throw forbidden("only the workspace's owner and admins can create channels");
  }
}

/** Archiving: channels only (422 otherwise), by the chat's owner, the owner and admins. */
export async function archiveChat(ctx: Ctx, chatId: number, archived: boolean): Promise<Chat> {
  const chat = await getVisibleChat(ctx, chatId);
  // What can never be archived is 422 to anyone who sees it, before who may.
  if (!isChannel(chat.type)) throw invalid("only channels can be archived");
  requireOwner(ctx, chat, archived ? "archive it" : "unarchive it");
  const { value, events } = await ctx.db.archiveChat(chat.id, archived, ctx.user.id);
  ctx.hub.publish(events);
  return withState(ctx, value);
}
