// Requests per sliding minute, as the contract's `limits` say: N pass in any 60 seconds, the next
// is refused with 429 and Retry-After; refused requests do not count.
import { Elysia } from "elysia";
import type { Config } from "./config.ts";
import { AppError } from "./errors.ts";

const windowMs = 60_000;

export type Verdict = { limit: number; remaining: number; resetMs: number };

export class RateLimiter {
  /** Accepted requests' times per key, oldest first. */
  private readonly log = new Map<string, number[]>();
  private sweeps = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts one request under `key`, or throws `rate_limited` without counting it. */
  take(key: string, limit: number): Verdict | undefined {
    if (limit <= 0) return undefined;
    const now = this.now();
    const times = this.recent(key, now);
    if (times.length >= limit) throw refusal(limit, (times[0] as number) + windowMs - now);
    times.push(now);
    if (++this.sweeps % 10_000 === 0) this.forgetIdle(now);
    return {
      limit,
      remaining: limit - times.length,
      resetMs: (times[0] as number) + windowMs - now,
    };
  }

  /**
   * Counts one request under every key, or refuses it counting it under none: a sign-in refused
   * by its account's limit does not use up its address's. Answers the tightest verdict.
   */
  takeEach(keys: string[], limit: number): Verdict | undefined {
    if (limit <= 0) return undefined;
    const now = this.now();
    const full = keys
      .map((key) => this.recent(key, now))
      .filter((times) => times.length >= limit)
      .map((times) => (times[0] as number) + windowMs - now);
    if (full.length > 0) throw refusal(limit, Math.max(...full));
    const verdicts = keys.map((key) => this.take(key, limit) as Verdict);
    return verdicts.sort((a, b) => a.remaining - b.remaining)[0];
  }

  /** The times counted under `key` in the last minute, oldest first, kept as the key's log. */
  private recent(key: string, now: number): number[] {
    const times = (this.log.get(key) ?? []).filter((at) => at > now - windowMs);
    this.log.set(key, times);
    return times;
  }

  /**
   * Uncounts one request taken under `key` that was refused after all (a send from someone not
   * a member): refused requests do not count. The newest is dropped, which counts the same.
   */
  refund(key: string): void {
    this.log.get(key)?.pop();
  }

  private forgetIdle(now: number): void {
    for (const [key, times] of this.log) {
      if ((times.at(-1) ?? 0) <= now - windowMs) this.log.delete(key);
    }
  }
}

function refusal(limit: number, retryMs: number): AppError {
  return new AppError("rate_limited", "too many requests: try again later", {
    "retry-after": String(Math.max(1, Math.ceil(retryMs / 1000))),
    ...headers({ limit, remaining: 0, resetMs: retryMs }),
  });
}

export function headers(verdict: Verdict): Record<string, string> {
  return {
    "x-ratelimit-limit": String(verdict.limit),
    "x-ratelimit-remaining": String(verdict.remaining),
    "x-ratelimit-reset": String(Math.max(0, Math.ceil(verdict.resetMs / 1000))),
  };
}

/**
 * The client's address: the connection's peer, unless that peer is a configured proxy, in which
 * case the last address in X-Forwarded-For that is not itself a trusted proxy.
 */
export function clientIp(peer: string | undefined, forwardedFor: string | null, trusted: string[]) {
  const address = peer ?? "unknown";
  if (!forwardedFor || !trusted.includes(address)) return address;
  const hops = forwardedFor
    .split(",")
    .map((hop) => hop.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!trusted.includes(hops[i] as string)) return hops[i] as string;
  }
  return hops[0] ?? address;
}

/** The address a request came from, as the per-IP limits count it. */
export function requestIp(
  server: { requestIP(request: Request): { address: string } | null } | null | undefined,
  request: Request,
  trusted: string[],
): string {
  return clientIp(
    server?.requestIP(request)?.address,
    request.headers.get("x-forwarded-for"),
    trusted,
  );
}

/** Limits a route declares with `{ limit: name }`. Sends count in their service: sockets send too. */
export type RouteLimit = Exclude<keyof Config["limits"], "messages">;

/** Whom each limit counts, as the contract says: the client's address, the account, the user. */
const countedBy: Record<RouteLimit, readonly ("ip" | "account" | "user")[]> = {
  signin: ["ip", "account"],
  signup: ["ip"],
  uploads: ["user"],
  connects: ["ip"],
};

/** What the limit hook reads of a request; `ctx` is there on authenticated routes. */
type Limited = {
  request: Request;
  server: Parameters<typeof requestIp>[0];
  set: { headers: Record<string, unknown> };
  body: unknown;
  ctx?: { user: { id: number } };
};

/**
 * `{ limit: "uploads" }` on a route counts its requests, answering X-RateLimit-* headers, or
 * refuses one with 429. A hook before the handler: it runs after authentication (a derive, so
 * 401 comes first) and validation (so a 400 or 422 does not count), and before any body is read.
 */
export const rateLimits = (deps: { config: Config; limits: RateLimiter }) =>
  new Elysia({ name: "rate-limits" }).macro({
    limit: (name: RouteLimit) => ({
      // Destructured in the parameter list: Elysia reads it to learn what the hook uses (a
      // whole context handed on, in the minified binary, confused that reading).
      beforeHandle({ request, server, set, body, ctx }: Limited) {
        const limit = deps.config.limits[name];
        if (limit <= 0) return;
        const keys = countedBy[name].map((scope) => {
          if (scope === "ip") {
            const ip = requestIp(server, request, deps.config.server.trustedProxies);
            return `${name}:ip:${ip}`;
          }
          if (scope === "account") {
            const email = (body as { email?: unknown } | undefined)?.email;
            return `${name}:account:${String(email).trim().toLowerCase()}`;
          }
          if (!ctx) throw new Error(`limits.${name} counts users: authenticate the route`);
          return `${name}:user:${ctx.user.id}`;
        });
        const verdict = deps.limits.takeEach(keys, limit);
        if (verdict) Object.assign(set.headers, headers(verdict));
      },
    }),
  });
