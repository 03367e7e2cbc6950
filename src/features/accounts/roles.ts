// Who may moderate a workspace. Today its owner (workspaces.owner_id); issue #26 adds admins
// here, and every check that asks this question asks it through this one function.
import type { Ctx } from "../../context.ts";

/** Whether the caller may moderate their workspace: delete any message in a chat they can see. */
export async function isWorkspaceAdmin(ctx: Ctx): Promise<boolean> {
  const workspace = await ctx.db.findWorkspace(ctx.user.workspaceId);
  return workspace?.ownerId === ctx.user.id;
}
