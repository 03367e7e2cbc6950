// The Slack-compatible Web API (API.md § Integrations): each of Slack's methods read into one of
// our service verbs, called with the caller's ctx so that membership, events, mentions, search,
// notifications and rate limits hold exactly as on our own API; answers shaped as Slack's.
import type { ChatAccess } from "../../../db/store.ts";
import type { Ctx } from "../../context.ts";
import { AppError } from "../../errors.ts";
import { errorLine } from "../../ops/logging.ts";
import { type AuthDeps, userForToken } from "../accounts/auth.ts";
import type { User } from "../accounts/model.ts";
import { listUsers } from "../accounts/service.ts";
import { getVisibleChat, getVisibleChatAccess } from "../chats/access.ts";
import type { Chat } from "../chats/model.ts";
import { getChatWithState, listChatsWithState, markRead } from "../chats/read-state.ts";
import { createChat, joinChat, listChannels } from "../chats/service.ts";
import { emojiPattern, type Message, maxContentLength } from "../messages/model.ts";
import {
  deleteMessage,
  editMessage,
  getMessage,
  listMessages,
  listPins,
  pin,
  react,
  sendMessage,
} from "../messages/service.ts";
import { searchMessages } from "../search/service.ts";
import {
  type Args,
  boundArg,
  channelArg,
  cursorArg,
  flagArg,
  jsonArg,
  limitArg,
  pageMetadata,
  readArgs,
  requireText,
  textArg,
  tsArg,
  userArg,
} from "./slack-api-args.ts";
import { SlackError, slackFailure } from "./slack-api-errors.ts";
import {
  handleOf,
  type Shaping,
  slackChannel,
  slackMessage,
  slackUser,
} from "./slack-api-shapes.ts";
import { chatSlackId, formatTs, parseSlackId, slackId } from "./slack-ids.ts";
import {
  attachmentsToMarkdown,
  blocksToMarkdown,
  escapeMarkdown,
  slackToMarkdown,
} from "./slack-text.ts";

type Json = Record<string, unknown>;

/** A body as Slack reads one (a form or JSON), or the error Slack names for it. */
export type SlackBody = { args: Args } | { refusal: string };

/**
 * One call: the method's name, its query and body, the Bearer token if any (else the `token`
 * argument is the token), and the server's address.
 */
export type SlackCall = {
  method: string;
  query: Record<string, unknown>;
  body: SlackBody;
  bearer: string | undefined;
  origin: string;
};

/** Slack's answer: 200 always, except 429 with Retry-After for a rate limit. */
export type SlackAnswer = { status: 200 | 429; headers: Record<string, string>; body: Json };

type Verifier = Parameters<typeof userForToken>[1];

/** What a method is given: the caller's ctx, the arguments, and the server's address. */
type Call = { ctx: Ctx; args: Args; origin: string };
type Method = (call: Call) => Promise<Json>;

/** Calls a method as Slack would answer it; nothing thrown escapes as anything but Slack's. */
export async function callSlackMethod(
  deps: AuthDeps,
  verifier: Verifier,
  call: SlackCall,
): Promise<SlackAnswer> {
  const method = Object.hasOwn(methods, call.method) ? methods[call.method] : undefined;
  if (!method) {
    return { status: 200, headers: {}, body: { ok: false, error: "unknown_method" } };
  }
  try {
    if ("refusal" in call.body) throw new SlackError(call.body.refusal);
    const args = readArgs(call.query, call.body.args);
    // api.test is Slack's echo: it needs no token.
    if (call.method === "api.test") return { status: 200, headers: {}, body: apiTest(args) };
    const field = typeof args.token === "string" ? args.token : undefined;
    const user = await callerOf(deps, verifier, call.bearer ?? field);
    const body = await method({ ctx: { ...deps, user }, args, origin: call.origin });
    return { status: 200, headers: {}, body: { ok: true, ...body } };
  } catch (error) {
    const failure = slackFailure(call.method, error);
    if (failure.unexpected !== undefined) {
      deps.logger(errorLine("unexpected error", failure.unexpected, { method: call.method }));
    }
    const body: Json = { ok: false, error: failure.error };
    if (failure.messages?.length) body.response_metadata = { messages: failure.messages };
    if (failure.retryAfter === undefined) return { status: 200, headers: {}, body };
    return { status: 429, headers: { "retry-after": failure.retryAfter }, body };
  }
}

