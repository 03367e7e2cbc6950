// Wire models of the integrations (API.md § Integrations): bots and their tokens, Slack imports.
import { t } from "elysia";
import { Name, User } from "../accounts/model.ts";

export const CreateBotBody = t.Object({
  name: Name(64, "The bot's name, shown on its messages"),
});
export type CreateBotBody = typeof CreateBotBody.static;

export const NewBot = t.Object({
  user: User,
  token: t.String({
    description:
      "`xoxb-…`: opens every API route of this contract and the Slack-compatible API as the bot. Shown once.",
  }),
  appToken: t.String({ description: "`xapp-…`: opens Socket Mode. Shown once." }),
});
export type NewBot = typeof NewBot.static;

const Count = t.Integer({ minimum: 0 });

export const ImportJob = t.Object({
  id: t.Integer({ minimum: 1 }),
  status: t.Union([t.Literal("running"), t.Literal("done"), t.Literal("failed")]),
  progress: t.Object({
    phase: t.String({
      description: "scanning, people, chats, messages, settling, done: the order they run in",
    }),
    scanned: Count,
    total: t.Integer({ minimum: 0, description: "Messages to import, known after scanning" }),
    done: t.Integer({ minimum: 0, description: "Messages of `total` handled so far" }),
  }),
  report: t.Nullable(
    t.Unknown({
      description:
        "Once done: `{workspace, users, chats, messages, files}` with what was imported, and every reason something was skipped with its count. Once failed: `{error, emails?}`.",
    }),
  ),
  createdAt: t.String({ format: "date-time" }),
  updatedAt: t.String({ format: "date-time" }),
});
export type ImportJob = typeof ImportJob.static;
