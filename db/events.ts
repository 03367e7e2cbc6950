// The event log's records, framework-free: what a write appends and what a client is sent.
// The realtime feature builds its frames and its OpenAPI schema on these.

export const eventTypes = [
  "message.created",
  "message.updated",
  "chat.created",
  "chat.updated",
  "chat.removed",
  "user.updated",
  "workspace.updated",
  "chat.read",
] as const;
export type EventType = (typeof eventTypes)[number];

/**
 * An event as stored, for one of three audiences. A chat event (`userId` null, `workspaceId`
 * null) is for whoever is a member of the chat at that moment; a user event (`userId` set:
 * chat.created, chat.removed, chat.read) is for that user alone; a workspace event (`workspaceId` set,
 * `chatId` null: user.updated, workspace.updated) is for every user of the workspace. `json` is
 * the exact text sent to clients, serialized once when the event is written.
 */
export type StoredEvent = {
  id: number;
  type: EventType;
  json: string;
} & (
  | { chatId: number; userId: number | null; workspaceId: null }
  | { chatId: null; userId: null; workspaceId: number }
);

/** The event's wire text, built by concatenation around data that was serialized once. */
export const eventJson = (id: number, type: EventType, chatId: number | null, data: string) =>
  `{"id":${id},"type":"${type}","chatId":${chatId},"data":${data}}`;
