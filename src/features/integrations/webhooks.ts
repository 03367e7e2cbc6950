// Incoming webhooks (API.md § Integrations): a secret URL per webhook that takes Slack's
// incoming-webhook payload and posts it into one chat as the webhook's own bot user, through the
// message service like any send (events, mentions, search, notifications, the bot's own limit).
import type { Webhook as StoredWebhook } from "../../../db/store.ts";
import type { Ctx, Deps } from "../../context.ts";
import { AppError, forbidden, invalid, notFound } from "../../errors.ts";
import { secretHash } from "../accounts/auth.ts";
import { isAdmin } from "../accounts/roles.ts";
import { getVisibleChatAccess, requireMember, requireWritable } from "../chats/access.ts";
import { maxContentLength } from "../messages/model.ts";
import { sendMessage } from "../messages/service.ts";
import { parseTs } from "./slack-ids.ts";
import { attachmentsToMarkdown, blocksToMarkdown, slackToMarkdown } from "./slack-text.ts";
import type { CreateWebhookBody, NewWebhook, Webhook, WebhookPayload } from "./webhook-model.ts";

/** Where a webhook's URL points, under the server's origin; the secret follows. */
export const webhookPath = "/api/hooks/";

const toWebhook = (webhook: StoredWebhook): Webhook => ({
  id: webhook.id,
  name: webhook.name,
  chatId: webhook.chatId,
  userId: webhook.userId,
  createdBy: webhook.createdBy,
  createdAt: new Date(webhook.createdAt).toISOString(),
});

/**
 * A webhook for a chat the caller is a member of (403 in a public channel not joined, 404 if
 * hidden, 403 when archived). Direct messages have exactly two members, so none there (422).
 * `origin` is where clients reach the server (src/ops/origin.ts).
 */
export async function createWebhook(
  ctx: Ctx,
  chatId: number,
  input: CreateWebhookBody,
  origin: string,
): Promise<NewWebhook> {
  const access = await getVisibleChatAccess(ctx, chatId);
  requireMember(access, "add webhooks");
  requireWritable(access, "add webhooks");
  if (access.type === "single") throw invalid("a direct message cannot take a webhook");
  // 256 random bits, URL-safe; only their SHA-256 is kept.
  const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
  const { value, events } = await ctx.db.createWebhook({
    workspaceId: ctx.user.workspaceId,
    chatId,
    createdBy: ctx.user.id,
    name: input.name.trim(),
    secretHash: secretHash(secret),
  });
  ctx.hub.publish(events);
  return { ...toWebhook(value), url: `${origin}${webhookPath}${secret}` };
}

/** The chat's webhooks that are not revoked, for its members. */
export async function listWebhooks(ctx: Ctx, chatId: number): Promise<Webhook[]> {
  const access = await getVisibleChatAccess(ctx, chatId);
  requireMember(access, "see its webhooks");
  return (await ctx.db.listWebhooks(chatId)).map(toWebhook);
}

/**
 * Revokes a webhook: its bot user is deactivated, so its URL answers 404 from now on; its
 * messages stay. Its creator, the owner and admins may; others who can see the chat get 403,
 * and anyone else 404, as if there were no such webhook. Revoking again is 204.
 */
export async function revokeWebhook(ctx: Ctx, id: number): Promise<void> {
  const webhook = await ctx.db.findWebhook(id);
  if (!webhook || webhook.workspaceId !== ctx.user.workspaceId) throw notFound("no such webhook");
  if (webhook.createdBy !== ctx.user.id && !isAdmin(ctx.user)) {
    await getVisibleChatAccess(ctx, webhook.chatId);
    throw forbidden(
      "only the webhook's creator and the workspace's owner and admins can revoke it",
    );
  }
  if (!webhook.active) return;
  const { events } = await ctx.db.changeUser(webhook.userId, { deactivated: true }, [
    { actorId: ctx.user.id, action: "webhook.revoked", targetType: "webhook", targetId: id },
  ]);
  ctx.hub.publish(events);
}

/** How Slack refuses a webhook post: a status, an error name as plain text, maybe headers. */
export class WebhookRefusal extends Error {
  constructor(
    readonly status: 400 | 404 | 410 | 429,
    readonly error: "invalid_payload" | "no_service" | "channel_is_archived" | "rate_limited",
    readonly headers: Record<string, string> = {},
  ) {
    super(error);
    this.name = "WebhookRefusal";
  }
}

/** A request body as the route read it: its bytes (undefined past the size limit) and type. */
export type WebhookBody = { bytes: Uint8Array | undefined; contentType: string | null };