/** A session token or a bot token (xoxb-); an app token opens only Socket Mode. */
async function callerOf(deps: AuthDeps, verifier: Verifier, token: string | undefined) {
  if (!token) throw new SlackError("not_authed");
  if (token.startsWith("xapp-")) throw new SlackError("not_allowed_token_type");
  try {
    return await userForToken(deps, verifier, token);
  } catch (error) {
    if (error instanceof AppError && error.code === "unauthorized") {
      throw new SlackError("invalid_auth");
    }
    throw error;
  }
}

function apiTest(args: Args): Json {
  const { token: _, ...echo } = args;
  const error = typeof args.error === "string" && args.error !== "" ? args.error : undefined;
  const body: Json = error ? { ok: false, error } : { ok: true };
  if (Object.keys(echo).length > 0) body.args = echo;
  return body;
}

// ── Looking things up in Slack's terms ────────────────────────────────────────────────────────

const teamOf = (ctx: Ctx) => slackId("T", ctx.user.workspaceId);

/** A chat the caller can see, by its Slack id; anything else is `channel_not_found`. */
async function channelAccess(ctx: Ctx, args: Args, name = "channel"): Promise<ChatAccess> {
  return named("channel_not_found", getVisibleChatAccess(ctx, channelArg(args, name)));
}

/**
 * Where `chat.postMessage` posts. As in Slack, `channel` may be a user's id: the message goes to
 * the caller's direct chat with them, opened if need be. Anyone the caller cannot open a chat
 * with (unknown, in another workspace, deactivated, the caller) is `channel_not_found`.
 */
async function postTarget(ctx: Ctx, args: Args): Promise<ChatAccess> {
  const userId = parseSlackId(args.channel, ["U"]);
  if (userId === undefined) return channelAccess(ctx, args);
  let chat: Chat;
  try {
    ({ chat } = await createChat(ctx, { type: "single", members: [userId] }));
  } catch (error) {
    if (error instanceof AppError && error.code !== "rate_limited") {
      throw new SlackError("channel_not_found");
    }
    throw error;
  }
  return getVisibleChatAccess(ctx, chat.id);
}

/** A verb's not_found, said in Slack's words for what was looked up. */
async function named<T>(error: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (failure) {
    if (failure instanceof AppError && failure.code === "not_found") throw new SlackError(error);
    throw failure;
  }
}

/**
 * A change to a chat's content, refused by its verb: in a channel that is archived, or that the
 * caller is not in, Slack says so by name; any other refusal is the method's own.
 */
async function inChannel<T>(access: ChatAccess, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError && error.code === "forbidden") {
      if (access.archived) throw new SlackError("is_archived");
      if (!access.isMember) throw new SlackError("not_in_channel");
    }
    throw error;
  }
}

/** The chat's message with this ts, not deleted; anything else is `missing`. */
async function messageAt(ctx: Ctx, chatId: number, ts: number, missing = "message_not_found") {
  const message = await ctx.db.findMessageByTs(chatId, ts);
  if (!message || message.deleted) throw new SlackError(missing);
  return message;
}

const usersById = async (ctx: Ctx) =>
  new Map((await listUsers(ctx)).map((user): [number, User] => [user.id, user]));

/** Everything shaping these messages needs: their ts, their senders, their threads. */
async function shapingFor(
  ctx: Ctx,
  origin: string,
  messages: Message[],
  channels: Map<number, string>,
): Promise<Shaping> {
  const ids = new Set<number>();
  for (const message of messages) {
    ids.add(message.id);
    if (message.threadId !== null) ids.add(message.threadId);
  }
  const replies = new Map<number, { latest: number; users: number[] }>();
  const roots = messages.filter((message) => message.threadId === null && message.replyCount > 0);
  // A root's newest replies name its latest reply and who replied (Slack lists up to five).
  await Promise.all(
    roots.map(async (root) => {
      const newest = await ctx.db.listReplies(root.id, { limit: 100 });
      const latest = newest[0];
      if (!latest) return;
      ids.add(latest.id);
      replies.set(root.id, {
        latest: latest.id,
        users: [...new Set(newest.map((reply) => reply.senderId))],
      });
    }),
  );
  const [ts, users] = await Promise.all([ctx.db.messageTs([...ids]), usersById(ctx)]);
  // The latest reply is kept as its id until its ts is known.
  for (const [root, info] of replies) {
    replies.set(root, { ...info, latest: ts.get(info.latest) ?? 0 });
  }
  return { teamId: teamOf(ctx), origin, users, ts, replies, channels };
}

