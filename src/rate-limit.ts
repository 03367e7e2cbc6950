// Requests per sliding minute, as the contract's `limits` say: N pass in any 60 seconds, the next
// is refused with 429 and Retry-After; refused requests do not count.
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
    const times = (this.log.get(key) ?? []).filter((at) => at > now - windowMs);
    if (times.length >= limit) {
      const retryMs = (times[0] as number) + windowMs - now;
      this.log.set(key, times);
      throw new AppError("rate_limited", "too many requests: try again later", {
        "retry-after": String(Math.max(1, Math.ceil(retryMs / 1000))),
        ...headers({ limit, remaining: 0, resetMs: retryMs }),
      });
    }
    times.push(now);
    this.log.set(key, times);
    if (++this.sweeps % 10_000 === 0) this.forgetIdle(now);
    return {
      limit,
      remaining: limit - times.length,
      resetMs: (times[0] as number) + windowMs - now,
    };
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
