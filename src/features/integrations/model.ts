// Wire models of the integrations (API.md § Integrations): bots and their tokens.
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
