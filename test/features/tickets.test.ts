// Tickets open sockets and event streams, so that no URL carries a session token.
import { describe, expect, test } from "bun:test";
import { startTestApp } from "../support/app.ts";
import { inviteCode, type Person, people, signup } from "../support/fixtures.ts";

const app = await startTestApp();
const { alice, bob } = await people(app);
const code = await inviteCode(app, alice);

const newTicket = async (by: Person) => {
  const reply = await app.request("POST", "/api/tickets", { token: by.token, body: {} });
  expect(reply.status).toBe(201);
  return reply.body as { ticket: string; expiresAt: string };
};

/** The upgrade's status, and the first frame when it opened. */
async function connect(query: string): Promise<{ status: number; first?: any }> {
  const url = `${app.url.replace(/^http/, "ws")}/api/ws?${query}`;
  const socket = new WebSocket(url);
  return new Promise((resolve) => {
    socket.addEventListener("message", (event) => {
      resolve({ status: 101, first: JSON.parse(String(event.data)) });
      socket.close();
    });
    socket.addEventListener("error", async () => {
      // The browser API hides the refusal's status: ask again over HTTP for it.
      const response = await fetch(`${app.url}/api/ws?${query}`, {
        headers: {
          upgrade: "websocket",
          connection: "Upgrade",
          "sec-websocket-version": "13",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
      });
      resolve({ status: response.status });
    });
  });
}

describe("tickets", () => {
  test("a ticket opens one WebSocket as its user, and is refused the second time", async () => {
    const { ticket, expiresAt } = await newTicket(bob);
    const left = Date.parse(expiresAt) - Date.now();
    expect(left).toBeGreaterThan(50_000);
    expect(left).toBeLessThanOrEqual(60_000);
    const socket = new WebSocket(`${app.url.replace(/^http/, "ws")}/api/ws?ticket=${ticket}`);
    const first = await new Promise<any>((resolve) =>
      socket.addEventListener("message", (event) => resolve(JSON.parse(String(event.data)))),
    );
    expect(first.type).toBe("ready");
    // Connected as bob: bob is online while it is open.
    const presence = await app.request("GET", "/api/presence", { token: alice.token });
    expect(presence.body.online).toEqual([bob.user.id]);
    socket.close();
    expect((await connect(`ticket=${ticket}`)).status).toBe(401);
  });

  test("a ticket opens an event stream once", async () => {
    const { ticket } = await newTicket(alice);
    const controller = new AbortController();
    const stream = await fetch(`${app.url}/api/events?ticket=${ticket}`, {
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toStartWith("text/event-stream");
    controller.abort();
    const again = await fetch(`${app.url}/api/events?ticket=${ticket}`);
    expect(again.status).toBe(401);
    expect(((await again.json()) as any).error.code).toBe("unauthorized");
  });

  test("an unknown or expired ticket is 401", async () => {
    expect((await connect("ticket=not-a-ticket")).status).toBe(401);
    const ticket = "an-expired-ticket-0123456789";
    await app.db.createTicket({
      id: new Bun.CryptoHasher("sha256").update(ticket).digest("hex"),
      userId: alice.user.id,
      tokenVersion: 0,
      sessionId: null,
      expiresAt: Date.now() - 1,
    });
    expect((await connect(`ticket=${ticket}`)).status).toBe(401);
  });

  test("a ticket ends with its session: after a password change it opens nothing", async () => {
    const dave = await signup(app, "Dave", "Acme", code);
    const { ticket } = await newTicket(dave);
    const changed = await app.request("POST", "/api/me/password", {
      token: dave.token,
      body: { currentPassword: dave.password, newPassword: "another password" },
    });
    expect(changed.status).toBe(200);
    expect((await connect(`ticket=${ticket}`)).status).toBe(401);
  });

  test("a ticket is no session token: the API refuses it in the header", async () => {
    const { ticket } = await newTicket(alice);
    expect((await app.request("GET", "/api/me", { token: ticket })).status).toBe(401);
    expect((await connect(`token=${ticket}`)).status).toBe(401);
  });

  test("expired tickets are pruned, used or not", async () => {
    await newTicket(alice);
    const pruned = await app.db.pruneTickets(Date.now() + 61_000);
    expect(pruned).toBeGreaterThan(0);
    expect(await app.db.pruneTickets(Date.now() + 61_000)).toBe(0);
  });
});
