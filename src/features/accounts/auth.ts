// Tokens: HS256 JWTs with an expiry, verified with the algorithm pinned, then resolved to a user
// who must still exist. Answers 401 before the body is even looked at.
import { jwt } from "@elysiajs/jwt";
import { Elysia } from "elysia";
import type { Deps } from "../../context.ts";
import { unauthorized } from "../../errors.ts";
import type { User } from "./model.ts";

export type AuthDeps = Deps & { secret: string };

export const tokens = (deps: AuthDeps) =>
  new Elysia({ name: "tokens" }).use(jwt({ name: "jwt", secret: deps.secret, alg: "HS256" }));

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

export async function userForToken(
  deps: AuthDeps,
  verifier: Verifier,
  token: string | undefined,
): Promise<User> {
  if (!token) throw unauthorized();
  const claims = await verifiedClaims(deps.secret, verifier, token);
  if (claims && Number(claims.exp) * 1000 <= Date.now()) throw unauthorized("the token expired");
  const id = claims && typeof claims.sub === "string" ? Number(claims.sub) : Number.NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw unauthorized("the token is invalid or expired");
  const account = await deps.db.findAccount(id);
  if (!account) throw unauthorized("the token's user no longer exists");
  if ((claims as { ver?: unknown }).ver !== account.tokenVersion) {
    throw unauthorized("the token was issued before the password changed: sign in again");
  }
  return account.user;
}

export function bearerToken(authorization: string | undefined): string | undefined {
  const match = authorization && /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? match[1] : undefined;
}

/**
 * Routes after this plugin get `ctx`: the deps and the caller, as service verbs take them. A
 * derive, not a resolve (nor a macro, whose context comes from resolve): a derive runs before
 * validation, so a bad token is 401 before any 400 or 422. With `queryToken`, `?token=` is
 * accepted too: for the WebSocket, the event stream and file downloads, which a browser opens
 * without headers.
 */
export const authenticated = <D extends AuthDeps>(
  deps: D,
  options: { queryToken?: boolean } = {},
) =>
  new Elysia({ name: "authenticated", seed: options })
    .use(tokens(deps))
    .derive({ as: "scoped" }, async ({ headers, query, jwt }) => {
      const token =
        bearerToken(headers.authorization) ??
        (options.queryToken ? (query as Record<string, string | undefined>).token : undefined);
      const user = await userForToken(deps, jwt, token);
      return { ctx: { ...deps, user } };
    });