/**
 * Posts a payload to the webhook whose secret this is. Answers as Slack does, by throwing a
 * WebhookRefusal: an unknown or revoked secret first (no_service), then the payload.
 */
export async function postToWebhook(deps: Deps, secret: string, body: WebhookBody): Promise<void> {
  const found = await deps.db.findWebhookBySecret(secretHash(secret));
  if (!found) throw new WebhookRefusal(404, "no_service");
  const { webhook, user } = found;
  let payload: WebhookPayload;
  let content: string;
  try {
    payload = parsePayload(body);
    content = webhookContent(payload);
    if (content === "") throw new WebhookRefusal(400, "invalid_payload");
  } catch (error) {
    await refuseIfArchived(deps, webhook.chatId, user.id);
    throw error;
  }
  const ctx: Ctx = { ...deps, user };
  const threadId = await threadOf(ctx, webhook.chatId, payload.thread_ts);
  try {
    await sendMessage(ctx, webhook.chatId, { content, threadId });
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (error.code === "rate_limited") throw new WebhookRefusal(429, "rate_limited", error.headers);
    if (error.code === "validation_failed") throw new WebhookRefusal(400, "invalid_payload");
    // Refused by the chat: archived (410), or the bot is no longer a member (removed from it).
    await refuseIfArchived(deps, webhook.chatId, user.id);
    if (error.code === "forbidden" || error.code === "not_found") {
      throw new WebhookRefusal(404, "no_service");
    }
    throw error;
  }
}

/**
 * An archived channel's webhooks answer 410 whatever went wrong (API.md). The chat is read only
 * once a post has failed, off the path of good posts, which learn it from the send.
 */
async function refuseIfArchived(deps: Deps, chatId: number, userId: number): Promise<void> {
  const access = await deps.db.findChatAccess(chatId, userId);
  if (access?.archived) throw new WebhookRefusal(410, "channel_is_archived");
}

/** Slack's two forms: JSON, or a form whose field `payload` holds the JSON. */
function parsePayload(body: WebhookBody): WebhookPayload {
  const refuse = () => new WebhookRefusal(400, "invalid_payload");
  if (!body.bytes) throw refuse();
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body.bytes);
  } catch {
    throw refuse();
  }
  if (body.contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    text = new URLSearchParams(text).get("payload") ?? "";
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    throw refuse();
  }
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) throw refuse();
  const { text: words, attachments, blocks } = payload as WebhookPayload;
  if (words !== undefined && words !== null && typeof words !== "string") throw refuse();
  if (attachments !== undefined && attachments !== null && !Array.isArray(attachments)) {
    throw refuse();
  }
  if (blocks !== undefined && blocks !== null && !Array.isArray(blocks)) throw refuse();
  if (JSON.stringify(payload).includes("\\u0000")) throw refuse();
  return payload as WebhookPayload;
}

/**
 * The message's Markdown. As in Slack, blocks replace `text` when there are any (it is then their
 * summary for notifications), and attachments follow. `username`, `icon_emoji` and `icon_url`
 * are ignored, as Slack ignores them for apps' webhooks: the sender is the webhook's bot. Past
 * the contract's 8,000 characters the content is cut with an ellipsis, as Slack cuts long text.
 */
export function webhookContent(payload: WebhookPayload): string {
  const text = typeof payload.text === "string" ? slackToMarkdown(payload.text).trim() : "";
  const blocks = blocksToMarkdown(payload.blocks);
  const attachments = attachmentsToMarkdown(payload.attachments);
  const content = [blocks || text, attachments].filter(Boolean).join("\n\n");
  return content.length <= maxContentLength
    ? content
    : `${content.slice(0, maxContentLength - 1)}…`;
}

/**
 * The thread a `thread_ts` names: its message's root. A ts that names no message of the chat,
 * or a deleted one, posts in the chat itself, as Slack does.
 */
async function threadOf(ctx: Ctx, chatId: number, threadTs: unknown): Promise<number | null> {
  if (threadTs === undefined || threadTs === null) return null;
  const ts = parseTs(typeof threadTs === "number" ? threadTs.toFixed(6) : threadTs);
  if (ts === undefined) return null;
  const message = await ctx.db.findMessageByTs(chatId, ts);
  if (!message) return null;
  if (message.threadId === null) return message.deleted ? null : message.id;
  const root = await ctx.db.findMessage(message.threadId);
  return root && !root.deleted ? root.id : null;
}
