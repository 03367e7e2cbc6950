// Accounts and workspaces: sign-up, sign-in, invites, the people of a workspace.
import type { Ctx, Deps } from "../../context.ts";
import { conflict, forbidden, unauthorized } from "../../errors.ts";
import { type Credential, issueTicket } from "./auth.ts";
import type {
  ChangePasswordBody,
  Invite,
  Me,
  SigninBody,
  SignupBody,
  Ticket,
  User,
  Workspace,
} from "./model.ts";

export const inviteTtlMs = 7 * 24 * 60 * 60 * 1000;

// Verified against when the email is unknown, so both failures cost the same time.
const decoyHash = Bun.password.hash("decoy password, never matches", { algorithm: "argon2id" });

export async function signup(
  deps: Deps,
  input: SignupBody,
): Promise<{ user: User; workspace: Workspace }> {
  const fullname = input.fullname.trim();
  const email = input.email.trim();
  const workspaceName = input.workspace.trim();
  // A taken email is 409 whatever else is wrong with the request, as the contract lists it.
  if (await deps.db.findUserByEmail(email)) throw conflict("that email is already registered");
  const existing = await deps.db.findWorkspaceByName(workspaceName);
  if (existing) await requireInviteTo(deps, existing.id, input.invite);
  const passwordHash = await Bun.password.hash(input.password, { algorithm: "argon2id" });
  return deps.db.createUser({
    fullname,
    email,
    passwordHash,
    workspace: existing ? { id: existing.id } : { name: workspaceName },
  });
}

/** An invite opens only its own workspace, for seven days, any number of times. */
async function requireInviteTo(deps: Deps, workspaceId: number, code: string | undefined) {
  if (!code) throw forbidden("this workspace exists: joining it needs an invite code");
  const invite = await deps.db.findInvite(code);
  if (!invite || invite.workspaceId !== workspaceId || invite.expiresAt <= Date.now()) {
    throw forbidden("the invite code is not valid for this workspace");
  }
}

export async function signin(
  deps: Deps,
  input: SigninBody,
): Promise<{ user: User; workspace: Workspace; tokenVersion: number }> {
  const record = await deps.db.findUserByEmail(input.email.trim());
  const matches = await Bun.password.verify(
    input.password,
    record?.passwordHash || (await decoyHash),
  );
  if (!record || !matches) throw unauthorized("wrong email or password");
  const { passwordHash: _, tokenVersion, ...user } = record;
  return { user, workspace: await getWorkspace(deps, user.workspaceId), tokenVersion };
}

/** A new password ends every token issued before it; the caller gets the new token version. */
export async function changePassword(ctx: Ctx, input: ChangePasswordBody): Promise<number> {
  const record = await ctx.db.findUserByEmail(ctx.user.email);
  if (!record || !(await Bun.password.verify(input.currentPassword, record.passwordHash))) {
    throw forbidden("the current password is wrong");
  }
  const passwordHash = await Bun.password.hash(input.newPassword, { algorithm: "argon2id" });
  return ctx.db.changePassword(ctx.user.id, passwordHash);
}

export async function getMe(ctx: Ctx): Promise<Me> {
  return { user: ctx.user, workspace: await getWorkspace(ctx, ctx.user.workspaceId) };
}

async function getWorkspace(deps: Deps, id: number): Promise<Workspace> {
  const workspace = await deps.db.findWorkspace(id);
  if (!workspace) throw unauthorized("this account's workspace no longer exists");
  return workspace;
}

export async function createInvite(ctx: Ctx): Promise<Invite> {
  const code = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64url");
  const expiresAt = Date.now() + inviteTtlMs;
  await ctx.db.createInvite({
    code,
    workspaceId: ctx.user.workspaceId,
    createdBy: ctx.user.id,
    expiresAt,
  });
  return { code, expiresAt: new Date(expiresAt).toISOString() };
}

export function listUsers(ctx: Ctx): Promise<User[]> {
  return ctx.db.listUsers(ctx.user.workspaceId);
}

/** A single-use ticket that opens one WebSocket or event stream: no URL needs the session token. */
export async function createTicket(ctx: Ctx, credential: Credential): Promise<Ticket> {
  const { ticket, expiresAt } = await issueTicket(ctx, credential);
  return { ticket, expiresAt: new Date(expiresAt).toISOString() };
}
