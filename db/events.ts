// The event log's records, framework-free: what a write appends and what a client is sent.
// The realtime feature builds its frames and its OpenAPI schema on these.

export const eventTypes = [
  "message.created",
  "message.updated",
  "chat.created",
  "chat.updated",
  "chat.removed",
] as const;
export type EventType = (typeof eventTypes)[number];

/**
 * An event as stored: `userId` set means it is for that user alone (chat.created, chat.removed);
 * null means it is for whoever is a member of the chat at that moment. `json` is the exact text
 * sent to clients, serialized once when the event is written.
 */
export interface StoredEvent {
  id: number;
  type: EventType;
  chatId: number;
  userId: number | null;
  json: string;
}

/** The event's wire text, built by concatenation around data that was serialized once. */
export const eventJson = (id: number, type: EventType, chatId: number, data: string) =>
  `{"id":${id},"type":"${type}","chatId":${chatId},"data":${data}}`;
