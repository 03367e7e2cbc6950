import { Elysia, t } from "elysia";
import { ErrorBody, errorResponses } from "../../errors.ts";
import { documentedOnly } from "../../ops/openapi.ts";
import { headers } from "../../rate-limit.ts";
import { type AuthDeps, authenticated } from "../accounts/auth.ts";
import { IdParams, MessageRowId, RowId } from "../chats/model.ts";
import { Edit, EditMessageBody, HistoryQuery, Message, SendMessageBody } from "./model.ts";
import {
  deleteMessage,
  editMessage,
  getMessage,
  listEdits,
  listMessages,
  listPins,
  pin,
  react,
  sendMessage,
} from "./service.ts";

const MessageParams = t.Object({ id: RowId, messageId: MessageRowId });
const ReactionParams = t.Object({
  id: RowId,
  messageId: MessageRowId,
  emoji: t.String({ description: "A Slack-style emoji name, e.g. `+1` or `+1::skin-tone-3`" }),
});
const changeErrors = { 403: ErrorBody, ...errorResponses } as const;

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
          summary: "Send a message, or reply in a thread",
          description:
            "Members only (403 in a public channel not joined). A repeated `clientId` from the same sender in the same chat answers 200 with the original message (a tombstone if it was deleted since). `threadId` makes the message a reply: it must be a top-level message of this chat that is not deleted (else 422); the reply's `message.created` is followed by its root's `message.updated` (new `replyCount` and `lastReplyAt`), and a reply changes neither the chat's `lastMessageId` nor its activity. `<@id>` names a user of the workspace (`mentions`); `<!channel>` and `<!here>` mention every member.",
        },
      },
    )
    .get(
      "/chat/:id/messages",
      async ({ ctx, params, query }) =>
        new Response(await listMessages(ctx, Number(params.id), query), {
          headers: { "content-type": "application/json; charset=utf-8" },
        }),
      {
        params: IdParams,
        query: HistoryQuery,
        detail: {
          summary: "Message history or a thread's replies, newest first",
          description:
            "Top-level messages only; deleted ones are left out, except roots that still have replies, which appear as tombstones. With `thread` (a top-level message of this chat, else 404; a deleted root works too), its replies that are not deleted. Page backwards with `before` (a message id, exclusive); `limit` 1–100. `around` (a message of this chat, else 404; a reply stands for its root; not with `thread` or `before`, 422) answers the page around it, newest first: up to ⌊(limit−1)/2⌋ newer messages, the message, and older ones to fill `limit`, for opening a search result in its chat.",
          ...documentedOnly({ 200: t.Array(Message), ...errorResponses }),
        },
      },
    )
    .get(
      "/chat/:id/messages/:messageId",
      ({ ctx, params }) => getMessage(ctx, Number(params.id), Number(params.messageId)),
      {
        params: MessageParams,
        response: { 200: Message, ...errorResponses },
        detail: {
          summary: "One message of a chat",
          description:
            "Any message of a chat the caller can read, top-level or reply; a deleted one as its tombstone. 404 for a message of another chat.",
        },
      },
    )
    .patch(
      "/chat/:id/messages/:messageId",
      ({ ctx, params, body }) =>
        editMessage(ctx, Number(params.id), Number(params.messageId), body.content),
      {
        params: MessageParams,
        body: EditMessageBody,
        response: { 200: Message, ...changeErrors },
        detail: {
          summary: "Edit a message",
          description:
            "The sender only, while a member (403 for anyone else, and in an archived channel); 404 when the chat is not visible, the message is not in it, or it is deleted. Content rules are those of sending. The replaced text joins the edit history; `mentions` are recomputed; members get `message.updated`. The same content answers 200 and records nothing. Counts against the `messages` rate limit.",
        },
      },
    )
    .delete(
      "/chat/:id/messages/:messageId",
      async ({ ctx, params, set }) => {
        await deleteMessage(ctx, Number(params.id), Number(params.messageId));
        set.status = 204;
      },
      {
        params: MessageParams,
        response: { 204: t.Void(), ...changeErrors },
        detail: {
          summary: "Delete a message for good",
          description:
            "The sender (while a member), the channel's owner (channels only), or the workspace's owner and admins, in a chat they can see; 403 for anyone else, and in an archived channel. Deleting someone else's message is recorded in the audit log. Erases the content, edit history, reactions, mentions, pin and files: a file no other message carries is removed from disk and its URL answers 404 (an upload of the same bytes by someone else, not sent yet and less than 24 hours old, keeps it for that uploader alone). The message stays as a tombstone (`deleted: true`) where it has replies; a deleted reply lowers its root's `replyCount`. The chat's `lastMessageId` and activity stay as they were. Deleting a deleted message is 204 and changes nothing. Counts against the `messages` rate limit.",
        },
      },
    )
    .get(
      "/chat/:id/messages/:messageId/edits",
      ({ ctx, params }) => listEdits(ctx, Number(params.id), Number(params.messageId)),
      {
        params: MessageParams,
        response: { 200: t.Array(Edit), ...errorResponses },
        detail: {
          summary: "A message's edit history, oldest first",
          description:
            "The texts edits replaced, with when; open to whoever can read the chat. A deleted message's history is erased: `[]`.",
        },
      },
    )
    .put(
      "/chat/:id/messages/:messageId/reactions/:emoji",
      ({ ctx, params }) =>
        react(ctx, Number(params.id), Number(params.messageId), params.emoji, true),
      {
        params: ReactionParams,
        response: { 200: Message, ...changeErrors },
        detail: {
          summary: "React to a message",
          description:
            "Members only (403 in a public channel not joined and in an archived channel, 404 when not visible or the message is deleted). `emoji`: 1–100 characters of `a-z 0-9 _ + - '`, optionally `::skin-tone-2`…`::skin-tone-6` (422 otherwise); names are stored as given. A reaction already there answers 200 and records nothing; at most 50 different emoji per message (422). Counts against the `messages` rate limit.",
        },
      },
    )
    .delete(
      "/chat/:id/messages/:messageId/reactions/:emoji",
      ({ ctx, params }) =>
        react(ctx, Number(params.id), Number(params.messageId), params.emoji, false),
      {
        params: ReactionParams,
        response: { 200: Message, ...changeErrors },
        detail: {
          summary: "Take back one's reaction",
          description:
            "Members only, as for adding. Removing what is not there answers 200 and records nothing; an emoji whose last user removed it leaves the list (added again, it goes last).",
        },
      },
    )
    .put(
      "/chat/:id/pins/:messageId",
      ({ ctx, params }) => pin(ctx, Number(params.id), Number(params.messageId), true),
      {
        params: MessageParams,
        response: { 200: Message, ...changeErrors },
        detail: {
          summary: "Pin a message",
          description:
            "Members only (403 in a public channel not joined and in an archived channel; 404 when not visible, or the message is deleted or of another chat). Replies may be pinned. Pinning a pinned message answers 200 and records nothing; at most 100 pinned messages per chat (422). Counts against the `messages` rate limit.",
        },
      },
    )
    .delete(
      "/chat/:id/pins/:messageId",
      ({ ctx, params }) => pin(ctx, Number(params.id), Number(params.messageId), false),
      {
        params: MessageParams,
        response: { 200: Message, ...changeErrors },
        detail: {
          summary: "Unpin a message",
          description:
            "Members only, as for pinning; unpinning what is not pinned records nothing.",
        },
      },
    )
    .get("/chat/:id/pins", ({ ctx, params }) => listPins(ctx, Number(params.id)), {
      params: IdParams,
      detail: {
        summary: "The chat's pinned messages, most recently pinned first",
        description: "Open to whoever can read the chat.",
        ...documentedOnly({ 200: t.Array(Message), ...errorResponses }),
      },
    });
