// The push queue's sender: claims due pushes (each by one instance, under a lease), encrypts each
// for its subscription (RFC 8291, aes128gcm), signs with the server's VAPID key (RFC 8292) and
// posts it to the push service. A failure is retried with growing delays, a bounded number of
// times; a 404 or 410 means the subscription is dead, and it goes. Nothing here is on a send's
// path: a slow or failing push service only delays other pushes.
import webpush from "web-push";
import type { PushJob, Store } from "../../../db/store.ts";
import type { Config } from "../../config.ts";
import { errorLine, type Logger } from "../../ops/logging.ts";
import { vapidKeys } from "./service.ts";

export type PushSenderOptions = {
  /** How often due pushes are looked for. */
  intervalMs?: number;
  /** How long a claimed push is left to its sender before another may take it. */
  leaseMs?: number;
  /** How long a push service may take to answer. */
  timeoutMs?: number;
};

/** Claims per push at most: the first and four retries, 1 s, 4 s, 16 s and 64 s later. */
export const maxPushAttempts = 5;
const batchSize = 20;
const maxInFlight = 100;
const retryDelay = (attempts: number) => 1000 * 4 ** (attempts - 1);

export class PushSender {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;
  /** Pushes being sent: a slow push service holds its own, never the queue. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Ends the requests in flight at stop: their pushes stay queued for the next start. */
  private readonly stopping = new AbortController();
  private readonly intervalMs: number;
  private readonly leaseMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly db: Store,
    private readonly config: Config,
    private readonly logger: Logger,
    options: PushSenderOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 500;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    this.stopping.abort();
    await Promise.all(this.inFlight);
  }

  /** Claims what is due now, batch after batch, up to the pushes in flight; one run at a time. */
  tick(): Promise<void> {
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.inFlight.size < maxInFlight && !this.stopping.signal.aborted) {
        const now = Date.now();
        const room = Math.min(batchSize, maxInFlight - this.inFlight.size);
        const jobs = await this.db.claimPushes(now, now + this.leaseMs, room);
        if (jobs.length === 0) return;
        for (const job of jobs) {
          const sending: Promise<void> = this.send(job)
            .catch((error) => this.logger(errorLine("a push failed", error)))
            .finally(() => this.inFlight.delete(sending));
          this.inFlight.add(sending);
        }
      }
    } catch (error) {
      this.logger(errorLine("the push queue failed", error));
    }
  }

  private async send(job: PushJob): Promise<void> {
    const keys = await vapidKeys(this.db);
    let status: number;
    try {
      const request = webpush.generateRequestDetails(
        { endpoint: job.endpoint, keys: { p256dh: job.p256dh, auth: job.auth } },
        job.payload,
        {
          vapidDetails: { subject: this.config.push.subject, ...keys },
          TTL: 24 * 3600,
          contentEncoding: "aes128gcm",
        },
      );
      const response = await fetch(request.endpoint, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.stopping.signal]),
      });
      await response.body?.cancel();
      status = response.status;
    } catch {
      status = 0;
    }
    if (status >= 200 && status < 300) return this.db.finishPush(job.id);
    if (status === 404 || status === 410) return this.db.dropPushSubscription(job.subscriptionId);
    // Stopped mid-send: not a failure of the push service, the next start sends it.
    if (this.stopping.signal.aborted) return this.db.retryPush(job.id, Date.now());
    if (job.attempts >= maxPushAttempts) {
      this.logger({
        time: new Date().toISOString(),
        level: "warn",
        msg: "a push was given up",
        status,
        attempts: job.attempts,
      });
      return this.db.finishPush(job.id);
    }
    await this.db.retryPush(job.id, Date.now() + retryDelay(job.attempts));
  }
}
