// Process entry and command line: `chat serve` (the default), `migrate`, `backup`, `config`.
// The only file that touches `process`: arguments, environment, signals, exit status.
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { openPostgres, openStore } from "../db/open.ts";
import { SqliteStore } from "../db/sqlite/store.ts";
import packageJson from "../package.json" with { type: "json" };
import { createApp } from "./app.ts";
import {
  type Config,
  ConfigError,
  durationMs,
  isPostgresUrl,
  loadConfig,
  maskSecrets,
} from "./config.ts";
import { FileStorage } from "./features/files/storage.ts";
import { startHub } from "./features/realtime/cluster.ts";
import { consoleLogger } from "./ops/logging.ts";
import { RateLimiter } from "./rate-limit.ts";

const hourMs = 3_600_000;

const usage = {
  chat: `chat ${packageJson.version}: a Slack-like chat server with an embedded database

Usage: chat [command] [--help]

Commands:
  serve          run the server (the default)
  migrate        apply database migrations and exit
  backup <file>  write a consistent copy of the database while the server runs
  migrate-to-postgres <url>
                 copy the SQLite database, whole, into an empty PostgreSQL database
  config         print the effective configuration, secrets masked

Options:
  -h, --help     show help (also after a command)
  -v, --version  print the version

Configuration: the YAML file in CHAT_CONFIG, else ./app.yml, else /etc/config/app.yml,
else built-in defaults; CHAT_HOST, CHAT_PORT, CHAT_DATABASE_URL, CHAT_FILES_DIR and CHAT_SECRET
override one key each.`,
  serve: `Usage: chat serve

Runs the server on server.host:server.port. SIGTERM or SIGINT drain it: new connections are
refused, requests in flight finish, sockets close with 1001, then the process exits 0.`,
  migrate: `Usage: chat migrate

Applies the migrations the database lacks (the server also does this at start) and exits.`,
  backup: `Usage: chat backup <file>

Writes a consistent copy of the database to <file> (which must not exist) with VACUUM INTO.
Safe while the server runs: it reads one snapshot and writers go on.`,
  "migrate-to-postgres": `Usage: chat migrate-to-postgres <postgres://…>

Copies the configured SQLite database (database.url) into the empty PostgreSQL database at
<url>, in one transaction: every row with its id, so tokens, links and clients' event ids stay
valid. Stop the server first. Then set database.url to <url> (and files.dir to a directory every
instance shares). See docs/scaling.md.`,
  config: `Usage: chat config

Prints the effective configuration (file, environment and defaults) as YAML, secrets masked.`,
};

class UsageError extends Error {
  constructor(
    message: string,
    readonly command: keyof typeof usage = "chat",
  ) {
    super(message);
  }
}

async function serve(config: Config, source: string): Promise<void> {
  const logger = consoleLogger(process.stdout.isTTY === true);
  const db = await openStore(config.database);
  const secret =
    config.auth.secret ||
    (await db.keepSetting(
      "auth.secret",
      Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString("base64url"),
    ));
  const files = new FileStorage(config.files.dir);
  await files.init();
  const hub = await startHub(config, db);
  const { tls } = config.server;
  if (Boolean(tls.cert) !== Boolean(tls.key)) {
    throw new ConfigError("server.tls: set both cert and key, or neither");
  }
  const limits = new RateLimiter();
  const app = createApp({ config, db, hub, files, limits, secret, logger }).listen({
    hostname: config.server.host,
    port: config.server.port,
    http2: config.server.http2,
    ...(tls.cert && { tls: { cert: Bun.file(tls.cert), key: Bun.file(tls.key) } }),
  });
  logger({
    time: new Date().toISOString(),
    level: "info",
    msg: "listening",
    url: `${tls.cert ? "https" : "http"}://${config.server.host}:${app.server?.port}`,
    config: source,
    version: packageJson.version,
  });

  // Events older than the retention window are dropped; clients that far behind get `reset`.
  // Tickets past their minute go too, used or not.
  const retentionMs = durationMs(config.realtime.eventRetention);
  const prune = () =>
    Promise.all([db.pruneEvents(Date.now() - retentionMs), db.pruneTickets(Date.now())]).catch(
      (error) => console.error("prune failed", error),
    );
  let pruner: ReturnType<typeof setInterval> | undefined;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger({ time: new Date().toISOString(), level: "info", msg: "stopping", signal });
    clearInterval(pruner);
    // Sockets are told to go elsewhere (1001) and resume with since; requests in flight finish
    // and commit, within the configured bound.
    hub.closeAll(1001, "server shutting down");
    const bound = Bun.sleep(durationMs(config.server.shutdownTimeout)).then(() => "timeout");
    if ((await Promise.race([app.stop(), bound])) === "timeout") await app.stop(true);
    await hub.stop();
    await db.close();
    process.exit(0);
  };
  // Before the first prune, which takes a while on PostgreSQL: a stop during it is still graceful.
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  await prune();
  if (!stopping) pruner = setInterval(prune, hourMs);
}

