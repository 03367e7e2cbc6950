import { Elysia, t } from "elysia";
import { errorResponses } from "../../errors.ts";
import { type AuthDeps, authenticated } from "../accounts/auth.ts";
import { PushEndpointBody, PushKey, PushSubscriptionBody } from "./model.ts";
import { getPushKey, subscribe, unsubscribe } from "./service.ts";

export const notificationRoutes = (deps: AuthDeps) =>
  new Elysia({ name: "notifications", prefix: "/api/push", detail: { tags: ["Notifications"] } })
    .use(authenticated(deps))
    .get("/key", ({ ctx }) => getPushKey(ctx), {
      response: { 200: PushKey, ...errorResponses },
      detail: {
        summary: "The server's VAPID public key, for PushManager.subscribe",
        description: "Made once and kept in the database: the same on every instance.",
      },
    })
    .post(
      "/subscriptions",
      async ({ ctx, body, set }) => {
        await subscribe(ctx, body);
        set.status = 201;
      },
      {
        body: PushSubscriptionBody,
        response: { 201: t.Void(), ...errorResponses },
        detail: {
          summary: "Register a browser's push subscription",
          description:
            'A notified user with no open connection gets a push on each subscription: the JSON `{type: "message", chatId, messageId, title, body}`, encrypted per RFC 8291. At most 10 per user (the oldest goes). `endpoint` must be https:// (422 otherwise) unless `push.allowHttp` is set. A push service\'s 404 or 410 removes the subscription.',
        },
      },
    )
    .delete(
      "/subscriptions",
      async ({ ctx, body, set }) => {
        await unsubscribe(ctx, body.endpoint);
        set.status = 204;
      },
      {
        body: PushEndpointBody,
        response: { 204: t.Void(), ...errorResponses },
        detail: {
          summary: "Remove one of the caller's push subscriptions",
          description: "An endpoint the caller has not registered changes nothing (204).",
        },
      },
    );
