import { Elysia, t } from "elysia";
import { ErrorBody, errorResponses } from "../../errors.ts";
import { type AuthDeps, authenticated } from "../accounts/auth.ts";
import {
  Chat,
  CreateChatBody,
  IdParams,
  NotifyBody,
  ReadAnswer,
  ReadBody,
  UpdateChatBody,
} from "./model.ts";
import { getChatWithState, listChatsWithState, markRead, setNotify } from "./read-state.ts";
import {
  archiveChat,
  createChat,
  deleteChat,
  joinChat,
  leaveChat,
  listChannels,
  updateChat,
} from "./service.ts";

const withChat = { params: IdParams } as const;
const ownerErrors = { 403: ErrorBody, 409: ErrorBody, ...errorResponses } as const;

export const chatRoutes = (deps: AuthDeps) =>
  new Elysia({ name: "chats", prefix: "/api", detail: { tags: ["Chats"] } })
    .use(authenticated(deps))
    .get("/chat", ({ ctx }) => listChatsWithState(ctx), {
      response: { 200: t.Array(Chat), ...errorResponses },
      detail: {
        summary: "The caller's chats, latest activity first",
        description:
          "Each with the caller's `state`: read marker, unread and mention counts (up to 1,000), notification level.",
      },
    })
    .post(
      "/chat",
      async ({ ctx, body, set }) => {
        const { chat, created } = await createChat(ctx, body);
        set.status = created ? 201 : 200;
        return chat;
      },
      {
        body: CreateChatBody,
        response: { 200: Chat, 201: Chat, ...ownerErrors },
        detail: {
          summary: "Create a chat",
          description:
            "Without `type`: a name gives a private channel, two members in all a single chat, more a group. A repeated single chat answers 200 with the existing one.",
        },
      },
    )
    .get("/chat/:id", ({ ctx, params }) => getChatWithState(ctx, Number(params.id)), {
      ...withChat,
      response: { 200: Chat, ...errorResponses },
      detail: {
        summary: "A chat the caller can see",
        description: "With the caller's `state` when they are a member.",
      },
    })
    // Read state (issue #24).
    .post(
      "/chat/:id/read",
      ({ ctx, params, body }) => markRead(ctx, Number(params.id), body.messageId),
      {
        ...withChat,
        body: ReadBody,
        response: { 200: ReadAnswer, 403: ErrorBody, ...errorResponses },
        detail: {
          summary: "Mark a chat read up to a message",
          description:
            "Members only (403 in a public channel not joined). `messageId` must be a message of the chat, a reply or a tombstone included (422 otherwise). The marker only moves forward: an earlier message answers 200 with the current state and records nothing; moving it sends `chat.read` to all the caller's connections.",
        },
      },
    )
    .put(
      "/chat/:id/notify",
      ({ ctx, params, body }) => setNotify(ctx, Number(params.id), body.level),
      {
        ...withChat,
        body: NotifyBody,
        response: { 200: Chat, 403: ErrorBody, ...errorResponses },
        detail: {
          summary: "Set the caller's notification level in a chat",
          description:
            "Members only (403 in a public channel not joined). The default is `all` in single and group chats, `mentions` in channels. Answers the Chat with the caller's `state`.",
        },
      },
    )
    .patch("/chat/:id", ({ ctx, params, body }) => updateChat(ctx, Number(params.id), body), {
      ...withChat,
      body: UpdateChatBody,
      response: { 200: Chat, ...ownerErrors },
      detail: {
        summary:
          "Rename a chat (its owner; for channels also the workspace's owner and admins) or replace its members (its owner)",
        description:
          "`members` replaces the member list; the owner always stays. A deactivated user cannot be added (422). An archived channel is 403.",
      },
    })
    .delete(
      "/chat/:id",
      async ({ ctx, params, set }) => {
        await deleteChat(ctx, Number(params.id));
        set.status = 204;
      },
      {
        ...withChat,
        response: { 204: t.Void(), 403: ErrorBody, ...errorResponses },
        detail: {
          summary:
            "Delete a chat and its messages (its owner; for channels also the workspace's owner and admins)",
        },
      },
    )
    .post("/chat/:id/join", ({ ctx, params }) => joinChat(ctx, Number(params.id)), {
      ...withChat,
      response: { 200: Chat, ...errorResponses },
      detail: {
        summary: "Join a public channel",
        description: "Joining a chat you are already in is 200 and changes nothing.",
      },
    })
    .post(
      "/chat/:id/leave",
      async ({ ctx, params, set }) => {
        await leaveChat(ctx, Number(params.id));
        set.status = 204;
      },
      {
        ...withChat,
        response: { 204: t.Void(), ...errorResponses },
        detail: {
          summary: "Leave a chat",
          description:
            "The earliest-joined member becomes owner when the owner leaves; the last member to leave deletes the chat. A single chat cannot be left (422).",
        },
      },
    )
    .get("/channels", ({ ctx, query }) => listChannels(ctx, query), {
      query: t.Object({
        archived: t.Optional(
          t.BooleanString({ description: "true: archived channels too (default false)" }),
        ),
      }),
      response: { 200: t.Array(Chat), ...errorResponses },
      detail: {
        summary: "Every public channel of the workspace, joined or not",
        description: "Archived channels are left out unless `?archived=true`.",
      },
    })
    .post("/chat/:id/archive", ({ ctx, params }) => archiveChat(ctx, Number(params.id), true), {
      ...withChat,
      body: t.Optional(t.Object({})),
      response: { 200: Chat, 403: ErrorBody, ...errorResponses },
      detail: {
        summary: "Archive a channel (its owner, the workspace's owner and admins)",
        description:
          "Channels only (422 otherwise). An archived channel is read-only: sending, joining and PATCH are 403; reading, leaving and DELETE still work. Sends `chat.updated` to its members (none when it already is archived); recorded in the audit log.",
      },
    })
    .post("/chat/:id/unarchive", ({ ctx, params }) => archiveChat(ctx, Number(params.id), false), {
      ...withChat,
      body: t.Optional(t.Object({})),
      response: { 200: Chat, 403: ErrorBody, ...errorResponses },
      detail: {
        summary: "Unarchive a channel (its owner, the workspace's owner and admins)",
        description: "Sends `chat.updated`; recorded in the audit log.",
      },
    });
