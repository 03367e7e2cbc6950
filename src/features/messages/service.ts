// Messages: sending (idempotent on clientId), threads, history, and the changes a message takes
// after it is sent (edits, deletes, reactions, pins), each checked again by its plan at commit.
import type { ChangeOutcome, FileRef, MessageChange, NewMessage, Sent } from "../../../db/store.ts";
import type { Ctx } from "../../context.ts";
import { forbidden, invalid, notFound } from "../../errors.ts";
import { errorLine } from "../../ops/logging.ts";
import type { Verdict } from "../../rate-limit.ts";
import { isAdmin } from "../accounts/roles.ts";
import { getVisibleChatAccess, requireMember, requireWritable } from "../chats/access.ts";
import type { FileInfo } from "../files/model.ts";
import { removeFileBytes, requireUploadedFiles } from "../files/service.ts";
import { mentionsEveryone } from "./mentions.ts";
import {
  type Edit,
  emojiPattern,
  type HistoryQuery,
  type Message,
  type SendMessageBody,
} from "./model.ts";

/** Who may send: a member (403 in a public channel not joined; 404 if hidden). */
async function requireSender(ctx: Ctx, chatId: number): Promise<void> {
  const access = await getVisibleChatAccess(ctx, chatId);
  requireMember(access, "send messages");
  requireWritable(access, "send messages");
}

/**
 * The users of the caller's workspace that `content` names as `<@id>`, once each, in order of
 * first appearance, and whether `<!channel>` or `<!here>` names everyone. Code spans count too.
 */
export async function mentionsIn(
  ctx: Ctx,
  content: string,
): Promise<{ mentions: number[]; mentionsAll: boolean }> {
  const mentionsAll = mentionsEveryone(content);
  if (!content.includes("<@")) return { mentions: [], mentionsAll };
  const named: number[] = [];
  for (const match of content.matchAll(/<@([1-9][0-9]{0,14})>/g)) {
    const id = Number(match[1]);
    if (!named.includes(id)) named.push(id);
  }
  const users = new Set(await ctx.db.existingUserIds(ctx.user.workspaceId, named));
  return { mentions: named.filter((id) => users.has(id)), mentionsAll };
}

/** Counts a change against the `messages` limit, as a send does. */
const takeMessageLimit = (ctx: Ctx) =>
  ctx.limits.take(`messages:${ctx.user.id}`, ctx.config.limits.messages);

/** Sends a message; a repeated clientId returns the original with `created: false`. */
export async function sendMessage(
  ctx: Ctx,
  chatId: number,
  input: SendMessageBody,
): Promise<{
  message: Message;
  created: boolean;
  limit: Verdict | undefined;
  eventId: number | undefined;
}> {
  const files = input.files ?? [];
  let fileRefs: FileRef[] = [];
  let attachments: FileInfo[] = [];
  const threadId = input.threadId ?? null;
  // The usual message, text alone, is checked by the insert itself: membership is part of the
  // statement that stores it, in the transaction that commits it. Anything else meets the chat
  // first, so that a caller who may not see the chat learns nothing more about it.
  if (files.length > 0 || input.content.length === 0 || threadId !== null) {
    await requireSender(ctx, chatId);
    if (files.length === 0 && input.content.length === 0) {
      throw invalid("a message needs content or files");
    }
    if (files.length > 0)
      ({ refs: fileRefs, attachments } = await requireUploadedFiles(ctx, files));
  }
  const { mentions, mentionsAll } = await mentionsIn(ctx, input.content);
  // Per user, whichever way the message comes (HTTP or socket).
  const limitKey = `messages:${ctx.user.id}`;
  const limit = ctx.limits.take(limitKey, ctx.config.limits.messages);
  const message: NewMessage = {
    chatId,
    senderId: ctx.user.id,
    content: input.content,
    files,
    fileRefs,
    clientId: input.clientId ?? null,
    mentions,
    mentionsAll,
    attachments,
  };
  const sent =
    threadId === null
      ? ((await ctx.db.insertMessage(message)) ?? (await sendAsMember(ctx, message, limitKey)))
      : await sendReply(ctx, { ...message, threadId }, limitKey);
  ctx.hub.publish(sent.events);
  // Its pushes are decided from its event, after this commit: who is connected is noted now.
  const created = sent.events[0];
  if (sent.created && created) ctx.notifier.sent(created.id, ctx.user.workspaceId);
  // The message's own event: the socket's ack waits for it, so that no ack precedes its event.
  return { message: sent.value, created: sent.created, limit, eventId: sent.events[0]?.id };
}

