// A push service for tests: answers each endpoint path as told and decrypts what it receives
// with the subscription's keys (RFC 8291), as a browser would.
import { createECDH, randomBytes } from "node:crypto";
import ece from "http_ece";

type Delivery = { path: string; headers: Headers; payload: any };

/** A push service: answers each endpoint path as told (201 by default) and decrypts what it gets. */
export class PushService {
  readonly deliveries: Delivery[] = [];
  readonly hits = new Map<string, number>();
  readonly answers = new Map<string, number[]>();
  readonly hanging = new Set<string>();
  private readonly keys = new Map<string, { ecdh: ReturnType<typeof createECDH>; auth: Buffer }>();
  private waiters: (() => void)[] = [];
  readonly server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (request) => {
      const path = new URL(request.url).pathname;
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      if (this.hanging.has(path)) return new Promise<Response>(() => {});
      const status = this.answers.get(path)?.shift() ?? 201;
      const body = Buffer.from(await request.arrayBuffer());
      if (status === 201) {
        const key = this.keys.get(path);
        if (!key) throw new Error(`no subscription at ${path}`);
        const plain = ece.decrypt(body, {
          version: "aes128gcm",
          privateKey: key.ecdh,
          authSecret: key.auth.toString("base64url"),
        });
        this.deliveries.push({
          path,
          headers: request.headers,
          payload: JSON.parse(plain.toString()),
        });
        for (const wake of this.waiters.splice(0)) wake();
      }
      return new Response(null, { status });
    },
  });

  /** A browser's subscription at this service: its own key pair and secret. */
  subscription(path: string) {
    const ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    const auth = randomBytes(16);
    this.keys.set(path, { ecdh, auth });
    return {
      endpoint: `http://127.0.0.1:${this.server.port}${path}`,
      keys: {
        p256dh: ecdh.getPublicKey().toString("base64url"),
        auth: auth.toString("base64url"),
      },
    };
  }

  /** Waits until a delivery matches, or fails after a few seconds. */
  async delivered(match: (delivery: Delivery) => boolean, ms = 5000): Promise<Delivery> {
    const deadline = Date.now() + ms;
    while (true) {
      const found = this.deliveries.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error("no such push arrived");
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  forMessage(id: number) {
    return this.deliveries.filter((delivery) => delivery.payload.messageId === id);
  }
}
