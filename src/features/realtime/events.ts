// The events of the log and the frames of the live connections, as the contract writes them.
// The stored events themselves live with the log, in db/events.ts.
import { Type } from "@sinclair/typebox";
import { t } from "elysia";
import type { StoredEvent } from "../../../db/events.ts";
import { User, Workspace } from "../accounts/model.ts";
import { Chat } from "../chats/model.ts";
import { Message, SendMessageBody } from "../messages/model.ts";

export const Event = t.Object(
  {
    id: Type.Integer({ minimum: 1, description: "Grows with time; resume with since=<id>" }),
    type: t.Union([
      t.Literal("message.created"),
      t.Literal("message.updated"),
      t.Literal("chat.created"),
      t.Literal("chat.updated"),
      t.Literal("chat.removed"),
      t.Literal("user.updated"),
      t.Literal("workspace.updated"),
      t.Literal("chat.read"),
    ]),
    chatId: t.Nullable(Type.Integer({ minimum: 1 }), {
      description: "null for the workspace's events: user.updated and workspace.updated",
    }),
    data: t.Union([
      Message,
      Chat,
      t.Object({ id: Type.Integer({ minimum: 1 }) }),
      User,
      Workspace,
      t.Object({
        chatId: Type.Integer({ minimum: 1 }),
        lastReadMessageId: Type.Integer({ minimum: 1 }),
      }),
    ]),
  },
  { $id: "#/components/schemas/Event" },
);
export type Event = typeof Event.static;

/** What a client may send on the WebSocket. */
export const SendFrame = t.Object({
  type: t.Literal("send"),
  chatId: Type.Integer({ minimum: 1 }),
  content: SendMessageBody.properties.content,
  files: SendMessageBody.properties.files,
  clientId: SendMessageBody.properties.clientId,
  threadId: SendMessageBody.properties.threadId,
});
export type SendFrame = typeof SendFrame.static;

export const TypingFrame = t.Object({
  type: t.Literal("typing"),
  chatId: Type.Integer({ minimum: 1 }),
});
export type TypingFrame = typeof TypingFrame.static;

export const PingFrame = t.Object({ type: t.Literal("ping") });

/** A frame for one connection: a stored event carries its id (SSE writes it as `id:`). */
export type Frame = { type: string; json: string; id?: number };

export const frame = (type: string, body: Record<string, unknown> = {}): Frame => ({
  type,
  json: JSON.stringify({ type, ...body }),
});

export const eventFrame = (event: StoredEvent): Frame => ({
  type: event.type,
  json: event.json,
  id: event.id,
});