async function shapeMessages(
  call: Call,
  access: { id: number; type: Chat["type"] },
  messages: Message[],
): Promise<Json[]> {
  const channels = new Map([[access.id, chatSlackId(access)]]);
  const shaping = await shapingFor(call.ctx, call.origin, messages, channels);
  return messages.map((message) => slackMessage(message, shaping));
}

/**
 * Slack's message arguments as our Markdown: `blocks` when they show anything (then `text` is
 * only their notification fallback), else `text` (literal with `mrkdwn: false`), then
 * `attachments`.
 */
function contentOf(args: Args): string {
  const parts: string[] = [];
  const blocks = jsonArg(args, "blocks");
  const fromBlocks = blocks === undefined ? "" : blocksToMarkdown(blocks);
  const text = textArg(args, "text");
  if (fromBlocks) parts.push(fromBlocks);
  else if (text)
    parts.push(flagArg(args, "mrkdwn", true) ? slackToMarkdown(text) : escapeMarkdown(text));
  const attachments = jsonArg(args, "attachments");
  const attached = attachments === undefined ? "" : attachmentsToMarkdown(attachments);
  if (attached) parts.push(attached);
  const content = parts.join("\n\n").trim();
  if (content === "") throw new SlackError("no_text");
  if (content.length > maxContentLength) throw new SlackError("msg_too_long");
  return content;
}

/** A page of `items` sorted by id, after the cursor's id. */
function pageOf<T>(items: T[], idOf: (item: T) => number, args: Args) {
  const after = cursorArg(args);
  const limit = limitArg(args);
  const rest = items.filter((item) => after === undefined || idOf(item) > after);
  const page = rest.slice(0, limit);
  const last = page.at(-1);
  return { page, ...pageMetadata(rest.length > limit && last ? idOf(last) : undefined) };
}

// ── Messages ──────────────────────────────────────────────────────────────────────────────────

async function postMessage(call: Call): Promise<Json> {
  const { ctx, args } = call;
  const access = await postTarget(ctx, args);
  const content = contentOf(args);
  let threadId: number | undefined;
  if (textArg(args, "thread_ts") !== undefined) {
    const ts = tsArg(args, "thread_ts", "thread_not_found");
    const root = await messageAt(ctx, access.id, ts, "thread_not_found");
    // The ts of a reply names its thread, as in Slack.
    threadId = root.threadId ?? root.id;
  }
  const { message } = await inChannel(access, () =>
    sendMessage(ctx, access.id, { content, threadId }),
  );
  const [shaped] = await shapeMessages(call, access, [message]);
  return { channel: chatSlackId(access), ts: shaped?.ts, message: shaped };
}

async function updateMessage(call: Call): Promise<Json> {
  const { ctx, args } = call;
  const access = await channelAccess(ctx, args);
  const found = await messageAt(ctx, access.id, tsArg(args, "ts", "message_not_found"));
  const content = contentOf(args);
  const message = await inChannel(access, () => editMessage(ctx, access.id, found.id, content));
  const [shaped] = await shapeMessages(call, access, [message]);
  return { channel: chatSlackId(access), ts: shaped?.ts, text: shaped?.text, message: shaped };
}

async function removeMessage(call: Call): Promise<Json> {
  const { ctx, args } = call;
  const access = await channelAccess(ctx, args);
  const ts = tsArg(args, "ts", "message_not_found");
  const found = await messageAt(ctx, access.id, ts);
  await inChannel(access, () => deleteMessage(ctx, access.id, found.id));
  return { channel: chatSlackId(access), ts: formatTs(ts) };
}

async function permalink(call: Call): Promise<Json> {
  const { ctx, args, origin } = call;
  const access = await channelAccess(ctx, args);
  const message = await messageAt(ctx, access.id, tsArg(args, "message_ts", "message_not_found"));
  // The web app's own links: the chat, or the thread a reply is in.
  const path =
    message.threadId === null
      ? `/chat/${access.id}`
      : `/chat/${access.id}/thread/${message.threadId}`;
  return { channel: chatSlackId(access), permalink: `${origin}${path}#message-${message.id}` };
}

// ── Conversations ─────────────────────────────────────────────────────────────────────────────

const slackTypes: Record<Chat["type"], string> = {
  public_channel: "public_channel",
  private_channel: "private_channel",
  group: "mpim",
  single: "im",
};

