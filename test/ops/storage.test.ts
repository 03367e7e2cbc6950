// When the disk is full or the database read-only, writes fail with a clear 503 in the envelope,
// nothing half-done is stored or acknowledged, and the server recovers when space returns.
// SQLite's own limits (max_page_count, query_only) produce the same errors a full disk or a
// read-only file do (SQLITE_FULL, SQLITE_READONLY), on the server's own connection, which only
// the app in the test process lends: on the binary these are skipped.

import { describe, expect } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SqliteStore } from "../../db/sqlite/store.ts";
import { inProcessOnly, startTestApp } from "../support/app.ts";
import { people } from "../support/fixtures.ts";
import { openWebSocket } from "../support/live.ts";

const dir = mkdtempSync(join(tmpdir(), "chat-storage-"));
const app = await startTestApp({ database: { url: `sqlite://${dir}/chat.db` } });
const { alice, bob } = await people(app);
const chat = (
  await app.request("POST", "/api/chat", { token: alice.token, body: { members: [bob.user.id] } })
).body;
const sqlite = (app.db as SqliteStore).sqlite;
const big = "x".repeat(7000);
const send = (content: string, clientId?: string) =>
  app.request("POST", `/api/chat/${chat.id}`, {
    token: alice.token,
    body: { content, ...(clientId && { clientId }) },
  });
const stored = () => (sqlite.query("select count(*) as n from messages").get() as { n: number }).n;

describe("storage failures", () => {
  inProcessOnly(
    "sets max_page_count on the server's own SQLite connection",
    "a full disk: sends get 503 unavailable with Retry-After, keep nothing, and work again when space returns",
    async () => {
      const before = (await send("before the disk filled")).body;
      const pages = (sqlite.query("pragma page_count").get() as { page_count: number }).page_count;
      sqlite.run(`pragma max_page_count = ${pages}`);
      let refused: Awaited<ReturnType<typeof send>> | undefined;
      const acknowledged: number[] = [];
      for (let i = 0; i < 200 && !refused; i++) {
        const reply = await send(`${big} ${i}`, `full-${i}`);
        if (reply.status >= 500) refused = reply;
        else acknowledged.push(reply.body.id);
      }
      expect(refused?.status).toBe(503);
      expect(refused?.body).toEqual({
        error: { code: "unavailable", message: expect.stringContaining("storage") },
      });
      expect(refused?.headers.get("retry-after")).toBe("5");
      const count = stored();

      // Over the socket too, with the same code.
      const socket = await openWebSocket(app.url, alice.token);
      await socket.take();
      socket.send({ type: "send", chatId: chat.id, content: big, clientId: "socket-full" });
      expect((await socket.takeUntil((f) => f.type === "error")).at(-1)?.error.code).toBe(
        "unavailable",
      );
      expect(stored()).toBe(count);

      sqlite.run("pragma max_page_count = 1073741823");
      const retried = await send(`${big} again`, "socket-full");
      expect(retried.status).toBe(201);
      const history = (
        await app.request("GET", `/api/chat/${chat.id}/messages?limit=100`, { token: bob.token })
      ).body;
      const ids = history.map((m: { id: number }) => m.id);
      for (const id of [before.id, ...acknowledged]) expect(ids).toContain(id);
      expect(sqlite.query("pragma integrity_check").get()).toEqual({ integrity_check: "ok" });
      await socket.close();
    },
  );

  inProcessOnly(
    "sets query_only on the server's own SQLite connection",
    "a read-only database: writes get 503, reads and health go on, and it recovers",
    async () => {
      sqlite.run("pragma query_only = on");
      const refused = await send("while read-only");
      expect(refused.status).toBe(503);
      expect(
        (await app.request("GET", `/api/chat/${chat.id}/messages`, { token: bob.token })).status,
      ).toBe(200);
      expect((await app.request("GET", "/healthz")).status).toBe(200);
      sqlite.run("pragma query_only = off");
      expect((await send("writable again")).status).toBe(201);
    },
  );
});
