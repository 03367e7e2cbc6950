// Wire models of incoming webhooks (API.md § Integrations).
import { t } from "elysia";
import { Name } from "../accounts/model.ts";

export const CreateWebhookBody = t.Object({
  name: Name(64, "The webhook's name: its bot user's, shown on every message it posts"),
});
export type CreateWebhookBody = typeof CreateWebhookBody.static;

const webhookFields = {
  id: t.Integer({ minimum: 1 }),
  name: t.String(),
  chatId: t.Integer({ minimum: 1 }),
  userId: t.Integer({
    minimum: 1,
    description: "Its bot user (`bot: true`), the messages' sender",
  }),
  createdBy: t.Integer({ minimum: 1 }),
  createdAt: t.String({ format: "date-time" }),
};

export const Webhook = t.Object(webhookFields);
export type Webhook = typeof Webhook.static;

export const NewWebhook = t.Object({
  ...webhookFields,
  url: t.String({
    description:
      "Where to POST Slack's incoming-webhook payload. It holds the webhook's secret, which the server keeps only as a SHA-256: this is the one time it is shown.",
  }),
});
export type NewWebhook = typeof NewWebhook.static;

/** Slack's incoming-webhook payload; unknown fields (channel, mrkdwn, unfurl_links…) are ignored. */
export type WebhookPayload = {
  text?: unknown;
  username?: unknown;
  icon_emoji?: unknown;
  icon_url?: unknown;
  thread_ts?: unknown;
  attachments?: unknown;
  blocks?: unknown;
};