async function listConversations(call: Call): Promise<Json> {
  const { ctx, args } = call;
  const types = (textArg(args, "types") ?? "public_channel").split(",").map((type) => type.trim());
  const known = new Set(Object.values(slackTypes));
  if (types.some((type) => !known.has(type))) throw new SlackError("invalid_types");
  const excludeArchived = flagArg(args, "exclude_archived");
  const [channels, mine, users] = await Promise.all([
    listChannels(ctx, { archived: true }),
    listChatsWithState(ctx),
    usersById(ctx),
  ]);
  const chats = new Map<number, Chat>();
  for (const chat of [...channels, ...mine]) chats.set(chat.id, chat);
  const wanted = [...chats.values()]
    .filter((chat) => types.includes(slackTypes[chat.type]))
    .filter((chat) => !(excludeArchived && chat.archived))
    .sort((a, b) => a.id - b.id);
  const { page, ...metadata } = pageOf(wanted, (chat) => chat.id, args);
  const context = { teamId: teamOf(ctx), users };
  return { channels: page.map((chat) => slackChannel(chat, ctx.user.id, context)), ...metadata };
}

async function conversationInfo(call: Call): Promise<Json> {
  const { ctx, args } = call;
  const chat = await named("channel_not_found", getChatWithState(ctx, channelArg(args)));
  const channel = slackChannel(chat, ctx.user.id, {
    teamId: teamOf(ctx),
    users: await usersById(ctx),
  });
  if (chat.state) {
    const read = chat.state.lastReadMessageId;
    const ts = read > 0 ? (await ctx.db.messageTs([read])).get(read) : undefined;
    channel.last_read = ts === undefined ? "0000000000.000000" : formatTs(ts);
    channel.unread_count = chat.state.unreadCount;
    channel.unread_count_display = chat.state.unreadCount;
  }
  return { channel };
}

/**
 * History newest first, as ours is. `latest` and `oldest` bound it by ts (exclusive unless
 * `inclusive`); the cursor is the id the next page starts below.
 */
async function history(call: Call): Promise<Json> {
  const { ctx, args } = call;
  const access = await channelAccess(ctx, args);
  const limit = limitArg(args);
  const latest = boundArg(args, "latest");
  const oldest = boundArg(args, "oldest");
  const inclusive = flagArg(args, "inclusive");
  let before = cursorArg(args);
  if (before === undefined && latest !== undefined) {
    // A `latest` that is a message's own ts (the usual case) starts the walk right there.
    const at = await ctx.db.findMessageByTs(access.id, latest);
    if (at && at.threadId === null) before = inclusive ? at.id + 1 : at.id;
  }
  const page: Message[] = [];
  let more = false;
  const batchSize = Math.min(1000, limit + 1);
  for (;;) {
    const batch = JSON.parse(
      await listMessages(ctx, access.id, { before, limit: batchSize }),
    ) as Message[];
    const ts = await ctx.db.messageTs(batch.map((message) => message.id));
    let done = batch.length < batchSize;
    for (const message of batch) {
      const at = ts.get(message.id) ?? 0;
      if (latest !== undefined && (inclusive ? at > latest : at >= latest)) continue;
      if (oldest !== undefined && (inclusive ? at < oldest : at <= oldest)) {
        done = true;
        break;
      }
      if (page.length === limit) {
        more = true;
        done = true;
        break;
      }
      page.push(message);
    }
    const last = batch.at(-1);
    if (done || !last) break;
    before = last.id;
  }
  const last = page.at(-1);
  return {
    messages: await shapeMessages(call, access, page),
    has_more: more,
    pin_count: 0,
    ...pageMetadata(more && last ? last.id : undefined),
  };
}

