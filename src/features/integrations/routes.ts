import { Elysia, t } from "elysia";
import { ErrorBody, errorResponses } from "../../errors.ts";
import { rateLimits } from "../../rate-limit.ts";
import { type AuthDeps, authenticated } from "../accounts/auth.ts";
import { User } from "../accounts/model.ts";
import { IdParams } from "../chats/model.ts";
import { maxUploadBytes, receiveUploads } from "../files/multipart.ts";
import { CreateBotBody, ImportJob, NewBot } from "./model.ts";
import { createBot, getSlackImport, listBots, revokeBot, startSlackImport } from "./service.ts";

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

export const slackImportRoutes = (deps: AuthDeps) =>
  new Elysia({ name: "slack-import", prefix: "/api/admin", detail: { tags: ["Integrations"] } })
    .use(rateLimits(deps))
    .use(authenticated(deps))
    .post(
      "/import",
      async ({ ctx, request, set }) => {
        // The whole request may be one file: the zip streams to a staged file, never to memory.
        const maxSize =
          maxUploadBytes({ maxSize: deps.config.files.maxSize, maxFiles: 10 }) - 1024 * 1024;
        const [zip, ...more] = await receiveUploads(request, deps.files, { maxSize, maxFiles: 1 });
        for (const extra of more) await deps.files.discard(extra.tempPath);
        set.status = 202;
        return startSlackImport(ctx, zip as NonNullable<typeof zip>);
      },
      {
        limit: "uploads",
        response: { 202: ImportJob, ...adminErrors },
        detail: {
          summary: "Import a Slack export (owner and admins)",
          description:
            "multipart/form-data with one part named `files`: the zip of a Slack workspace export, imported into the caller's workspace as `chat import-slack` does (API.md § Integrations). Answers 202 at once with the job; `GET /api/admin/import/{id}` follows it. Importing the same export again adds nothing. An email of the export that belongs to another workspace fails the job before anything is written. For exports larger than an upload may be, use `chat import-slack` on the server's machine.",
          requestBody: {
            content: {
              "multipart/form-data": {
                schema: {
                  type: "object",
                  properties: { files: { type: "string", format: "binary" } },
                  required: ["files"],
                },
              },
            },
          },
        },
      },
    )
    .get("/import/:id", ({ ctx, params }) => getSlackImport(ctx, Number(params.id)), {
      params: IdParams,
      response: { 200: ImportJob, ...adminErrors },
      detail: {
        summary: "A Slack import's progress and report (owner and admins)",
        description:
          "`status` is `running` until the import is `done` (with its report) or `failed` (with why). Another workspace's import is 404.",
      },
    });
