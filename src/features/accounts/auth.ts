// Tokens: HS256 JWTs with an expiry, verified with the algorithm pinned, then resolved to a user
// who must still exist. Answers 401 before the body is even looked at.
import { jwt } from "@elysiajs/jwt";
import { Elysia } from "elysia";
import type { Account } from "../../../db/store.ts";
import type { Deps } from "../../context.ts";
import { unauthorized } from "../../errors.ts";
import type { User } from "./model.ts";

export type AuthDeps = Deps & { secret: string };

export const tokens = (deps: AuthDeps) =>
  new Elysia({ name: "tokens" }).use(jwt({ name: "jwt", secret: deps.secret, alg: "HS256" }));

export type Signer = { sign(payload: Record<string, string | number>): Promise<string> };
type Verifier = {
  verify(token?: string, options?: object): Promise<false | Record<string, unknown>>;
};

/**
 * Tokens whose signature was verified, with their claims, per signing secret. A signature stays
 * valid for good, so checking it once is enough; expiry and the token version are still checked
 * on every use.
 */
const verifiedBySecret = new Map<string, Map<string, Record<string, unknown>>>();
const verifiedLimit = 10_000;

async function verifiedClaims(secret: string, verifier: Verifier, token: string) {
  const verified = verifiedBySecret.get(secret) ?? new Map<string, Record<string, unknown>>();
  verifiedBySecret.set(secret, verified);
  const known = verified.get(token);
  if (known) return known;
  const claims = await verifier.verify(token, {
    algorithms: ["HS256"],
    requiredClaims: ["exp", "sub"],
  });
  if (!claims) return false;
  if (verified.size >= verifiedLimit) verified.delete(verified.keys().next().value as string);
  verified.set(token, claims);
  return claims;
}

/**
 * A verified credential: whose it is, and the session behind it, which ends what it made.
 * `sessionId` is the token's `sid`, null for a token issued before sessions existed (those end
 * only with the token version: a password change, sign-out everywhere, deactivation).
 */
export type Credential = {
  user: User;
  tokenVersion: number;
  sessionId: string | null;
  expiresAt: number;
  /** A bot token's SHA-256, by which sign-out ends that token alone. */
  botTokenId?: string;
};

/** The checks every credential passes on every use, after its signature and expiry. */
function requireLive(
  account: Account | undefined,
  tokenVersion: unknown,
  sessionId: string | null,
): Account {
  if (!account) throw unauthorized("the token's user no longer exists");
  if (account.user.deactivated) throw unauthorized("this account is deactivated");
  if (tokenVersion !== account.tokenVersion || (sessionId !== null && !account.sessionOpen)) {
    throw unauthorized("this session has ended: sign in again");
  }
  return account;
}

/**
 * A session token (no `typ`) or, with `typ: "download"`, a download token: each is accepted only
 * where it belongs, so a download token leaked with a link never opens the API.
 */
async function credentialFor(
  deps: AuthDeps,
  verifier: Verifier,
  token: string | undefined,
  kind: "session" | "download",
): Promise<Credential> {
  if (!token) throw unauthorized();
  if (kind === "session" && token.startsWith("xoxb-")) {
    return credentialForBotToken(deps, token, "bot");
  }
  const claims = await verifiedClaims(deps.secret, verifier, token);
  if (claims && Number(claims.exp) * 1000 <= Date.now()) throw unauthorized("the token expired");
  const typ = claims ? (claims.typ ?? "session") : undefined;
  const id = claims && typ === kind && typeof claims.sub === "string" ? Number(claims.sub) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw unauthorized("the token is invalid or expired");
  const { ver, sid, exp } = claims as { ver?: unknown; sid?: unknown; exp: unknown };
  const sessionId = typeof sid === "string" ? sid : null;
  const account = requireLive(await deps.db.findAccount(id, sessionId), ver, sessionId);
  return {
    user: account.user,
    tokenVersion: account.tokenVersion,
    sessionId,
    expiresAt: Number(exp) * 1000,
  };
}

/**
 * A bot's token (issue #27): `bot` (xoxb-) opens the API as the bot, `app` (xapp-) only Socket
 * Mode. Either stands until the bot is revoked: no expiry nor session, and deactivating the bot
 * deletes both.
 */
async function credentialForBotToken(
  deps: Pick<Deps, "db">,
  token: string,
  kind: "bot" | "app",
): Promise<Credential> {
  const id = secretHash(token);
  const account = await deps.db.findTokenAccount(id, kind);
  const live = requireLive(account, account?.tokenVersion, null);
  return {
    user: live.user,
    tokenVersion: live.tokenVersion,
    sessionId: null,
    expiresAt: Number.POSITIVE_INFINITY,
    botTokenId: id,
  };
}

/** The bot an app token belongs to, for Socket Mode; 401 when it does not stand. */
export async function credentialForAppToken(
  deps: Pick<Deps, "db">,
  token: string | undefined,
): Promise<Credential> {
  if (!token?.startsWith("xapp-")) throw unauthorized("an app token (xapp-…) is needed");
  return credentialForBotToken(deps, token, "app");
}

/**
 * Socket Mode's one-use WebSocket URL (API.md § Integrations): a ticket like POST /api/tickets'
 * (hashed, single-use, a minute), kept under another hash, so neither kind opens the other's socket.
 */