/** A thread oldest first, its root first (on the first page), as Slack lists replies. */
async function replies(call: Call): Promise<Json> {
  const { ctx, args } = call;
  const access = await channelAccess(ctx, args);
  const at = await ctx.db.findMessageByTs(access.id, tsArg(args, "ts", "thread_not_found"));
  if (!at || (at.deleted && at.replyCount === 0)) throw new SlackError("thread_not_found");
  const root = at.threadId === null ? at : await getMessage(ctx, access.id, at.threadId);
  const thread: Message[] = [];
  for (let before: number | undefined; ; ) {
    const batch = JSON.parse(
      await listMessages(ctx, access.id, { thread: root.id, before, limit: 1000 }),
    ) as Message[];
    thread.push(...batch);
    const last = batch.at(-1);
    if (batch.length < 1000 || !last) break;
    before = last.id;
  }
  thread.reverse();
  const latest = boundArg(args, "latest");
  const oldest = boundArg(args, "oldest");
  const inclusive = flagArg(args, "inclusive", true);
  const ts = await ctx.db.messageTs(thread.map((message) => message.id));
  const inWindow = thread.filter((message) => {
    const stamp = ts.get(message.id) ?? 0;
    if (latest !== undefined && (inclusive ? stamp > latest : stamp >= latest)) return false;
    return !(oldest !== undefined && (inclusive ? stamp < oldest : stamp <= oldest));
  });
  const after = cursorArg(args);
  const limit = limitArg(args);
  const listed =
    after === undefined ? [root, ...inWindow] : inWindow.filter((message) => message.id > after);
  const page = listed.slice(0, limit);
  const last = page.at(-1);
  const more = listed.length > page.length;
  return {
    messages: await shapeMessages(call, access, page),
    has_more: more,
    ...pageMetadata(more && last ? last.id : undefined),
  };
}

async function members(call: Call): Promise<Json> {
  const { ctx, args } = call;
  const chat = await named("channel_not_found", getVisibleChat(ctx, channelArg(args)));
  const { page, ...metadata } = pageOf(chat.members, (id) => id, args);
  return { members: page.map((id) => slackId("U", id)), ...metadata };
}

async function createConversation(call: Call): Promise<Json> {
  const { ctx, args } = call;
  const name = textArg(args, "name")?.trim();
  if (!name) throw new SlackError("invalid_name_required");
  if (name.length > 64) throw new SlackError("invalid_name_maxlength");
  const type = flagArg(args, "is_private") ? "private_channel" : "public_channel";
  const { chat } = await createChat(ctx, { type, name, members: [] });
  return { channel: slackChannel(chat, ctx.user.id, { teamId: teamOf(ctx), users: new Map() }) };
}

async function joinConversation(call: Call): Promise<Json> {
  const { ctx, args } = call;
  const access = await channelAccess(ctx, args);
  const chat = await joinChat(ctx, access.id).catch((error: unknown) => {
    // An archived channel refuses newcomers (403 on our route); Slack names it.
    if (error instanceof AppError && error.code === "forbidden" && access.archived) {
      throw new SlackError("is_archived");
    }
    throw error;
  });
  const channel = slackChannel(chat, ctx.user.id, { teamId: teamOf(ctx), users: new Map() });
  if (!access.isMember) return { channel };
  return {
    channel,
    already_in_channel: true,
    warning: "already_in_channel",
    response_metadata: { warnings: ["already_in_channel"] },
  };
}

/**
 * A direct message with one person, or a group (mpim) with several: the existing one when there
 * is one, as Slack reopens it.
 */
async function openConversation(call: Call): Promise<Json> {
  const { ctx, args } = call;
  const full = flagArg(args, "return_im");
  const users = await usersById(ctx);
  const shape = (chat: Chat) =>
    full
      ? slackChannel(chat, ctx.user.id, { teamId: teamOf(ctx), users })
      : { id: chatSlackId(chat) };
  if (textArg(args, "channel") !== undefined) {
    const chat = await named("channel_not_found", getVisibleChat(ctx, channelArg(args)));
    return { channel: shape(chat), no_op: true, already_open: true };
  }
  const others = [
    ...new Set(
      requireText(args, "users")
        .split(",")
        .filter((id) => id.trim() !== "")
        .map(userArg),
    ),
  ].filter((id) => id !== ctx.user.id);
  if (others.length === 0) throw new SlackError("not_enough_users");
  if (others.length > 8) throw new SlackError("too_many_users");
  if (others.length > 1) {
    const wanted = [ctx.user.id, ...others].sort((a, b) => a - b).join(",");
    const existing = (await listChatsWithState(ctx)).find(
      (chat) => chat.type === "group" && chat.members.join(",") === wanted,
    );
    if (existing) return { channel: shape(existing), no_op: true, already_open: true };
  }
  const type = others.length === 1 ? "single" : "group";
  const { chat, created } = await createChat(ctx, { type, members: others });
  return { channel: shape(chat), no_op: !created, already_open: !created };
}

