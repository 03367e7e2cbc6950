// People and administration: profiles, roles and deactivation, the workspace and its settings,
// invites, password resets, and the audit log. Who may do what is decided here, in one place:
// the workspace's owner (its creator), its admins, and its members.

import type { AuditEntry as AuditRecordEntry, UserChange } from "../../../db/plan.ts";
import type { Ctx, Deps } from "../../context.ts";
import { forbidden, invalid, notFound, unauthorized } from "../../errors.ts";
import type { Signer } from "../accounts/auth.ts";
import type { Invite, Session, User, Workspace } from "../accounts/model.ts";
import { isAdmin } from "../accounts/roles.ts";
import { issueToken } from "../accounts/service.ts";
import { parseFileUrl } from "../files/model.ts";
import type {
  AuditEntry,
  CreateInviteBody,
  InviteInfo,
  InvitePreview,
  PasswordResetBody,
  ResetCode,
  UpdateMeBody,
  UpdateUserBody,
  UpdateWorkspaceBody,
} from "./model.ts";

const dayMs = 24 * 3_600_000;
export const resetCodeTtlMs = 3_600_000;
const avatarTypes = new Set(["image/png", "image/jpeg", "image/webp", "image/gif"]);

export function requireAdmin(ctx: Ctx, action: string): void {
  if (!isAdmin(ctx.user)) throw forbidden(`only the workspace's owner and admins can ${action}`);
}

/** Whether `name` is a time zone this runtime knows (IANA names, as Intl has them). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: name });
    // Intl also takes offsets such as "+01:00"; the contract asks for IANA names.
    return /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name);
  } catch {
    return false;
  }
}

/** The caller's own profile; a change that changes nothing sends nothing. */
export async function updateMe(ctx: Ctx, input: UpdateMeBody): Promise<User> {
  const change: UserChange = {};
  if (input.fullname !== undefined) change.fullname = input.fullname.trim();
  if (input.title !== undefined) change.title = input.title.trim();
  if (input.timezone !== undefined) {
    if (input.timezone !== null && !isTimeZone(input.timezone)) {
      throw invalid("timezone must be an IANA time zone name such as Asia/Shanghai");
    }
    change.timezone = input.timezone;
  }
  if (input.avatar !== undefined) {
    if (input.avatar !== null) await requireAvatarImage(ctx, input.avatar);
    change.avatarUrl = input.avatar;
  }
  if (input.status !== undefined) change.status = statusJson(input.status);
  const { value, events } = await ctx.db.changeUser(ctx.user.id, change);
  ctx.hub.publish(events);
  return value;
}

function statusJson(status: UpdateMeBody["status"]): string | null {
  // As Slack's status: an emoji and an end are optional.
  const emoji = status?.emoji?.trim() ?? "";
  if (!status || (status.text.trim() === "" && emoji === "")) return null;
  let until: string | null = null;
  if (status.until !== undefined && status.until !== null) {
    const at = Date.parse(status.until);
    if (Number.isNaN(at)) throw invalid("status.until must be an ISO 8601 time");
    until = new Date(at).toISOString();
  }
  return JSON.stringify({ text: status.text.trim(), emoji, until });
}

/** An avatar is an image the caller uploaded, or can read, in their workspace. */
async function requireAvatarImage(ctx: Ctx, url: string): Promise<void> {
  const key = parseFileUrl(url);
  const file =
    key && key.workspaceId === ctx.user.workspaceId
      ? await ctx.db.findFile(key.workspaceId, key.hash)
      : undefined;
  if (!key || !file || file.ext !== key.ext || !(await ctx.db.readableFile(ctx.user.id, key))) {
    throw invalid("avatar must be a URL from POST /api/upload in your workspace");
  }
  if (!avatarTypes.has(file.type)) {
    throw invalid("avatar must be a PNG, JPEG, WebP or GIF image");
  }
}

/** Someone else in the caller's workspace; anyone else is 404. */
async function getWorkspaceUser(ctx: Ctx, userId: number): Promise<User> {
  const user = await ctx.db.findUser(userId);
  if (!user || user.workspaceId !== ctx.user.workspaceId) throw notFound("no such user");
  return user;
}

