// Incoming webhooks: managed with a token like any route of ours; posted to with the secret in
// the URL alone, answering in Slack's words and plain text (API.md § Integrations).
import { Elysia, t } from "elysia";
import { maxJsonBytes, readLimited } from "../../body.ts";
import type { Deps } from "../../context.ts";
import { ErrorBody, errorResponses } from "../../errors.ts";
import { requestOrigin } from "../../ops/origin.ts";
import { type AuthDeps, authenticated } from "../accounts/auth.ts";
import { IdParams } from "../chats/model.ts";
import { CreateWebhookBody, NewWebhook, Webhook } from "./webhook-model.ts";
import {
  createWebhook,
  listWebhooks,
  postToWebhook,
  revokeWebhook,
  WebhookRefusal,
  webhookPath,
} from "./webhooks.ts";

const changeErrors = { 403: ErrorBody, ...errorResponses } as const;
const plainText = "text/plain; charset=utf-8";

export const webhookRoutes = (deps: AuthDeps & Deps) =>
  new Elysia({ name: "webhooks", detail: { tags: ["Integrations"] } })
    .post(
      `${webhookPath}:secret`,
      async ({ params, body, set }) => {
        set.headers["content-type"] = plainText;
        try {
          await postToWebhook(deps, params.secret, body as Parameters<typeof postToWebhook>[2]);
          return "ok";
        } catch (error) {
          if (!(error instanceof WebhookRefusal)) throw error;
          set.status = error.status;
          Object.assign(set.headers, error.headers);
          return error.error;
        }
      },
      {
        params: t.Object({ secret: t.String() }),
        // Slack's forms, JSON or a form field `payload`, read here: not the JSON of our routes.
        parse: async ({ request }) => ({
          bytes: await readLimited(request, maxJsonBytes),
          contentType: request.headers.get("content-type"),
        }),
        detail: {
          summary: "Post to an incoming webhook (Slack's payload)",
          description:
            "No token: the URL's secret is the credential. Takes Slack's incoming-webhook payload as JSON, or form-encoded with the JSON in the field `payload`: `text` (Slack mrkdwn, translated to Markdown: `<@U42>` → `<@42>`, `<url|label>` → `[label](url)`, `*b*` → `**b**`…), `attachments` and `blocks` (rendered to Markdown; blocks replace `text`, which Slack keeps for notifications), `thread_ts` (a reply in the thread of the message with that ts; a ts that names none posts in the chat). `username`, `icon_emoji` and `icon_url` are accepted and ignored, as Slack ignores them for apps' webhooks: the sender is the webhook's bot user. Content past 8,000 characters is cut. Answers as Slack does, in plain text: 200 `ok`; 400 `invalid_payload` (not JSON, not an object, nothing to post, or over 256 KiB); 404 `no_service` (unknown or revoked webhook, deleted chat, or its bot removed from the chat); 410 `channel_is_archived`; 429 `rate_limited` with `Retry-After` (the webhook's bot has its own `messages` limit).",
          responses: {
            200: { description: "`ok`", content: { "text/plain": { schema: { type: "string" } } } },
            400: { description: "`invalid_payload`" },
            404: { description: "`no_service`" },
            410: { description: "`channel_is_archived`" },
            429: { description: "`rate_limited`, with Retry-After" },
          },
        },
      },
    )
    .use(
      new Elysia({ name: "webhook-admin", prefix: "/api", detail: { tags: ["Integrations"] } })
        .use(authenticated(deps))
        .post(
          "/chat/:id/webhooks",
          async ({ ctx, params, body, set, request, server }) => {
            const origin = requestOrigin(server, request, deps.config.server);
            const webhook = await createWebhook(ctx, Number(params.id), body, origin);
            set.status = 201;
            return webhook;
          },
          {
            params: IdParams,
            body: CreateWebhookBody,
            response: { 201: NewWebhook, ...changeErrors },
            detail: {
              summary: "Add an incoming webhook to a chat (members)",
              description:
                "Makes a bot user (`bot: true`) named after the webhook, a member of the chat, which every post to `url` is sent as. `url` is absolute: under `server.publicUrl` when set, else the request's origin (X-Forwarded-Proto and -Host believed from `server.trustedProxies`). **`url` is shown only here**: it holds a secret the server keeps only as a SHA-256, so a lost URL means a new webhook. Members only (403 in a public channel not joined or an archived channel; 404 if hidden); a direct message takes none (422). Sends `user.updated`, `chat.updated` and the bot's `chat.created`; recorded in the audit log.",
            },
          },
        )
        .get("/chat/:id/webhooks", ({ ctx, params }) => listWebhooks(ctx, Number(params.id)), {
          params: IdParams,
          response: { 200: t.Array(Webhook), ...changeErrors },
          detail: {
            summary: "A chat's webhooks (members)",
            description:
              "The chat's webhooks that are not revoked, oldest first, without their URLs: those were shown once, at creation, and only their hash is kept. Members only (403 in a public channel not joined; 404 if hidden).",
          },
        })
        .delete(
          "/webhooks/:id",
          async ({ ctx, params, set }) => {
            await revokeWebhook(ctx, Number(params.id));
            set.status = 204;
          },
          {
            params: IdParams,
            response: { 204: t.Void(), ...changeErrors },
            detail: {
              summary: "Revoke a webhook (its creator, owner and admins)",
              description:
                "Its URL answers 404 `no_service` from then on and its bot user is deactivated (`user.updated`); its messages stay. Revoking again is 204. Others who can see its chat get 403; a webhook of another workspace or a chat the caller cannot see is 404. Recorded in the audit log.",
            },
          },
        ),
    );
