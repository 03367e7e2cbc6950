// Notifications (issue #24): who is notified of a new message, and the Web Push subscriptions
// that reach those with no open connection. Pushes are decided from the event log after the
// send's commit (notifier.ts) and leave through a queue (push.ts): a send never waits for them.
import webpush from "web-push";
import type {
  DecidedPush,
  NotifyLevel,
  PushBatch,
  PushCandidate,
  Store,
} from "../../../db/store.ts";
import type { Ctx } from "../../context.ts";
import { invalid } from "../../errors.ts";
import { defaultNotify } from "../chats/read-state.ts";
import { mentionsEveryone } from "../messages/mentions.ts";
import type { Message } from "../messages/model.ts";
import type { PushPayload, PushSubscriptionBody } from "./model.ts";

/** Subscriptions kept per user: a new one beyond this replaces the oldest. */
export const maxSubscriptionsPerUser = 10;
/** The contract's limit on a push's text. */
export const maxPushBody = 200;
/** A message older than this is pushed to nobody: as long as a push service keeps a push. */
export const maxPushAge = 24 * 3600 * 1000;

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
  ctx.notifier.subscribed();
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

/**
 * The push's text: the message's content (or its files' names), cut to the contract's 200, with
 * mentions as a reader sees them, as Slack shows them in a notification: `@Bob`, `@channel`,
 * `@here`. A chat link shows no name (the reader may not see that chat): `#channel`.
 */
export function pushBody(message: Message, names: ReadonlyMap<number, string>): string {
  const content = message.content
    .replace(/<@([0-9]+)>/g, (markup, id: string) => {
      const name = message.mentions.includes(Number(id)) ? names.get(Number(id)) : undefined;
      return name === undefined ? markup : `@${name}`;
    })
    .replace(/<!(channel|here)>/g, "@$1")
    .replace(/<#[0-9]+>/g, "#channel");
  const text = content.trim() || message.attachments.map((file) => file.name).join(", ") || "…";
  if (text.length <= maxPushBody) return text;
  // Never half a surrogate pair before the ellipsis.
  return `${text.slice(0, maxPushBody - 1).replace(/[\uD800-\uDBFF]$/, "")}…`;
}

/**
 * The pushes of a batch of new messages (db: pushBatch): one payload per message, to each
 * notified member with no open connection as it was sent (`connectedAt`) who is not its sender.
 */
export function decidePushes(
  batch: PushBatch,
  connectedAt: (eventId: number, workspaceId: number) => Set<number>,
  now = Date.now(),
): DecidedPush[] {
  const byChat = Map.groupBy(batch.candidates, (candidate) => candidate.chatId);
  const names = new Map(batch.people.map((person) => [person.id, person.fullname]));
  const pushes: DecidedPush[] = [];
  for (const { eventId, message } of batch.messages) {
    const candidates = byChat.get(message.chatId);
    // Days late (a long outage, an import keeping old times), a push would only be noise.
    if (!candidates || now - Date.parse(message.createdAt) > maxPushAge) continue;
    const chat = candidates[0] as PushCandidate;
    const connected = connectedAt(eventId, chat.workspaceId);
    // Those in the thread before this reply, as when it was sent.
    const inThread = new Set(
      batch.participants
        .filter((p) => p.rootId === message.threadId && p.since < message.id)
        .map((p) => p.userId),
    );
    const mentioned = { ...message, mentionsAll: mentionsEveryone(message.content) };
    const userIds = candidates
      .filter(
        (candidate) =>
          candidate.userId !== message.senderId &&
          !connected.has(candidate.userId) &&
          isNotified(
            candidate.notify ?? defaultNotify(candidate.type),
            candidate.userId,
            mentioned,
            inThread,
          ),
      )
      .map((candidate) => candidate.userId);
    if (userIds.length === 0) continue;
    const sender = names.get(message.senderId) ?? "";
    const payload: PushPayload = {
      type: "message",
      chatId: message.chatId,
      messageId: message.id,
      title: chat.name === null ? sender : `${sender} in #${chat.name}`,
      body: pushBody(message, names),
    };
    pushes.push({ userIds, payload: JSON.stringify(payload) });
  }
  return pushes;
}
