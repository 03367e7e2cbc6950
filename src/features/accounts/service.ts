// Accounts and workspaces: sign-up, sign-in, invites, the people of a workspace.
import { durationMs } from "../../config.ts";
import type { Ctx, Deps } from "../../context.ts";
import { conflict, forbidden, unauthorized } from "../../errors.ts";
import { type Credential, issueTicket, type Signer } from "./auth.ts";
import type {
  ChangePasswordBody,
  Me,
  NewToken,
  Session,
  SigninBody,
  SignupBody,
  Ticket,
  User,
  Workspace,
} from "./model.ts";

// Verified against when the email is unknown, so both failures cost the same time.
const decoyHash = Bun.password.hash("decoy password, never matches", { algorithm: "argon2id" });

/**
 * A new session and its token. `sid` names the session, which sign-out ends alone; `ver` is the
 * user's token version, which a password change, sign-out everywhere or deactivation bumps,
 * ending every older token at once.
 */
export async function issueToken(deps: Deps, signer: Signer, user: User, tokenVersion: number) {
  const ttlSeconds = Math.ceil(durationMs(deps.config.auth.tokenTtl) / 1000);
  const exp = Math.floor(Date.now() / 1000) + ttlSeconds;
  const sid = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64url");
  await deps.db.createSession({ id: sid, userId: user.id, expiresAt: exp * 1000 });
  return signer.sign({ sub: String(user.id), ver: tokenVersion, sid, exp });
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
  const { user, workspace, events } = await deps.db.createUser({
    fullname,
    email,
    passwordHash,
    workspace: existing ? { id: existing.id } : { name: workspaceName },
  });
  deps.hub.publish(events);
  return { token: await issueToken(deps, signer, user, 0), user, workspace };
}

/**
 * An invite opens only its own workspace, until it expires or its uses run out. A use is
 * counted here, before the account is made: a sign-up that then fails has spent it.
 */
async function requireInviteTo(deps: Deps, workspaceId: number, code: string | undefined) {
  if (!code) throw forbidden("this workspace exists: joining it needs an invite code");
  if (!(await deps.db.useInvite(code, workspaceId, Date.now()))) {
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
  // Only after a correct password: a deactivated account's existence is not told to strangers.
  if (record.deactivated) throw forbidden("this account is deactivated");
  if (record.bot) throw forbidden("a bot cannot sign in");
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
  if (ctx.user.email === null) throw forbidden("a bot has no password");
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

export function listUsers(ctx: Ctx): Promise<User[]> {
  return ctx.db.listUsers(ctx.user.workspaceId);
}

/** Ends the session the caller's token belongs to; the user's other tokens go on. */
export async function signout(ctx: Ctx, credential: Credential): Promise<void> {
  // A bot's token is its own session: it ends, the bot's other token stands.
  if (credential.botTokenId) await ctx.db.endBotToken(credential.botTokenId, ctx.user.id);
  // A token from before sessions existed has no session of its own: it ends with all the rest.
  else if (credential.sessionId === null) await ctx.db.endAllSessions(ctx.user.id);
  else await ctx.db.endSession(credential.sessionId, ctx.user.id);
}

/** Ends every session and token of the caller, this one included. */
export async function signoutEverywhere(ctx: Ctx): Promise<void> {
  await ctx.db.endAllSessions(ctx.user.id);
}

/** A single-use ticket that opens one WebSocket or event stream: no URL needs the session token. */
export async function createTicket(ctx: Ctx, credential: Credential): Promise<Ticket> {
  const { ticket, expiresAt } = await issueTicket(ctx, credential);
  return { ticket, expiresAt: new Date(expiresAt).toISOString() };
}
