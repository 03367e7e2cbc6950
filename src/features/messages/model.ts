// Wire models of messages, as the API contract writes them.
import { Type } from "@sinclair/typebox";
import { t } from "elysia";
import { FileInfo } from "../files/model.ts";

/** The largest id anything takes (15 digits, as in paths): past it an id names nothing, and
 * PostgreSQL's bigint would refuse it. */
export const maxId = 999_999_999_999_999;

export const maxContentLength = 8000;
export const maxFilesPerMessage = 10;
export { maxEmojiPerMessage, maxPinsPerChat } from "../../../db/store.ts";
/** A Slack-style emoji name, optionally with a skin tone (`+1`, `tada`, `+1::skin-tone-3`). */
export const emojiPattern = /^[a-z0-9_+'-]{1,100}(::skin-tone-[2-6])?$/;

export const Reaction = t.Object(
  {
    emoji: t.String({ description: "A Slack-style name such as `+1` or `tada::skin-tone-3`" }),
    userIds: t.Array(Type.Integer({ minimum: 1 }), { description: "In the order they reacted" }),
  },
  { $id: "#/components/schemas/Reaction" },
);
export type Reaction = typeof Reaction.static;

export const Message = t.Object(
  {
    id: Type.Integer({ minimum: 1, description: "Grows with time across the whole server" }),
    chatId: Type.Integer({ minimum: 1 }),
    senderId: Type.Integer({ minimum: 1 }),
    content: t.String(),
    files: t.Array(t.String(), { description: "File URLs from POST /api/upload" }),
    clientId: t.Nullable(t.String(), { description: "The sender's idempotency key" }),
    createdAt: t.String({ format: "date-time" }),
    threadId: t.Nullable(Type.Integer({ minimum: 1 }), {
      description: "The top-level message this one replies to; null on a top-level message",
    }),
    replyCount: Type.Integer({ minimum: 0, description: "Replies not deleted (0 on a reply)" }),
    lastReplyAt: t.Nullable(t.String({ format: "date-time" }), {
      description: "The newest reply's createdAt; null without replies",
    }),
    editedAt: t.Nullable(t.String({ format: "date-time" }), {
      description: "The time of the last edit; null if never edited (or deleted)",
    }),
    deleted: t.Boolean({ description: "A tombstone: content, files, reactions erased" }),
    reactions: t.Array(Reaction, { description: "Each emoji in the order first added" }),
    pinned: t.Boolean(),
    mentions: t.Array(Type.Integer({ minimum: 1 }), {
      description: "Users of the workspace named as <@id> in content, once each, in order",
    }),
    attachments: t.Array(FileInfo, {
      description: "One per entry of files, same order, with the name it was sent under",
    }),
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
  threadId: t.Optional(
    t.Nullable(
      Type.Integer({
        minimum: 1,
        maximum: maxId,
        description:
          "Reply in the thread of this top-level message of the chat (not deleted), else 422",
        error: "threadId: must be a message id (a positive integer)",
      }),
    ),
  ),
});
export type SendMessageBody = typeof SendMessageBody.static;

export const HistoryQuery = t.Object({
  before: t.Optional(
    t.Integer({
      minimum: 1,
      maximum: maxId,
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
  thread: t.Optional(
    t.Integer({
      minimum: 1,
      maximum: maxId,
      description: "A top-level message of this chat: list its replies instead",
      error: "query field thread: must be a message id (a positive integer)",
    }),
  ),
  around: t.Optional(
    t.Integer({
      minimum: 1,
      maximum: maxId,
      description:
        "A message of this chat (a reply stands for its root): the page around it, half newer and half older",
      error: "query field around: must be a message id (a positive integer)",
    }),
  ),
});
export type HistoryQuery = typeof HistoryQuery.static;

export const EditMessageBody = t.Object({
  content: t.String({
    maxLength: maxContentLength,
    description: "The new content; may be empty only when the message carries files",
  }),
});
export type EditMessageBody = typeof EditMessageBody.static;

export const Edit = t.Object(
  {
    content: t.String({ description: "The text this edit replaced" }),
    replacedAt: t.String({ format: "date-time" }),
  },
  { $id: "#/components/schemas/Edit" },
);
export type Edit = typeof Edit.static;
