// Wire models of chats, as the API contract writes them.
import { Type } from "@sinclair/typebox";
import { t } from "elysia";
import { Name } from "../accounts/model.ts";

export const chatTypes = ["single", "group", "private_channel", "public_channel"] as const;
export type ChatType = (typeof chatTypes)[number];

// Not t.UnionEnum: it defaults to its first value, which would make a missing type "single".
export const ChatType = t.Union(
  [
    t.Literal("single"),
    t.Literal("group"),
    t.Literal("private_channel"),
    t.Literal("public_channel"),
  ],
  {
    description:
      "single: two people; group: three or more; private_channel: named, by invitation; public_channel: named, anyone in the workspace may join",
  },
);

export const Chat = t.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    workspaceId: Type.Integer({ minimum: 1 }),
    type: ChatType,
    name: t.Nullable(t.String(), { description: "null for single chats" }),
    ownerId: Type.Integer({ minimum: 1 }),
    members: t.Array(Type.Integer({ minimum: 1 }), { description: "Sorted user ids" }),
    createdAt: t.String({ format: "date-time" }),
    lastMessageId: t.Nullable(Type.Integer({ minimum: 1 })),
    archived: t.Boolean({ description: "An archived channel is read-only" }),
    state: t.Optional(
      t.Object(
        {
          lastReadMessageId: Type.Integer({ minimum: 0 }),
          unreadCount: Type.Integer({ minimum: 0, maximum: 1000 }),
          mentionCount: Type.Integer({ minimum: 0, maximum: 1000 }),
          notify: t.Union([t.Literal("all"), t.Literal("mentions"), t.Literal("none")]),
        },
        {
          description:
            "The caller's own read state, in HTTP answers to a member only (never in events); counts stop at 1,000",
        },
      ),
    ),
  },
  { $id: "#/components/schemas/Chat" },
);
export type Chat = typeof Chat.static;

const MemberIds = t.Array(Type.Integer({ minimum: 1 }), {
  maxItems: 10_000,
  description: "User ids of the caller's workspace",
});

export const ChatName = Name(64, "Required for channels, optional for groups, absent for single");

export const CreateChatBody = t.Object({
  type: t.Optional(ChatType),
  name: t.Optional(t.Nullable(ChatName)),
  members: MemberIds,
});
export type CreateChatBody = typeof CreateChatBody.static;

export const UpdateChatBody = t.Object({
  name: t.Optional(t.Nullable(ChatName)),
  members: t.Optional(MemberIds),
});
export type UpdateChatBody = typeof UpdateChatBody.static;

/**
 * A chat's or user's id in a path: anything but a positive integer names nothing (404), and so
 * does one past 2^31-1, as PostgreSQL numbers chats and users in 32 bits.
 */
export const RowId = t.String({
  pattern:
    "^(?:[1-9][0-9]{0,8}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7])$",
  description: "A positive integer id, at most 2147483647",
});

/** A message's id in a path: messages are numbered in 64 bits; 15 digits is where ids stop. */
export const MessageRowId = t.String({
  pattern: "^[1-9][0-9]{0,14}$",
  description: "A positive integer id",
});

export const IdParams = t.Object({ id: RowId });

// Read state (issue #24).

export const ReadBody = t.Object({
  messageId: Type.Integer({
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    description: "A message of the chat: a reply or a tombstone too",
  }),
});

export const ReadAnswer = t.Object({
  chatId: Type.Integer({ minimum: 1 }),
  lastReadMessageId: Type.Integer({ minimum: 0 }),
  unreadCount: Type.Integer({ minimum: 0, maximum: 1000 }),
  mentionCount: Type.Integer({ minimum: 0, maximum: 1000 }),
});
export type ReadAnswer = typeof ReadAnswer.static;

export const NotifyLevel = t.Union([t.Literal("all"), t.Literal("mentions"), t.Literal("none")], {
  description:
    "all: every top-level message; mentions: mentions and replies in one's threads; none",
});

export const NotifyBody = t.Object({ level: NotifyLevel });