/**
 * The rules of roles: the owner makes and unmakes admins; only the owner may deactivate or
 * reset an admin; nobody changes the owner or themselves, and nobody is made owner.
 */
function requireMayManage(ctx: Ctx, target: User, action: string): void {
  requireAdmin(ctx, action);
  if (target.id === ctx.user.id) throw invalid(`you cannot ${action} yourself`);
  if (target.role === "owner") throw invalid(`nobody can ${action} the workspace's owner`);
  if (target.role === "admin" && ctx.user.role !== "owner") {
    throw forbidden(`only the owner can ${action} an admin`);
  }
}

export async function updateUser(ctx: Ctx, userId: number, input: UpdateUserBody): Promise<User> {
  const target = await getWorkspaceUser(ctx, userId);
  requireMayManage(ctx, target, "change");
  if (input.role === "owner") throw invalid("role owner cannot be given: there is one owner");
  const change: UserChange = {};
  const audit: AuditRecordEntry[] = [];
  const entry = (action: string, details: Record<string, unknown>) =>
    audit.push({ actorId: ctx.user.id, action, targetType: "user", targetId: target.id, details });
  if (input.role !== undefined && input.role !== target.role) {
    if (ctx.user.role !== "owner") throw forbidden("only the owner makes and unmakes admins");
    change.role = input.role;
    entry("user.role_changed", { from: target.role, to: input.role });
  }
  if (input.deactivated !== undefined && input.deactivated !== target.deactivated) {
    change.deactivated = input.deactivated;
    entry(input.deactivated ? "user.deactivated" : "user.reactivated", {});
  }
  const { value, events } = await ctx.db.changeUser(target.id, change, audit);
  // Deactivation closes the user's connections on every instance as its user.updated arrives.
  ctx.hub.publish(events);
  return value;
}

export async function getWorkspace(ctx: Ctx): Promise<Workspace> {
  const workspace = await ctx.db.findWorkspace(ctx.user.workspaceId);
  if (!workspace) throw unauthorized("this account's workspace no longer exists");
  return workspace;
}

export async function updateWorkspace(ctx: Ctx, input: UpdateWorkspaceBody): Promise<Workspace> {
  requireAdmin(ctx, "change the workspace");
  const settings = Object.fromEntries(
    Object.entries(input.settings ?? {}).filter(([, value]) => value !== undefined),
  );
  const { value, events } = await ctx.db.changeWorkspace(
    ctx.user.workspaceId,
    { name: input.name?.trim(), settings },
    ctx.user.id,
  );
  ctx.hub.publish(events);
  return value;
}

/** With `settings.invites = "admins"`, only the owner and admins may invite. */
export async function createInvite(ctx: Ctx, input: CreateInviteBody): Promise<Invite> {
  const workspace = await getWorkspace(ctx);
  if (workspace.settings.invites === "admins") requireAdmin(ctx, "invite in this workspace");
  const code = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64url");
  const expiresAt = Date.now() + (input.expiresInDays ?? 7) * dayMs;
  const maxUses = input.maxUses ?? null;
  await ctx.db.createInvite({
    code,
    workspaceId: ctx.user.workspaceId,
    createdBy: ctx.user.id,
    expiresAt,
    maxUses,
  });
  await ctx.db.appendAudit(ctx.user.workspaceId, {
    actorId: ctx.user.id,
    action: "invite.created",
    targetType: "invite",
    targetId: code,
    details: { maxUses, expiresAt: new Date(expiresAt).toISOString() },
  });
  return { code, expiresAt: new Date(expiresAt).toISOString() };
}

/** The invites the caller may revoke: their own, or all of the workspace's for the admins. */
export async function listInvites(ctx: Ctx): Promise<InviteInfo[]> {
  const invites = await ctx.db.listInvites(ctx.user.workspaceId, Date.now());
  return invites
    .filter((invite) => isAdmin(ctx.user) || invite.creatorId === ctx.user.id)
    .map(({ code, creatorId, expiresAt, maxUses, uses }) => ({
      code,
      creatorId,
      expiresAt: new Date(expiresAt).toISOString(),
      maxUses,
      uses,
    }));
}