async function mark(call: Call): Promise<Json> {
  const { ctx, args } = call;
  const access = await channelAccess(ctx, args);
  const message = await ctx.db.findMessageByTs(access.id, tsArg(args, "ts", "invalid_timestamp"));
  if (!message) throw new SlackError("invalid_timestamp");
  await inChannel(access, () => markRead(ctx, access.id, message.id));
  return {};
}

// ── Users ─────────────────────────────────────────────────────────────────────────────────────

async function listPeople(call: Call): Promise<Json> {
  const { ctx, args, origin } = call;
  const users = (await listUsers(ctx)).sort((a, b) => a.id - b.id);
  const { page, ...metadata } = pageOf(users, (user) => user.id, args);
  return {
    members: page.map((user) => slackUser(user, teamOf(ctx), origin)),
    cache_ts: Math.floor(Date.now() / 1000),
    ...metadata,
  };
}

async function userInfo(call: Call): Promise<Json> {
  const { ctx, args, origin } = call;
  const id = userArg(requireText(args, "user"));
  const user = (await listUsers(ctx)).find((candidate) => candidate.id === id);
  if (!user) throw new SlackError("user_not_found");
  return { user: slackUser(user, teamOf(ctx), origin) };
}

async function lookupByEmail(call: Call): Promise<Json> {
  const { ctx, args, origin } = call;
  const email = requireText(args, "email").trim().toLowerCase();
  const user = (await listUsers(ctx)).find((candidate) => candidate.email?.toLowerCase() === email);
  if (!user) throw new SlackError("users_not_found");
  return { user: slackUser(user, teamOf(ctx), origin) };
}

// ── Reactions and pins ────────────────────────────────────────────────────────────────────────

/** The message a reaction or pin names: `channel` and `timestamp`, as Slack's methods take them. */
async function target(call: Call) {
  const access = await channelAccess(call.ctx, call.args);
  const ts = tsArg(call.args, "timestamp", "message_not_found");
  return { access, message: await messageAt(call.ctx, access.id, ts) };
}

/** An emoji name as Slack sends it, colons or not. */
function emojiArg(args: Args): string {
  const name = requireText(args, "name").replace(/^:|:$/g, "");
  if (!emojiPattern.test(name)) throw new SlackError("invalid_name");
  return name;
}

const hasReacted = (message: Message, emoji: string, userId: number) =>
  message.reactions.some(
    (reaction) => reaction.emoji === emoji && reaction.userIds.includes(userId),
  );

async function addReaction(call: Call): Promise<Json> {
  const emoji = emojiArg(call.args);
  const { access, message } = await target(call);
  if (hasReacted(message, emoji, call.ctx.user.id)) throw new SlackError("already_reacted");
  await inChannel(access, () => react(call.ctx, access.id, message.id, emoji, true));
  return {};
}

async function removeReaction(call: Call): Promise<Json> {
  const emoji = emojiArg(call.args);
  const { access, message } = await target(call);
  if (!hasReacted(message, emoji, call.ctx.user.id)) throw new SlackError("no_reaction");
  await inChannel(access, () => react(call.ctx, access.id, message.id, emoji, false));
  return {};
}

async function getReactions(call: Call): Promise<Json> {
  const { access, message } = await target(call);
  const [shaped] = await shapeMessages(call, access, [message]);
  return { type: "message", channel: chatSlackId(access), message: shaped };
}

async function addPin(call: Call): Promise<Json> {
  const { access, message } = await target(call);
  if (message.pinned) throw new SlackError("already_pinned");
  await inChannel(access, () => pin(call.ctx, access.id, message.id, true));
  return {};
}

async function removePin(call: Call): Promise<Json> {
  const { access, message } = await target(call);
  if (!message.pinned) throw new SlackError("no_pin");
  await inChannel(access, () => pin(call.ctx, access.id, message.id, false));
  return {};
}

async function listPinned(call: Call): Promise<Json> {
  const { ctx, args } = call;
  const access = await channelAccess(ctx, args);
  const pinned = await listPins(ctx, access.id);
  const shaped = await shapeMessages(call, access, pinned);
  const channel = chatSlackId(access);
  return { items: shaped.map((message) => ({ type: "message", channel, message })) };
}

// ── Search ────────────────────────────────────────────────────────────────────────────────────

/**
 * Our search (newest first) in Slack's answer: `count` per page (at most 100), `page` by
 * walking our cursor forward, or Slack's cursor (`*` for the first page).
 */
