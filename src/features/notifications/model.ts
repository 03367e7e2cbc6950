// Wire models of Web Push (contract v2, § Read state and notifications).
import { t } from "elysia";

const base64url = (description: string) =>
  t.String({ minLength: 1, maxLength: 256, pattern: "^[A-Za-z0-9_-]+={0,2}$", description });

export const PushKey = t.Object({
  publicKey: t.String({
    description:
      "The server's VAPID key: unpadded base64url of the 65-byte uncompressed P-256 point",
  }),
});

/** A browser's PushSubscription, as `subscription.toJSON()` gives it. */
export const PushSubscriptionBody = t.Object({
  endpoint: t.String({ minLength: 1, maxLength: 2048, description: "The push service's URL" }),
  keys: t.Object({
    p256dh: base64url("The browser's P-256 public key"),
    auth: base64url("The browser's 16-byte authentication secret"),
  }),
  expirationTime: t.Optional(t.Nullable(t.Number())),
});
export type PushSubscriptionBody = typeof PushSubscriptionBody.static;

export const PushEndpointBody = t.Object({
  endpoint: t.String({ minLength: 1, maxLength: 2048 }),
});

/** What a push carries to the service worker. */
export type PushPayload = {
  type: "message";
  chatId: number;
  messageId: number;
  title: string;
  body: string;
};
