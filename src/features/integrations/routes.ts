import { Elysia, t } from "elysia";
import { ErrorBody, errorResponses } from "../../errors.ts";
import { rateLimits } from "../../rate-limit.ts";
import { type AuthDeps, authenticated } from "../accounts/auth.ts";
import { User } from "../accounts/model.ts";
import { IdParams } from "../chats/model.ts";
import { CreateBotBody, NewBot } from "./model.ts";
import { createBot, listBots, revokeBot } from "./service.ts";

const adminErrors = { 403: ErrorBody, ...errorResponses } as const;

export const botRoutes = (deps: AuthDeps) =>
  new Elysia({ name: "bots", prefix: "/api", detail: { tags: ["Integrations"] } })
    .use(rateLimits(deps))
    .use(authenticated(deps))
    .post(
      "/bots",
      async ({ ctx, body, set }) => {
        const bot = await createBot(ctx, body);
        set.status = 201;
        return bot;
      },
      {
        body: CreateBotBody,
        response: { 201: NewBot, ...adminErrors },
        detail: {
          summary: "Make a bot (owner and admins)",
          description:
            "A `bot: true` user of the workspace, with no email, that cannot sign in and is a member of no chat until added like anyone. `token` (`xoxb-…`, as a Bearer token) works on every route of this API and on the Slack-compatible API at `/api/slack/{method}`; `appToken` (`xapp-…`) opens Socket Mode through `apps.connections.open`. Both are shown only here: the server keeps their SHA-256. Sends `user.updated`; recorded in the audit log.",
        },
      },
    )
    .get("/bots", ({ ctx }) => listBots(ctx), {
      response: { 200: t.Array(User), ...adminErrors },
      detail: {
        summary: "The workspace's bots (owner and admins)",
        description:
          "Every bot made with `POST /api/bots`, revoked ones included (`deactivated: true`), oldest first. Webhooks' users are listed with their webhooks.",
      },
    })
    .delete(
      "/bots/:id",
      async ({ ctx, params, set }) => {
        await revokeBot(ctx, Number(params.id));
        set.status = 204;
      },
      {
        params: IdParams,
        response: { 204: t.Void(), ...adminErrors },
        detail: {
          summary: "Revoke a bot (owner and admins)",
          description:
            "Ends both its tokens and its open connections at once, on every instance, and deactivates its user; its messages stay. Revoking again is 204. Another workspace's bot, or a user who is not a bot, is 404. Sends `user.updated`; recorded in the audit log.",
        },
      },
    );