/** A reply goes through a plan (db/plan.ts): its root's new reply count commits with it. */
async function sendReply(
  ctx: Ctx,
  message: NewMessage & { threadId: number },
  limitKey: string,
): Promise<Sent> {
  const outcome = await ctx.db.insertReply(message);
  if (outcome && !("refused" in outcome)) return outcome;
  ctx.limits.refund(limitKey);
  if (outcome?.refused === "bad_thread") {
    throw invalid("threadId must be a top-level message of this chat that is not deleted");
  }
  await requireSender(ctx, message.chatId);
  throw forbidden("membership changed while sending: send again");
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

/** Top-level history, or with `thread` a root's replies; newest first, as JSON text. */
export async function listMessages(ctx: Ctx, chatId: number, query: HistoryQuery): Promise<string> {
  const access = await getVisibleChatAccess(ctx, chatId);
  const page = { before: query.before, limit: query.limit ?? 50 };
  if (query.around !== undefined) {
    if (query.thread !== undefined || query.before !== undefined) {
      throw invalid("query field around: goes alone, without thread or before");
    }
    const message = await ctx.db.findMessage(query.around);
    if (!message || message.chatId !== access.id) throw notFound("no such message in this chat");
    const newer = Math.floor((page.limit - 1) / 2);
    const around = await ctx.db.listMessagesAround(access.id, message.threadId ?? message.id, {
      newer,
      older: page.limit - 1 - newer,
    });
    return JSON.stringify(around);
  }
  if (query.thread === undefined) return ctx.db.pageJson(access.id, page);
  const root = await ctx.db.findMessage(query.thread);
  if (!root || root.chatId !== access.id || root.threadId !== null) {
    throw notFound("no such thread in this chat");
  }
  return ctx.db.pageJson(access.id, { ...page, thread: root.id });
}

/** Any message of a chat the caller can read, a deleted one as its tombstone. */
export async function getMessage(ctx: Ctx, chatId: number, messageId: number): Promise<Message> {
  const access = await getVisibleChatAccess(ctx, chatId);
  const message = await ctx.db.findMessage(messageId);
  if (!message || message.chatId !== access.id) throw notFound("no such message");
  return message;
}

export async function listEdits(ctx: Ctx, chatId: number, messageId: number): Promise<Edit[]> {
  const message = await getMessage(ctx, chatId, messageId);
  return message.deleted ? [] : ctx.db.listEdits(message.id);
}

export async function listPins(ctx: Ctx, chatId: number): Promise<Message[]> {
  const access = await getVisibleChatAccess(ctx, chatId);
  return ctx.db.listPins(access.id);
}

/** Applies a change in its transaction, publishes its events, and answers the message. */
const changeVerbs = {
  edit: "edit messages",
  delete: "delete messages",
  react: "react to messages",
  pin: "pin messages",
} as const;

async function change(
  ctx: Ctx,
  chatId: number,
  messageId: number,
  what: MessageChange,
): Promise<Message> {
  const access = await getVisibleChatAccess(ctx, chatId);
  // An archived channel is read-only; a single chat with someone deactivated only takes no sends.
  requireWritable({ ...access, withDeactivated: false }, changeVerbs[what.kind]);
  takeMessageLimit(ctx);
  const { value, events } = await ctx.db.changeMessage(chatId, messageId, ctx.user.id, what);
  ctx.hub.publish(events);
  return answer(value);
}

function answer(outcome: ChangeOutcome): Message {
  if ("ok" in outcome) return outcome.ok;
  if (outcome.refused === "not_found") throw notFound(outcome.reason);
  if (outcome.refused === "forbidden") throw forbidden(outcome.reason);
  throw invalid(outcome.reason);
}

export async function editMessage(
  ctx: Ctx,
  chatId: number,
  messageId: number,
  content: string,
): Promise<Message> {
  const { mentions, mentionsAll } = await mentionsIn(ctx, content);
  return change(ctx, chatId, messageId, { kind: "edit", content, mentions, mentionsAll });
}

/** Deletes for good; the bytes of files nothing carries any more go after the commit. */
export async function deleteMessage(ctx: Ctx, chatId: number, messageId: number): Promise<void> {
  const moderator = isAdmin(ctx.user);
  await change(ctx, chatId, messageId, { kind: "delete", moderator });
  await removeFileBytes(ctx).catch((error) =>
    ctx.logger(
      errorLine("removing a deleted message's files failed; the hourly job retries", error),
    ),
  );
}

export function requireEmoji(emoji: string): string {
  if (!emojiPattern.test(emoji)) {
    throw invalid(
      "emoji must be 1-100 characters of a-z 0-9 _ + - ' optionally followed by ::skin-tone-2 to ::skin-tone-6",
    );
  }
  return emoji;
}

export function react(
  ctx: Ctx,
  chatId: number,
  messageId: number,
  emoji: string,
  add: boolean,
): Promise<Message> {
  return change(ctx, chatId, messageId, { kind: "react", emoji: requireEmoji(emoji), add });
}

export function pin(ctx: Ctx, chatId: number, messageId: number, pinned: boolean) {
  return change(ctx, chatId, messageId, { kind: "pin", pinned });
}