/** Revoking: its creator, the owner and admins; another workspace's invite is 404. */
/**
 * The workspace an invite opens, for the sign-up an invite link shows: only while the invite
 * still opens it (unexpired, uses left); anything else is 404, the same for unknown codes.
 */
export async function previewInvite(deps: Deps, code: string): Promise<InvitePreview> {
  const invite = await deps.db.findInvite(code);
  const open =
    invite &&
    invite.expiresAt > Date.now() &&
    (invite.maxUses === null || invite.uses < invite.maxUses);
  const workspace = open ? await deps.db.findWorkspace(invite.workspaceId) : undefined;
  if (!invite || !workspace) throw notFound("no such invite, or it no longer opens its workspace");
  return { workspace: workspace.name, expiresAt: new Date(invite.expiresAt).toISOString() };
}

export async function revokeInvite(ctx: Ctx, code: string): Promise<void> {
  const invite = await ctx.db.findInvite(code);
  if (!invite || invite.workspaceId !== ctx.user.workspaceId) throw notFound("no such invite");
  if (invite.creatorId !== ctx.user.id) requireAdmin(ctx, "revoke someone else's invite");
  await ctx.db.deleteInvite(code);
  await ctx.db.appendAudit(ctx.user.workspaceId, {
    actorId: ctx.user.id,
    action: "invite.revoked",
    targetType: "invite",
    targetId: code,
    details: { creatorId: invite.creatorId },
  });
}

/** Reset codes are kept under their SHA-256: the table alone resets nobody's password. */
const resetCodeId = (code: string) => new Bun.CryptoHasher("sha256").update(code).digest("hex");

/** A reset code for a user, made by an admin (actorId) or the server's command line (null). */
export async function makeResetCode(
  deps: Pick<Deps, "db">,
  user: User,
  actorId: number | null,
): Promise<ResetCode> {
  // 24 random bytes: 32 URL-safe characters.
  const code = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url");
  const expiresAt = Date.now() + resetCodeTtlMs;
  await deps.db.createResetCode({ id: resetCodeId(code), userId: user.id, expiresAt });
  await deps.db.appendAudit(user.workspaceId, {
    actorId,
    action: "user.reset_code_created",
    targetType: "user",
    targetId: user.id,
  });
  return { code, expiresAt: new Date(expiresAt).toISOString() };
}

export async function createResetCode(ctx: Ctx, userId: number): Promise<ResetCode> {
  const target = await getWorkspaceUser(ctx, userId);
  requireMayManage(ctx, target, "reset the password of");
  return makeResetCode(ctx, target, ctx.user.id);
}

/**
 * A new password with a reset code: the code is used up, every other token of the user ends,
 * and the answer is a new session. A deactivated user's code resets nothing (403).
 */
export async function resetPassword(
  deps: Deps,
  input: PasswordResetBody,
  signer: Signer,
): Promise<Session> {
  const stored = await deps.db.consumeResetCode(resetCodeId(input.code));
  if (!stored || stored.expiresAt <= Date.now()) {
    throw forbidden("the reset code is unknown, used or expired: ask for a new one");
  }
  const user = await deps.db.findUser(stored.userId);
  if (!user) throw forbidden("the reset code's user no longer exists");
  if (user.deactivated) throw forbidden("this account is deactivated");
  const passwordHash = await Bun.password.hash(input.password, { algorithm: "argon2id" });
  // A new password bumps the token version: every token issued before ends with it.
  const tokenVersion = await deps.db.changePassword(user.id, passwordHash);
  const workspace = await deps.db.findWorkspace(user.workspaceId);
  if (!workspace) throw forbidden("the reset code's workspace no longer exists");
  return { token: await issueToken(deps, signer, user, tokenVersion), user, workspace };
}

export async function listAudit(
  ctx: Ctx,
  query: { before?: number; limit?: number },
): Promise<AuditEntry[]> {
  requireAdmin(ctx, "read the audit log");
  const rows = await ctx.db.listAudit(ctx.user.workspaceId, {
    before: query.before,
    limit: query.limit ?? 50,
  });
  return rows.map((row) => ({
    id: row.id,
    at: new Date(row.at).toISOString(),
    actorId: row.actorId,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    details: JSON.parse(row.details) as Record<string, unknown>,
  }));
}
