// How a failure reads on Slack's side of the bridge (API.md § Integrations): Slack's error names,
// decided here once for every method. Slack answers HTTP 200 with `{ok: false, error}` for all of
// them; only a rate limit keeps its 429 (with Retry-After), as Slack's own API does.
import { type ErrorCode, toAppError } from "../../errors.ts";

/** A failure the bridge names itself, in Slack's words (`channel_not_found`, `invalid_cursor`). */
export class SlackError extends Error {
  constructor(
    readonly error: string,
    /** Slack's `response_metadata.messages`: what was wrong with the arguments, for a person. */
    readonly messages: string[] = [],
  ) {
    super(error);
    this.name = "SlackError";
  }
}

/** A required argument missing or unusable: Slack's `invalid_arguments`, with what it was. */
export const invalidArgument = (name: string, problem = "is required") =>
  new SlackError("invalid_arguments", [`[ERROR] ${name}: ${problem}`]);

/**
 * What our verbs' refusals mean on each method, once the bridge has resolved the channel and the
 * message itself (`channel_not_found` and `message_not_found` for what is missing or hidden, so a
 * verb's not_found is the message or thread gone meanwhile). A verb's `forbidden` in a channel
 * the caller is not in, or one that is archived, is decided from the channel (slack-api.ts);
 * what is left is the method's own refusal, listed here.
 */
const byMethod: Record<string, Partial<Record<ErrorCode, string>>> = {
  "chat.postMessage": { not_found: "channel_not_found", validation_failed: "invalid_arguments" },
  "chat.update": {
    not_found: "message_not_found",
    forbidden: "cant_update_message",
    validation_failed: "invalid_arguments",
  },
  "chat.delete": { not_found: "message_not_found", forbidden: "cant_delete_message" },
  "conversations.create": {
    conflict: "name_taken",
    forbidden: "restricted_action",
    validation_failed: "invalid_name",
  },
  "conversations.join": { forbidden: "method_not_supported_for_channel_type" },
  "conversations.open": { validation_failed: "user_not_found", forbidden: "restricted_action" },
  "conversations.mark": { validation_failed: "invalid_timestamp" },
  "reactions.add": { not_found: "message_not_found", validation_failed: "too_many_reactions" },
  "reactions.remove": { not_found: "message_not_found" },
  "pins.add": { not_found: "message_not_found", validation_failed: "too_many_pins" },
  "pins.remove": { not_found: "message_not_found" },
  "search.messages": { validation_failed: "invalid_arguments" },
};

/** Whatever the codes do not say otherwise: Slack's general names. */
const general: Partial<Record<ErrorCode, string>> = {
  unauthorized: "invalid_auth",
  not_found: "channel_not_found",
  forbidden: "restricted_action",
  validation_failed: "invalid_arguments",
  bad_request: "invalid_arguments",
  payload_too_large: "invalid_arguments",
  conflict: "name_taken",
  unavailable: "service_unavailable",
};

export type SlackFailure = {
  error: string;
  /** Set for a rate limit: the whole seconds of its Retry-After. */
  retryAfter?: string;
  messages?: string[];
  /** An error Slack's names cannot say: the caller logs it, as the global handler would. */
  unexpected?: unknown;
};

/** Any error a method threw, as Slack names it. */
export function slackFailure(method: string, error: unknown): SlackFailure {
  if (error instanceof SlackError) return { error: error.error, messages: error.messages };
  // Storage's own errors (a name taken) become ours first, as the global handler reads them.
  const appError = toAppError(error, "UNKNOWN");
  if (appError.code === "rate_limited") {
    return { error: "ratelimited", retryAfter: appError.headers["retry-after"] ?? "1" };
  }
  const name = byMethod[method]?.[appError.code] ?? general[appError.code];
  if (name) return { error: name, messages: [appError.message] };
  return { error: "internal_error", unexpected: error };
}
