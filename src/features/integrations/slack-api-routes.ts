// `/api/slack/{method}`: Slack's Web API for Slack's own clients (API.md § Integrations). It
// reads its own bodies (forms or JSON, refused in Slack's words) and answers as Slack does:
// HTTP 200 with `{ok}` whatever happened, 429 with Retry-After for a rate limit.
import { Elysia, t } from "elysia";
import { maxJsonBytes, nulPath, parseJson, readLimited } from "../../body.ts";
import { documentedOnly } from "../../ops/openapi.ts";
import { requestOrigin } from "../../ops/origin.ts";
import { type AuthDeps, bearerToken, tokens } from "../accounts/auth.ts";
import { callSlackMethod, type SlackBody, slackMethods } from "./slack-api.ts";
import type { Args } from "./slack-api-args.ts";

/** The JSON body parser (src/body.ts) leaves this route's bodies to it. */
const slackApiRoute = "/api/slack/:method";

export async function readSlackBody(request: Request, contentType: string): Promise<SlackBody> {
  const bytes = await readLimited(request, maxJsonBytes);
  if (!bytes) return { refusal: "invalid_arguments" };
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  let args: Args;
  if (bytes.length === 0) args = {};
  else if (type === "application/json") {
    let value: unknown;
    try {
      value = parseJson(bytes);
    } catch {
      return { refusal: "invalid_json" };
    }
    if (value === undefined) value = {};
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return { refusal: "json_not_object" };
    }
    args = value as Args;
  } else if (type === "application/x-www-form-urlencoded" || type === "text/plain") {
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return { refusal: "invalid_form_data" };
    }
    args = Object.fromEntries(new URLSearchParams(text));
  } else if (type === "multipart/form-data") {
    try {
      const form = await new Response(bytes, {
        headers: { "content-type": contentType },
      }).formData();
      args = {};
      for (const [name, value] of form) if (typeof value === "string") args[name] = value;
    } catch {
      return { refusal: "invalid_form_data" };
    }
  } else return { refusal: type === "" ? "missing_post_type" : "invalid_post_type" };
  // No text of ours may hold U+0000 (PostgreSQL cannot store it).
  if (nulPath(args) !== undefined) return { refusal: "invalid_arguments" };
  return { args };
}

const methodList = slackMethods.map((method) => `\`${method}\``).join(", ");

// Any name is taken (and answered `unknown_method`), so the list lives in the description.
const MethodParams = t.Object({
  method: t.String({
    description: `One of ${methodList}. Any other answers \`{ok: false, error: "unknown_method"}\`.`,
  }),
});

const SlackAnswer = t.Object(
  {
    ok: t.Boolean(),
    error: t.Optional(t.String({ description: "Slack's error name when `ok` is false" })),
  },
  { additionalProperties: true, description: "Slack's answer: the method's fields beside `ok`" },
);

const detail = {
  summary: "Slack's Web API",
  description: `Slack's Web API for Slack's own SDKs and apps (set their API URL to \`/api/slack/\`). Methods: ${methodList}; \`apps.connections.open\` (Socket Mode) has a route of its own. Arguments come form-encoded (objects and arrays as JSON text in fields), as JSON, or in the query string; the token as a Bearer header or a \`token\` argument: a session token (as Slack's user tokens) or a bot token (\`xoxb-…\`). Every answer is HTTP 200 with \`{ok: true, …}\` or \`{ok: false, error}\` (\`not_authed\`, \`invalid_auth\`, \`channel_not_found\`, \`not_in_channel\`, \`message_not_found\`, \`unknown_method\`, …), except a rate limit: 429 with \`Retry-After\` in whole seconds and \`{ok: false, error: "ratelimited"}\`. Ids are \`T\` (workspace), \`U\` (user), \`B\` (the bot whose user has the same number), \`C\` (channels and groups), \`D\` (direct messages) and our decimal id; \`ts\` is \`<unix seconds>.<6 digits>\`. \`limit\` is clamped to 1–1000 (default 100); lists page with \`cursor\` and \`response_metadata.next_cursor\` (empty on the last page). Text is Slack's mrkdwn both ways. As in Slack, \`chat.postMessage\` also takes a user's id as \`channel\`: the caller's direct chat with them, opened if need be.`,
  requestBody: {
    content: {
      "application/x-www-form-urlencoded": {
        schema: { type: "object" as const, additionalProperties: { type: "string" as const } },
      },
      "application/json": { schema: { type: "object" as const, additionalProperties: true } },
    },
  },
  ...documentedOnly({ 200: SlackAnswer, 429: SlackAnswer }),
};

/** GET takes its arguments from the query alone. */
const { requestBody: _, ...queryDetail } = detail;

export const slackApiRoutes = (deps: AuthDeps) => {
  const handle = async ({
    params,
    query,
    body,
    headers,
    request,
    server,
    set,
    jwt,
  }: {
    params: { method: string };
    query: Record<string, unknown>;
    body: unknown;
    headers: Record<string, string | undefined>;
    request: Request;
    server: Parameters<typeof requestOrigin>[0];
    set: { status?: number | string; headers: Record<string, unknown> };
    jwt: Parameters<typeof callSlackMethod>[1];
  }) => {
    const answer = await callSlackMethod(deps, jwt, {
      method: params.method,
      query,
      body: (body ?? { args: {} }) as SlackBody,
      bearer: bearerToken(headers.authorization),
      origin: requestOrigin(server, request, deps.config.server),
    });
    set.status = answer.status;
    Object.assign(set.headers, answer.headers);
    return answer.body;
  };
  return new Elysia({ name: "slack-api", detail: { tags: ["Integrations"] } })
    .use(tokens(deps))
    .post(slackApiRoute, handle, {
      parse: ({ request, contentType }) => readSlackBody(request, contentType ?? ""),
      params: MethodParams,
      detail,
    })
    .get(slackApiRoute, handle, { params: MethodParams, detail: queryDetail });
};
