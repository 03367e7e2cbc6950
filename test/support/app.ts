// Starts the real app on a real socket (port 0) over a fresh database: in memory, or a new
// PostgreSQL database when CHAT_TEST_DATABASE=postgres. With CHAT_TEST_TARGET=binary the same
// suites drive the compiled binary instead, a process of its own on the same configuration.
import { Database } from "bun:sqlite";
import { afterAll, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../db/open.ts";
import type { PostgresStore } from "../../db/postgres/store.ts";
import { SqliteStore, sqlitePath } from "../../db/sqlite/store.ts";
import type { Store } from "../../db/store.ts";
import { createApp } from "../../src/app.ts";
import { type Config, isPostgresUrl } from "../../src/config.ts";
import { FileStorage } from "../../src/features/files/storage.ts";
import { Notifier } from "../../src/features/notifications/notifier.ts";
import { PushSender } from "../../src/features/notifications/push.ts";
import { startHub } from "../../src/features/realtime/cluster.ts";
import type { LogLine } from "../../src/ops/logging.ts";
import { RateLimiter } from "../../src/rate-limit.ts";
import { startBinary } from "./binary.ts";
import { type DeepPartial, testConfig } from "./config.ts";
import { createDatabase, onPostgres } from "./postgres.ts";

export type Reply<T = any> = { status: number; body: T; headers: Headers };

export type TestApp = Awaited<ReturnType<typeof startTestApp>>;

/** What the suites run against: the source in this process, or the compiled binary. */
export const onBinary = process.env.CHAT_TEST_TARGET === "binary";

/**
 * A test that reaches inside the server process (its store handle, its clock), which the binary,
 * a process of its own, does not let it do: on the binary it is reported as skipped, with its
 * reason in its name. `grep -rn inProcessOnly test` lists every such test and why.
 */
export function inProcessOnly(reason: string, name: string, body: () => Promise<void>) {
  test.skipIf(onBinary)(onBinary ? `${name} [in-process only: ${reason}]` : name, body);
}

/** The parts of a server a test reaches: its URL, logs and clock. */
type Running = {
  url: string;
  db: Store;
  /** Every line logged so far, once the logger's output has been read up to now. */
  readLogsSoFar: () => Promise<LogLine[]>;
  advanceClock: (ms: number) => void;
  stop: () => Promise<void>;
};

/** The app in this process, as the source runs it. */
async function startInProcess(config: Config): Promise<Running> {
  const db = await openStore(config.database);
  const files = new FileStorage(config.files.dir);
  await files.init();
  const logs: LogLine[] = [];
  const hub = await startHub(config, db, (line) => logs.push(line));
  // The limits' clock: real time, plus whatever a test moves it on by (no sleeping).
  let clockOffset = 0;
  const limits = new RateLimiter(() => Date.now() + clockOffset);
  // As serve.ts does, looking for due pushes more often: tests wait for them.
  const pushes = new PushSender(db, config, (line) => logs.push(line), { intervalMs: 50 });
  const notifier = new Notifier(db, hub, (line) => logs.push(line), {
    onQueued: () => void pushes.tick(),
  });
  await notifier.start();
  const app = createApp({
    config,
    db,
    hub,
    files,
    limits,
    notifier,
    secret: config.auth.secret,
    logger: (line) => logs.push(line),
  }).listen({ hostname: "127.0.0.1", port: 0 });
  pushes.start();
  return {
    url: `http://127.0.0.1:${app.server?.port}`,
    db,
    readLogsSoFar: async () => logs,
    advanceClock: (ms) => {
      clockOffset += ms;
    },
    stop: async () => {
      await pushes.stop();
      await app.stop(true);
      await notifier.stop();
      await hub.stop();
      await db.close();
    },
  };
}

/**
 * The compiled binary on the same configuration, over a database file of its own; the test's
 * store is a second connection to that database, for setup and checks.
 */
async function startCompiled(config: Config, dir: string): Promise<Running> {
  const server = await startBinary(config, dir);
  let db: Store;
  if (isPostgresUrl(config.database.url)) db = await openStore(config.database);
  else {
    // The server has migrated it and checkpoints it: this connection only reads and writes.
    const sqlite = new Database(sqlitePath(config.database.url), { strict: true });
    sqlite.run("pragma busy_timeout = 5000");
    sqlite.run("pragma foreign_keys = on");
    db = new SqliteStore(sqlite);
  }
  return {
    url: server.url,
    db,
    readLogsSoFar: server.readLogsSoFar,
    advanceClock: () => {
      throw new Error("the binary's clock is its own: mark the test inProcessOnly");
    },
    stop: async () => {
      await db.close();
      await server.stop();
    },
  };
}

export async function startTestApp(overrides: DeepPartial<Config> = {}) {
  // A test that names its own database (a file, to fill a disk) keeps it.
  const postgres = onPostgres && !overrides.database?.url ? await createDatabase() : undefined;
  // The binary's database is a file the test can open too; in this process, memory will do.
  const dir = onBinary ? mkdtempSync(join(tmpdir(), "chat-binary-")) : undefined;
  const url = postgres?.url ?? overrides.database?.url ?? (dir && `sqlite://${dir}/chat.db`);
  const config = testConfig(
    url ? { ...overrides, database: { ...overrides.database, url } } : overrides,
  );
  const server = dir ? await startCompiled(config, dir) : await startInProcess(config);
  const { db } = server;
  // The upload directory, which the server initialised.
  const files = new FileStorage(config.files.dir);

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
    const response = await fetch(server.url + path, { method, headers, body });
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

  /** The error lines the server has logged so far (a 5xx answer logs one). */
  async function errorLogs(): Promise<LogLine[]> {
    return (await server.readLogsSoFar()).filter((line) => line.level === "error");
  }

  /** Open WebSockets and event streams, as the server's /metrics counts them. */
  async function connections(): Promise<number> {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1]);
    return gauge("chat_websocket_connections") + gauge("chat_sse_connections");
  }

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await server.stop();
      await postgres?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
      // The upload directory testConfig made (a test that names its own keeps it).
      if (!overrides.files?.dir) rmSync(config.files.dir, { recursive: true, force: true });
    })());
  afterAll(stop);
  return {
    url: server.url,
    config,
    db,
    files,
    request,
    sql,
    errorLogs,
    connections,
    advanceClock: server.advanceClock,
    stop,
  };
}
