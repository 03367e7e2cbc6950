// What Slack Socket Mode puts on the wire (API.md § Integrations; Slack's Socket Mode and Events
// API documentation): hello, disconnect, and events_api envelopes around event_callback payloads.
// Pure: the delivery (socket-mode.ts) looks up what these need.
import type { ChatType } from "../chats/model.ts";
import type { Message } from "../messages/model.ts";
import { chatSlackId, formatTs, slackId } from "./slack-ids.ts";
import { markdownToSlack } from "./slack-text.ts";

/** Slack's app id for a bot's app: the bot user's number, as B and U are (slack-ids.ts). */
export const appSlackId = (botUserId: number) => `A${botUserId}`;

/** Slack's channel_type for each kind of chat. */
const channelTypes: Record<ChatType, string> = {
  public_channel: "channel",
  private_channel: "group",
  single: "im",
  group: "mpim",
};

/** What an event for one message needs besides the message itself. */
export type MessageContext = {
  botUserId: number;
  workspaceId: number;
  chatType: ChatType;
  /** The message's own ts and, for a reply, its root's (microseconds). */
  ts: number;
  rootTs: number | undefined;
  /** Whether the sender is a bot: its events carry bot_id and subtype bot_message. */
  senderIsBot: boolean;
  /** For a reply: the root's sender (Slack's parent_user_id). */
  rootSenderId: number | undefined;
};

/** An envelope for one Slack event, before it is sent: sent again as is, only its retry fields change. */
export type Envelope = {
  envelopeId: string;
  /** The log event it came from: the app's cursor moves past it once acknowledged. */
  eventId: number;
  payload: Record<string, unknown>;
  /** Sends so far that were not acknowledged in time (Slack's retry_attempt of the next send). */
  attempt: number;
};

/**
 * Envelope ids are made from the log event's id, the kind of Slack event and the app, in the
 * form of Slack's UUIDs: an event sent again, by this instance or after a restart, keeps its id.
 */
function envelopeId(eventId: number, kind: 0 | 1, botUserId: number): string {
  const hex = `${eventId.toString(16).padStart(16, "0")}${kind}${botUserId.toString(16).padStart(15, "0")}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The envelopes one message.created gives the app: a `message` event, and an `app_mention` as
 * well when the message mentions the bot (`<@id>`), each with Slack's fields.
 */
export function messageEnvelopes(
  eventId: number,
  message: Message,
  context: MessageContext,
): Envelope[] {
  const { botUserId, workspaceId } = context;
  const team = slackId("T", workspaceId);
  const ts = formatTs(context.ts);
  const common = {
    user: slackId("U", message.senderId),
    text: markdownToSlack(message.content),
    ts,
    channel: chatSlackId({ id: message.chatId, type: context.chatType }),
    event_ts: ts,
    team,
    ...(context.rootTs !== undefined && {
      thread_ts: formatTs(context.rootTs),
      ...(context.rootSenderId !== undefined && {
        parent_user_id: slackId("U", context.rootSenderId),
      }),
    }),
  };
  const events: [0 | 1, Record<string, unknown>][] = [
    [
      0,
      {
        type: "message",
        ...(context.senderIsBot && {
          subtype: "bot_message",
          bot_id: slackId("B", message.senderId),
        }),
        ...common,
        channel_type: channelTypes[context.chatType],
      },
    ],
  ];
  if (message.mentions.includes(botUserId)) events.push([1, { type: "app_mention", ...common }]);
  return events.map(([kind, event]) => ({
    envelopeId: envelopeId(eventId, kind, botUserId),
    eventId,
    attempt: 0,
    payload: {
      token: "",
      team_id: team,
      api_app_id: appSlackId(botUserId),
      event,
      type: "event_callback",
      event_id: `Ev${kind === 0 ? "M" : "A"}${eventId}`,
      event_time: Math.floor(Date.parse(message.createdAt) / 1000),
      authorizations: [
        {
          enterprise_id: null,
          team_id: team,
          user_id: slackId("U", botUserId),
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: false,
    },
  }));
}

/** The envelope as it is sent now: its retry fields say how often it went unacknowledged. */
export const envelopeFrame = (envelope: Envelope): string =>
  JSON.stringify({
    envelope_id: envelope.envelopeId,
    payload: envelope.payload,
    type: "events_api",
    accepts_response_payload: false,
    retry_attempt: envelope.attempt,
    retry_reason: envelope.attempt > 0 ? "timeout" : "",
  });

/** The first frame on every socket. */
export const helloFrame = (botUserId: number, connections: number, host: string): string =>
  JSON.stringify({
    type: "hello",
    num_connections: connections,
    debug_info: { host },
    connection_info: { app_id: appSlackId(botUserId) },
  });

/**
 * Why the server is about to close a socket, as Slack says it: `refresh_requested` (connect
 * again: a shutdown, a refresh), `link_disabled` (the app's token was revoked),
 * `too_many_websockets` (the app has the most sockets it may have).
 */
export type DisconnectReason = "refresh_requested" | "link_disabled" | "too_many_websockets";

export const disconnectFrame = (reason: DisconnectReason, host: string): string =>
  JSON.stringify({ type: "disconnect", reason, debug_info: { host } });
