// Wire models of messages, as the API contract writes them.
import { Type } from "@sinclair/typebox";
import { t } from "elysia";

export const maxContentLength = 8000;
export const maxFilesPerMessage = 10;

export const Message = t.Object(
  {
    id: Type.Integer({ minimum: 1, description: "Grows with time across the whole server" }),
    chatId: Type.Integer({ minimum: 1 }),
    senderId: Type.Integer({ minimum: 1 }),
    content: t.String(),
    files: t.Array(t.String(), { description: "File URLs from POST /api/upload" }),
    clientId: t.Nullable(t.String(), { description: "The sender's idempotency key" }),
    createdAt: t.String({ format: "date-time" }),
  },
  { $id: "#/components/schemas/Message" },
);
export type Message = typeof Message.static;

export const SendMessageBody = t.Object({
  content: t.String({
    maxLength: maxContentLength,
    description: "May be empty only when files are attached",
  }),
  files: t.Optional(
    t.Array(t.String({ maxLength: 2048 }), {
      maxItems: maxFilesPerMessage,
      description: "URLs returned by POST /api/upload in the caller's workspace",
    }),
  ),
  clientId: t.Optional(
    t.Nullable(
      t.String({
        minLength: 1,
        maxLength: 64,
        description: "Idempotency key: a repeat returns the original message with 200",
      }),
    ),
  ),
});
export type SendMessageBody = typeof SendMessageBody.static;

export const HistoryQuery = t.Object({
  before: t.Optional(
    t.Integer({
      minimum: 1,
      description: "A message id (exclusive): page backwards from it",
      error: "query field before: must be a message id (a positive integer)",
    }),
  ),
  limit: t.Optional(
    t.Integer({
      minimum: 1,
      maximum: 100,
      default: 50,
      error: "query field limit: must be an integer from 1 to 100",
    }),
  ),
});
export type HistoryQuery = typeof HistoryQuery.static;
