// Accounts and workspaces: sign-up, sign-in, invites, the people of a workspace.
import { durationMs } from "../../config.ts";
import type { Ctx, Deps } from "../../context.ts";
import { conflict, forbidden, unauthorized } from "../../errors.ts";
import { type Credential, issueTicket, type Signer } from "./auth.ts";
import type {
  ChangePasswordBody,
  Invite,
  Me,
  NewToken,
  Session,
  SigninBody,
  SignupBody,
  Ticket,
  User,
  Workspace,
} from "./model.ts";

export const inviteTtlMs = 7 * 24 * 60 * 60 * 1000;

// Verified against when the email is unknown, so both failures cost the same time.
const decoyHash = Bun.password.hash("decoy password, never matches", { algorithm: "argon2id" });

/** What signs tokens (the routes' JWT signer), given to the verbs that hand one out. */

/** `ver` is the user's token version: a password change bumps it, ending older tokens. */
function issueToken(deps: Deps, signer: Signer, user: User, tokenVersion: number) {
  const ttlSeconds = Math.ceil(durationMs(deps.config.auth.tokenTtl) / 1000);
  return signer.sign({
    sub: String(user.id),
    ver: tokenVersion,
    exp: Math.floor(Date.now() / 1000) + ttlSeconds,
  });
}

/** A new account, in a new workspace or (with an invite) an existing one, and its first token. */
export async function signup(deps: Deps, input: SignupBody, signer: Signer): Promise<Session> {
  const fullname = input.fullname.trim();
  const email = input.email.trim();
  const workspaceName = input.workspace.trim();
  // A taken email is 409 whatever else is wrong with the request, as the contract lists it.
  if (await deps.db.findUserByEmail(email)) throw conflict("that email is already registered");
  const existing = await deps.db.findWorkspaceByName(workspaceName);
  if (existing) await requireInviteTo(deps, existing.id, input.invite);
  const passwordHash = await Bun.password.hash(input.password, { algorithm: "argon2id" });
  const { user, workspace } = await deps.db.createUser({
    fullname,
    email,
    passwordHash,
    workspace: existing ? { id: existing.id } : { name: workspaceName },
  });
  return { token: await issueToken(deps, signer, user, 0), user, workspace };
}

/** An invite opens only its own workspace, for seven days, any number of times. */
async function requireInviteTo(deps: Deps, workspaceId: number, code: string | undefined) {
  if (!code) throw forbidden("this workspace exists: joining it needs an invite code");
  const invite = await deps.db.findInvite(code);
  if (!invite || invite.workspaceId !== workspaceId || invite.expiresAt <= Date.now()) {
    throw forbidden("the invite code is not valid for this workspace");
  }
}

export async function signin(deps: Deps, input: SigninBody, signer: Signer): Promise<Session> {
  const record = await deps.db.findUserByEmail(input.email.trim());
  const matches = await Bun.password.verify(
    input.password,
    record?.passwordHash || (await decoyHash),
  );
  if (!record || !matches) throw unauthorized("wrong email or password");
  const { passwordHash: _, tokenVersion, ...user } = record;
  const workspace = await getWorkspace(deps, user.workspaceId);
  return { token: await issueToken(deps, signer, user, tokenVersion), user, workspace };
}

/** A new password ends every token issued before it; the caller gets a token of the new one. */
export async function changePassword(
  ctx: Ctx,
  input: ChangePasswordBody,
  signer: Signer,
): Promise<NewToken> {
  const record = await ctx.db.findUserByEmail(ctx.user.email);
  if (!record || !(await Bun.password.verify(input.currentPassword, record.passwordHash))) {
    throw forbidden("the current password is wrong");
  }
  const passwordHash = await Bun.password.hash(input.newPassword, { algorithm: "argon2id" });
  const tokenVersion = await ctx.db.changePassword(ctx.user.id, passwordHash);
  return { token: await issueToken(ctx, signer, ctx.user, tokenVersion) };
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
