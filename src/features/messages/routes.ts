import { Elysia, t } from "elysia";
import { ErrorBody, errorResponses } from "../../errors.ts";
import { documentedOnly } from "../../ops/openapi.ts";
import { headers } from "../../rate-limit.ts";
import { type AuthDeps, authenticated } from "../accounts/auth.ts";
import { IdParams } from "../chats/model.ts";
import { HistoryQuery, Message, SendMessageBody } from "./model.ts";
import { listMessages, sendMessage } from "./service.ts";

export const messageRoutes = (deps: AuthDeps) =>
  new Elysia({ name: "messages", prefix: "/api", detail: { tags: ["Messages"] } })
    .use(authenticated(deps))
    .post(
      "/chat/:id",
      async ({ ctx, params, body, set }) => {
        const { message, created, limit } = await sendMessage(ctx, Number(params.id), body);
        if (limit) Object.assign(set.headers, headers(limit));
        set.status = created ? 201 : 200;
        return message;
      },
      {
        params: IdParams,
        body: SendMessageBody,
        response: { 200: Message, 201: Message, 403: ErrorBody, ...errorResponses },
        detail: {
          summary: "Send a message",
          description:
            "Members only (403 in a public channel not joined). A repeated `clientId` from the same sender in the same chat answers 200 with the original message.",
        },
      },
    )
    .get(
      "/chat/:id/messages",
      ({ ctx, params, query }) => listMessages(ctx, Number(params.id), query),
      {
        params: IdParams,
        query: HistoryQuery,
        detail: {
          summary: "Message history, newest first",
          description: "Page backwards with `before` (a message id, exclusive); `limit` 1–100.",
          ...documentedOnly({ 200: t.Array(Message), ...errorResponses }),
        },
      },
    );
