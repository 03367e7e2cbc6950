// Bots (API.md § Integrations): users of the workspace that act through tokens, made and revoked
// by the owner and admins. A bot signs in never; it is added to chats like anyone.
import type { Ctx } from "../../context.ts";
import { notFound } from "../../errors.ts";
import { secretHash } from "../accounts/auth.ts";
import type { User } from "../accounts/model.ts";
import { requireAdmin } from "../people/service.ts";
import type { CreateBotBody, NewBot } from "./model.ts";

/** Slack's prefix, which tells the kinds apart where a token is read, and 256 random bits. */
const newToken = (prefix: "xoxb" | "xapp") =>
  `${prefix}-${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex")}`;

export async function createBot(ctx: Ctx, input: CreateBotBody): Promise<NewBot> {
  requireAdmin(ctx, "make bots");
  const secret = { bot: newToken("xoxb"), app: newToken("xapp") };
  const { value, events } = await ctx.db.createBot({
    workspaceId: ctx.user.workspaceId,
    name: input.name.trim(),
    tokens: [
      { hash: secretHash(secret.bot), kind: "bot" },
      { hash: secretHash(secret.app), kind: "app" },
    ],
    audit: [{ actorId: ctx.user.id, action: "bot.created", targetType: "user", targetId: null }],
  });
  ctx.hub.publish(events);
  return { user: value, token: secret.bot, appToken: secret.app };
}

export async function listBots(ctx: Ctx): Promise<User[]> {
  requireAdmin(ctx, "list bots");
  return ctx.db.listBots(ctx.user.workspaceId);
}

/** Ends the bot's tokens and deactivates it; its messages stay. */
export async function revokeBot(ctx: Ctx, botId: number): Promise<void> {
  requireAdmin(ctx, "revoke bots");
  const bot = (await ctx.db.listBots(ctx.user.workspaceId)).find((user) => user.id === botId);
  if (!bot) throw notFound("no such bot");
  const { events } = await ctx.db.changeUser(bot.id, { deactivated: true }, [
    { actorId: ctx.user.id, action: "bot.revoked", targetType: "user", targetId: bot.id },
  ]);
  // Its sockets close on every instance as user.updated arrives, as for any deactivation.
  ctx.hub.publish(events);
}