async function run(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "-v" || first === "--version") {
    console.log(packageJson.version);
    return 0;
  }
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    if (first === undefined) return run(["serve"]);
    console.log(usage.chat);
    return 0;
  }
  const command = first.startsWith("-") ? "serve" : first;
  const args = first.startsWith("-") ? argv : rest;
  if (!(command in usage) || command === "chat")
    throw new UsageError(`unknown command "${command}"`);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      options: { help: { type: "boolean", short: "h" } },
      allowPositionals: command === "backup" || command === "migrate-to-postgres",
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message, command as keyof typeof usage);
  }
  const help = usage[command as keyof typeof usage];
  if (parsed.values.help) {
    console.log(help);
    return 0;
  }

  const { config, source } = loadConfig(process.env);
  switch (command) {
    case "serve":
      await serve(config, source);
      return -1;
    case "migrate": {
      const db = await openStore(config.database);
      console.log(
        db.appliedMigrations.length > 0
          ? `applied: ${db.appliedMigrations.join(", ")}`
          : "the database is up to date",
      );
      await db.close();
      return 0;
    }
    case "backup": {
      const [target, ...extra] = parsed.positionals;
      if (!target || extra.length > 0) throw new UsageError("backup takes one file name", "backup");
      if (existsSync(target)) throw new UsageError(`${target} exists: choose a new file`, "backup");
      const db = await openStore(config.database);
      await db.backup(target);
      await db.close();
      console.log(`backup written to ${target} (${Bun.file(target).size} bytes)`);
      return 0;
    }
    case "migrate-to-postgres": {
      const [target, ...extra] = parsed.positionals;
      if (!target || extra.length > 0 || !isPostgresUrl(target)) {
        throw new UsageError(
          "migrate-to-postgres takes one postgres:// URL",
          "migrate-to-postgres",
        );
      }
      const source = await openStore(config.database);
      if (!(source instanceof SqliteStore)) {
        throw new UsageError(
          `database.url is ${maskSecrets(config).database.url}: the source must be SQLite`,
          "migrate-to-postgres",
        );
      }
      const destination = await openPostgres(target);
      const { copySqliteToPostgres } = await import("../db/copy.ts");
      try {
        const copied = await copySqliteToPostgres(source, destination);
        const { lastEventId, ...rows } = copied;
        for (const [table, count] of Object.entries(rows)) console.log(`${table}: ${count} rows`);
        console.log(`event ids continue after ${lastEventId}; now set database.url to the new URL`);
      } finally {
        await source.close();
        await destination.close();
      }
      return 0;
    }
    case "config":
      process.stdout.write(`# from ${source}\n${stringify(maskSecrets(config))}`);
      return 0;
  }
  return 0;
}

run(process.argv.slice(2)).then(
  (status) => {
    if (status >= 0) process.exit(status);
  },
  (error) => {
    if (error instanceof UsageError) {
      console.error(`chat: ${error.message}\n\n${usage[error.command]}`);
      process.exit(2);
    }
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  },
);
