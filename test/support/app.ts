// Starts the real app on a real socket (port 0) over a fresh database: in memory, or a new
// PostgreSQL database when CHAT_TEST_DATABASE=postgres.
import { afterAll } from "bun:test";
import { openStore } from "../../db/open.ts";
import type { PostgresStore } from "../../db/postgres/store.ts";
import type { SqliteStore } from "../../db/sqlite/store.ts";
import { createApp } from "../../src/app.ts";
import type { Config } from "../../src/config.ts";
import { FileStorage } from "../../src/features/files/storage.ts";
import { startHub } from "../../src/features/realtime/cluster.ts";
import type { LogLine } from "../../src/ops/logging.ts";
import { RateLimiter } from "../../src/rate-limit.ts";
import { type DeepPartial, testConfig } from "./config.ts";
import { createDatabase, onPostgres } from "./postgres.ts";

export type Reply<T = any> = { status: number; body: T; headers: Headers };

export type TestApp = Awaited<ReturnType<typeof startTestApp>>;

export async function startTestApp(overrides: DeepPartial<Config> = {}) {
  // A test that names its own database (a file, to fill a disk) keeps it.
  const postgres = onPostgres && !overrides.database?.url ? await createDatabase() : undefined;
  const config = testConfig(
    postgres ? { ...overrides, database: { ...overrides.database, url: postgres.url } } : overrides,
  );
  const db = await openStore(config.database);
  const files = new FileStorage(config.files.dir);
  await files.init();
  const hub = await startHub(config, db);
  // The limits' clock: real time, plus whatever a test moves it on by (no sleeping).
  let clockOffset = 0;
  const limits = new RateLimiter(() => Date.now() + clockOffset);
  const advanceClock = (ms: number) => {
    clockOffset += ms;
  };
  const errors: unknown[] = [];
  const logs: LogLine[] = [];
  const app = createApp({
    config,
    db,
    hub,
    files,
    limits,
    secret: config.auth.secret,
    logger: (line) => {
      logs.push(line);
      if (line.level === "error") errors.push(line);
    },
  }).listen({ hostname: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${app.server?.port}`;

  /** One HTTP request; `body` is sent as JSON unless it is already a string or FormData. */
  async function request<T = any>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: RequestInit["body"];
    if (typeof options.body === "string" || options.body instanceof FormData) body = options.body;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const response = await fetch(url + path, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  /** Raw SQL for a test's setup and checks, on either store; `?` marks a parameter. */
  async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []) {
    if (db.dialect === "sqlite") {
      return (db as SqliteStore).sqlite.query(text).all(...(params as never[])) as T[];
    }
    let n = 0;
    return (await (db as PostgresStore).sql.unsafe(
      text.replace(/\?/g, () => `$${++n}`),
      params as never[],
    )) as unknown as T[];
  }

  const stop = async () => {
    await app.stop(true);
    await hub.stop();
    await db.close();
    await postgres?.drop();
  };
  afterAll(stop);
  return { app, url, config, db, hub, files, request, sql, stop, errors, logs, advanceClock };
}