export async function issueSocketModeTicket(
  deps: Pick<Deps, "db">,
  appCredential: Credential,
): Promise<{ ticket: string; expiresAt: number }> {
  return issueTicket(deps, appCredential, "socket-mode");
}

/** The bot a Socket Mode ticket opens a socket for, using the ticket up; 401 when it cannot. */
export async function botForSocketModeTicket(deps: Pick<Deps, "db">, ticket: string) {
  const { user } = await credentialForTicket(deps, ticket, "socket-mode");
  if (!user.bot) throw unauthorized("the ticket is not a Socket Mode ticket");
  return user;
}

export async function userForToken(
  deps: AuthDeps,
  verifier: Verifier,
  token: string | undefined,
): Promise<User> {
  return (await credentialFor(deps, verifier, token, "session")).user;
}

export const ticketTtlMs = 60_000;
export const downloadTokenTtlMs = 24 * 3_600_000;

/**
 * Tickets, bot and app tokens and webhook secrets are kept under their SHA-256: the tables alone
 * open nothing. They are random and long, so no slow hash is needed.
 */
export const secretHash = (secret: string) =>
  new Bun.CryptoHasher("sha256").update(secret).digest("hex");
type TicketKind = "stream" | "socket-mode";
const ticketId = (ticket: string, kind: TicketKind) =>
  secretHash(kind === "stream" ? ticket : `${kind}:${ticket}`);

/** A single-use ticket for one WebSocket or event stream, ending with its session at the latest. */
export async function issueTicket(
  deps: Pick<Deps, "db">,
  credential: Credential,
  kind: TicketKind = "stream",
): Promise<{ ticket: string; expiresAt: number }> {
  const ticket = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
  const expiresAt = Math.min(Date.now() + ticketTtlMs, credential.expiresAt);
  const { user, tokenVersion, sessionId } = credential;
  await deps.db.createTicket({
    id: ticketId(ticket, kind),
    userId: user.id,
    tokenVersion,
    sessionId,
    expiresAt,
  });
  return { ticket, expiresAt };
}

/** Consumes a ticket: a second use, an expired ticket, or one whose session ended is 401. */
async function credentialForTicket(
  deps: Pick<Deps, "db">,
  ticket: string,
  kind: TicketKind = "stream",
): Promise<Credential> {
  const stored = await deps.db.consumeTicket(ticketId(ticket, kind));
  if (!stored || stored.expiresAt <= Date.now()) {
    throw unauthorized("the ticket is unknown, used or expired: ask for a new one");
  }
  const { sessionId, tokenVersion } = stored;
  const account = requireLive(
    await deps.db.findAccount(stored.userId, sessionId),
    tokenVersion,
    sessionId,
  );
  return { user: account.user, tokenVersion, sessionId, expiresAt: stored.expiresAt };
}

/** A token that opens file downloads only, for 24 hours, or until its session ends. */
export async function issueDownloadToken(
  signer: Signer,
  credential: Credential,
): Promise<{ token: string; expiresAt: number }> {
  const expiresAt = Math.min(Date.now() + downloadTokenTtlMs, credential.expiresAt);
  const token = await signer.sign({
    sub: String(credential.user.id),
    ver: credential.tokenVersion,
    ...(credential.sessionId !== null && { sid: credential.sessionId }),
    typ: "download",
    exp: Math.floor(expiresAt / 1000),
  });
  return { token, expiresAt: Math.floor(expiresAt / 1000) * 1000 };
}

export function bearerToken(authorization: string | undefined): string | undefined {
  const match = authorization && /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? match[1] : undefined;
}

/** Where a credential may come from besides the `Authorization` header. */
export type CredentialSources = {
  /** v1's `?token=`: the WebSocket, the event stream and downloads, for existing clients. */
  queryToken?: boolean;
  /** `?ticket=`: a single-use ticket, for the WebSocket and the event stream. */
  ticket?: boolean;
  /** `?download=`: a download token, for file downloads. */
  downloadToken?: boolean;
};

/**
 * Routes after this plugin get `ctx`: the deps and the caller, as service verbs take them, and
 * the `credential` it came with. A derive, not a resolve (nor a macro, whose context comes from
 * resolve): a derive runs before validation, so a bad token is 401 before any 400 or 422.
 */
export const authenticated = <D extends AuthDeps>(deps: D, sources: CredentialSources = {}) =>
  new Elysia({ name: "authenticated", seed: sources })
    .use(tokens(deps))
    .derive({ as: "scoped" }, async ({ headers, query, jwt }) => {
      const params = query as Record<string, string | undefined>;
      const bearer = bearerToken(headers.authorization);
      let credential: Credential;
      if (bearer !== undefined) credential = await credentialFor(deps, jwt, bearer, "session");
      else if (sources.ticket && params.ticket) {
        credential = await credentialForTicket(deps, params.ticket);
      } else if (sources.downloadToken && params.download) {
        credential = await credentialFor(deps, jwt, params.download, "download");
      } else {
        const token = sources.queryToken ? params.token : undefined;
        credential = await credentialFor(deps, jwt, token, "session");
      }
      return { ctx: { ...deps, user: credential.user }, credential };
    });
