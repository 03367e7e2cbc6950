// Bots (API.md § Integrations): users of the workspace that act through tokens, made and revoked
// by the owner and admins. A bot signs in never; it is added to chats like anyone.
import type { SlackImportRecord } from "../../../db/store.ts";
import type { Ctx } from "../../context.ts";
import { notFound } from "../../errors.ts";
import { errorLine } from "../../ops/logging.ts";
import { secretHash } from "../accounts/auth.ts";
import type { User } from "../accounts/model.ts";
import type { StagedFile } from "../files/storage.ts";
import { requireAdmin } from "../people/service.ts";
import type { CreateBotBody, ImportJob, NewBot } from "./model.ts";
import { ImportRefused, importSlackExport } from "./slack-import.ts";

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

const jobOf = (record: SlackImportRecord): ImportJob => ({
  id: record.id,
  status: record.status,
  progress: JSON.parse(record.progress),
  report: record.report === null ? null : JSON.parse(record.report),
  createdAt: new Date(record.createdAt).toISOString(),
  updatedAt: new Date(record.updatedAt).toISOString(),
});

/**
 * Imports an uploaded Slack export into the caller's workspace, in the background: answers the
 * job at once, whose progress `getSlackImport` reads. The staged zip is removed when it is done.
 */
export async function startSlackImport(ctx: Ctx, zip: StagedFile): Promise<ImportJob> {
  try {
    requireAdmin(ctx, "import a Slack export");
  } catch (error) {
    await ctx.files.discard(zip.tempPath);
    throw error;
  }
  const workspace = await ctx.db.findWorkspace(ctx.user.workspaceId);
  const progress = JSON.stringify({ phase: "scanning", scanned: 0, total: 0, done: 0 });
  const id = await ctx.db.createSlackImport({ createdBy: ctx.user.id, progress });
  await ctx.db.updateSlackImport(id, {
    workspaceId: ctx.user.workspaceId,
    status: "running",
    progress,
  });
  const deps = {
    db: ctx.db,
    files: ctx.files,
    publish: (events: Parameters<Ctx["hub"]["publish"]>[0]) => ctx.hub.publish(events),
  };
  importSlackExport(deps, {
    path: zip.tempPath,
    workspace: workspace?.name ?? "",
    createdBy: ctx.user.id,
    jobId: id,
  })
    .catch(async (error) => {
      // The job records the failure; only a refusal carries more than its message.
      if (error instanceof ImportRefused)
        await ctx.db.updateSlackImport(id, {
          status: "failed",
          progress,
          report: JSON.stringify({ error: error.message, emails: error.emails }),
        });
      else ctx.logger(errorLine("a Slack import failed", error, { job: id }));
    })
    .finally(() => ctx.files.discard(zip.tempPath));
  return getSlackImport(ctx, id);
}

/** An import of the caller's workspace (another workspace's is 404), for its owner and admins. */
export async function getSlackImport(ctx: Ctx, id: number): Promise<ImportJob> {
  requireAdmin(ctx, "follow a Slack import");
  const record = await ctx.db.findSlackImport(id);
  if (!record || record.workspaceId !== ctx.user.workspaceId) throw notFound("no such import");
  return jobOf(record);
}
