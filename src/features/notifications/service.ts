// Notifications (issue #24): who is notified of a new message, and the Web Push subscriptions
// that reach those with no open connection. Pushes leave through a queue (push.ts): a send
// only queues them, after its commit, and never waits for a push service.
import webpush from "web-push";
import type { NotifyLevel, Store } from "../../../db/store.ts";
import type { Ctx } from "../../context.ts";
import { invalid } from "../../errors.ts";
import { errorLine } from "../../ops/logging.ts";
import { defaultNotify } from "../chats/read-state.ts";
import type { Message } from "../messages/model.ts";
import type { PushPayload, PushSubscriptionBody } from "./model.ts";

/** Subscriptions kept per user: a new one beyond this replaces the oldest. */
export const maxSubscriptionsPerUser = 10;
/** The contract's limit on a push's text. */
export const maxPushBody = 200;

export type VapidKeys = { publicKey: string; privateKey: string };

const keysByStore = new WeakMap<Store, Promise<VapidKeys>>();

/** The server's VAPID key pair: made once, kept in the database, the same on every instance. */
export function vapidKeys(db: Store): Promise<VapidKeys> {
  let keys = keysByStore.get(db);
  if (!keys) {
    keys = db
      .keepSetting("push.vapid", JSON.stringify(webpush.generateVAPIDKeys()))
      .then((kept) => JSON.parse(kept) as VapidKeys);
    keysByStore.set(db, keys);
  }
  return keys;
}

export async function getPushKey(ctx: Ctx): Promise<{ publicKey: string }> {
  return { publicKey: (await vapidKeys(ctx.db)).publicKey };
}

export async function subscribe(ctx: Ctx, input: PushSubscriptionBody): Promise<void> {
  let url: URL;
  try {
    url = new URL(input.endpoint);
  } catch {
    throw invalid("endpoint: not a URL");
  }
  const allowed = ctx.config.push.allowHttp ? ["https:", "http:"] : ["https:"];
  if (!allowed.includes(url.protocol)) throw invalid("endpoint: must be an https:// URL");
  const { p256dh, auth } = input.keys;
  if (Buffer.from(p256dh, "base64url").length !== 65) {
    throw invalid("keys.p256dh: must be a 65-byte P-256 public key");
  }
  if (Buffer.from(auth, "base64url").length < 16) {
    throw invalid("keys.auth: must be a 16-byte secret");
  }
  await ctx.db.addPushSubscription(
    ctx.user.id,
    { endpoint: input.endpoint, p256dh, auth },
    maxSubscriptionsPerUser,
  );
  anyoneByStore.set(ctx.db, { at: Date.now(), value: true });
}

export async function unsubscribe(ctx: Ctx, endpoint: string): Promise<void> {
  await ctx.db.removePushSubscription(ctx.user.id, endpoint);
}

/**
 * Whether a member is notified of a message from someone else (the contract's rules): (a) level
 * all and top-level, (b) level not none and a reply in a thread they started or replied to,
 * (c) level not none and it mentions them.
 */
export function isNotified(
  level: NotifyLevel,
  userId: number,
  message: Pick<Message, "threadId" | "mentions"> & { mentionsAll: boolean },
  inThread: Set<number>,
): boolean {
  if (level === "none") return false;
  if (level === "all" && message.threadId === null) return true;
  if (message.threadId !== null && inThread.has(userId)) return true;
  return message.mentionsAll || message.mentions.includes(userId);
}

/** The push's text: the message's content (or its files' names), cut to the contract's 200. */
export function pushBody(message: Message): string {
  const text =
    message.content.trim() || message.attachments.map((file) => file.name).join(", ") || "…";
  if (text.length <= maxPushBody) return text;
  // Never half a surrogate pair before the ellipsis.
  return `${text.slice(0, maxPushBody - 1).replace(/[\uD800-\uDBFF]$/, "")}…`;
}

/**
 * Whether anyone has a subscription, asked at most every two seconds per instance (a
 * subscription made on another instance is known here within that time): most sends then cost
 * no query at all.
 */
const anyoneByStore = new WeakMap<Store, { at: number; value: boolean }>();
const anyoneFor = 2_000;

/**
 * Queues a push to each notified member with no open connection on any instance. Called after
 * the send has committed and been answered; it never throws to the sender.
 */
export async function queueMessagePushes(
  ctx: Ctx,
  message: Message,
  mentionsAll: boolean,
): Promise<void> {
  try {
    const now = Date.now();
    const known = anyoneByStore.get(ctx.db);
    const stale = !known || now - known.at > anyoneFor;
    if (!stale && !known.value) return;
    // Who is connected as the message is sent, before any await lets someone leave (a refresh of
    // the subscriptions' answer included: someone who reads the message and goes must not be
    // pushed it).
    const online = new Set(ctx.hub.onlineIn(ctx.user.workspaceId));
    if (stale) {
      const anyone = { at: now, value: await ctx.db.anyPushSubscription() };
      anyoneByStore.set(ctx.db, anyone);
      if (!anyone.value) return;
    }
    const candidates = await ctx.db.pushCandidates(message.chatId, message.senderId);
    if (candidates.length === 0) return;
    const inThread = new Set(
      message.threadId === null ? [] : await ctx.db.threadParticipants(message.threadId),
    );
    const notified = candidates.filter(
      (candidate) =>
        !online.has(candidate.userId) &&
        isNotified(
          candidate.notify ?? defaultNotify(candidate.type),
          candidate.userId,
          { ...message, mentionsAll },
          inThread,
        ),
    );
    if (notified.length === 0) return;
    const chat = candidates[0] as (typeof candidates)[number];
    const sender = ctx.user.fullname;
    const payload: PushPayload = {
      type: "message",
      chatId: message.chatId,
      messageId: message.id,
      title: chat.name === null ? sender : `${sender} in #${chat.name}`,
      body: pushBody(message),
    };
    await ctx.db.queuePushes(
      notified.map((candidate) => candidate.userId),
      JSON.stringify(payload),
      now,
    );
  } catch (error) {
    ctx.logger(errorLine("queueing pushes failed", error, { messageId: message.id }));
  }
}