async function search(call: Call): Promise<Json> {
  const { ctx, args, origin } = call;
  const query = textArg(args, "query")?.trim();
  if (!query) throw new SlackError("no_query");
  const count = limitArg(args, "count", 20, 100);
  const pageNumber = Math.min(100, limitArg(args, "page", 1, 100));
  const cursorText = textArg(args, "cursor");
  let cursor = cursorText === undefined || cursorText === "*" ? undefined : cursorText;
  if (cursor !== undefined) {
    // Ours, wrapped in Slack's opaque form.
    const inner = Buffer.from(cursor, "base64").toString();
    if (!inner.startsWith("search:")) throw new SlackError("invalid_cursor");
    cursor = inner.slice("search:".length);
  }
  const q = query.slice(0, 200);
  let answer = await searchMessages(ctx, { q, limit: count, cursor });
  for (let page = 1; cursorText === undefined && page < pageNumber && answer.next; page++) {
    answer = await searchMessages(ctx, { q, limit: count, cursor: answer.next });
  }
  const messages = answer.results.map((result) => result.message);
  const chats = new Map<number, Chat>();
  for (const chatId of new Set(messages.map((message) => message.chatId))) {
    chats.set(chatId, await getVisibleChat(ctx, chatId));
  }
  const channels = new Map([...chats].map(([id, chat]) => [id, chatSlackId(chat)]));
  const shaping = await shapingFor(ctx, origin, messages, channels);
  const matches = messages.map((message) => {
    const chat = chats.get(message.chatId) as Chat;
    const shaped = slackMessage(message, shaping);
    const channel = slackChannel(chat, ctx.user.id, {
      teamId: shaping.teamId,
      users: shaping.users,
    });
    return {
      ...shaped,
      iid: String(message.id),
      channel: {
        id: channel.id,
        name: channel.name ?? channel.id,
        is_channel: channel.is_channel,
        is_private: channel.is_private,
        is_mpim: channel.is_mpim,
        is_im: channel.is_im ?? false,
      },
      username: shaping.users.get(message.senderId)?.fullname ?? "",
      permalink: `${origin}/chat/${message.chatId}${message.threadId === null ? "" : `/thread/${message.threadId}`}#message-${message.id}`,
    };
  });
  const page = cursorText === undefined ? pageNumber : 1;
  const seen = (page - 1) * count + matches.length;
  const total = answer.next ? seen + 1 : seen;
  const next = answer.next ? Buffer.from(`search:${answer.next}`).toString("base64") : "";
  const paging = { count, total, page, pages: answer.next ? page + 1 : page };
  return {
    query,
    messages: {
      total,
      matches,
      paging,
      pagination: {
        total_count: total,
        page,
        per_page: count,
        page_count: paging.pages,
        first: seen - matches.length + 1,
        last: seen,
      },
    },
    response_metadata: { next_cursor: next },
  };
}

/** Every method of the contract but `apps.connections.open`, which Socket Mode answers. */
const methods: Record<string, Method> = {
  "api.test": async () => ({}),
  "auth.test": async ({ ctx, origin }) => {
    const workspace = await ctx.db.findWorkspace(ctx.user.workspaceId);
    return {
      url: `${origin}/`,
      team: workspace?.name ?? "",
      user: handleOf(ctx.user.fullname),
      team_id: teamOf(ctx),
      user_id: slackId("U", ctx.user.id),
      ...(ctx.user.bot && { bot_id: slackId("B", ctx.user.id) }),
      is_enterprise_install: false,
    };
  },
  "chat.postMessage": postMessage,
  "chat.update": updateMessage,
  "chat.delete": removeMessage,
  "chat.getPermalink": permalink,
  "conversations.list": listConversations,
  "conversations.info": conversationInfo,
  "conversations.history": history,
  "conversations.replies": replies,
  "conversations.members": members,
  "conversations.create": createConversation,
  "conversations.join": joinConversation,
  "conversations.open": openConversation,
  "conversations.mark": mark,
  "users.list": listPeople,
  "users.info": userInfo,
  "users.lookupByEmail": lookupByEmail,
  "reactions.add": addReaction,
  "reactions.remove": removeReaction,
  "reactions.get": getReactions,
  "pins.add": addPin,
  "pins.remove": removePin,
  "pins.list": listPinned,
  "search.messages": search,
};

/** The methods this server answers, for the OpenAPI document and the tests. */
export const slackMethods = Object.keys(methods);
