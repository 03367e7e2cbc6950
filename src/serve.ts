// The serve lifecycle: config → store → hub → createApp → listen; SIGTERM or SIGINT drain it.
// With main.ts, the only file that touches `process`: the terminal, signals, the exit status.
import { openStore } from "../db/open.ts";
import { unsentUploadTtl } from "../db/plan.ts";
import type { Store } from "../db/store.ts";
import packageJson from "../package.json" with { type: "json" };
import { createApp } from "./app.ts";
import { type Config, durationMs } from "./config.ts";
import { removeFileBytes } from "./features/files/service.ts";
import { FileStorage } from "./features/files/storage.ts";
import { removeExpiredMessages } from "./features/messages/retention.ts";
import { Notifier } from "./features/notifications/notifier.ts";
import { PushSender } from "./features/notifications/push.ts";
import { startHub } from "./features/realtime/cluster.ts";
import { consoleLogger, errorLine, type Logger } from "./ops/logging.ts";
import { RateLimiter } from "./rate-limit.ts";

const hourMs = 3_600_000;

/** Starts the server on the configured address; resolves once it listens. */
export async function serve(config: Config, source: string): Promise<void> {
  const logger = consoleLogger(process.stdout.isTTY === true);
  const db = await openStore(config.database, logger);
  const secret = await signingSecret(config, db);
  const files = new FileStorage(config.files.dir);
  await files.init();
  const hub = await startHub(config, db, logger);
  const { tls } = config.server;
  const limits = new RateLimiter();
  // Pushes are sent from the queue; they are decided from the event log, from where the last
  // run left it (issue #24).
  const pushes = new PushSender(db, config, logger);
  const notifier = new Notifier(db, hub, logger, { onQueued: () => void pushes.tick() });
  await notifier.start();
  const app = createApp({ config, db, hub, files, limits, notifier, secret, logger }).listen({
    hostname: config.server.host,
    port: config.server.port,
    http2: config.server.http2,
    // config.ts has read both files already: a bad pair stops the start before anything opens.
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
  const pruning = pruneHourly(db, files, durationMs(config.realtime.eventRetention), logger);
  // Pushes queued before a restart and due are sent from here on.
  pushes.start();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger({ time: new Date().toISOString(), level: "info", msg: "stopping", signal });
    pruning.stop();
    await pushes.stop();
    // Sockets are told to go elsewhere (1001) and resume with since; requests in flight finish
    // and commit, within the configured bound.
    const closed = hub.closeAll(1001, "server shutting down");
    const bound = Bun.sleep(durationMs(config.server.shutdownTimeout)).then(() => "timeout");
    if ((await Promise.race([app.stop(), bound])) === "timeout") await app.stop(true);
    // After the last sends: their pushes are queued before the process ends.
    await notifier.stop();
    await closed;
    await hub.stop();
    await db.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  // Only once the handlers are in: the first prune takes a while on PostgreSQL, after /healthz
  // already answers, and a stop during it must still drain.
  await pruning.first;
}

/** The token signing secret: the configured one, else one generated once and kept in the database. */
async function signingSecret(config: Config, db: Store): Promise<string> {
  if (config.auth.secret) return config.auth.secret;
  const generated = Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString("base64url");
  return db.keepSetting("auth.secret", generated);
}

/**
 * Drops events older than the retention window now and every hour after (clients that far behind
 * get `reset`), tickets past their minute, used or not, uploads never sent within a day, and the
 * messages older than their workspace's `retentionDays`; and removes the bytes of files nothing
 * carries any more (a crash after a delete's commit leaves them recorded). Answers the first prune, and how to stop the rest.
 */
function pruneHourly(
  db: Store,
  files: FileStorage,
  retentionMs: number,
  logger: Logger,
): { first: Promise<void>; stop: () => void } {
  const prune = () =>
    Promise.all([
      db.pruneEvents(Date.now() - retentionMs),
      db.pruneTickets(Date.now()),
      db
        .collectUnsentUploads(Date.now() - unsentUploadTtl)
        .then(() => removeFileBytes({ db, files })),
      removeExpiredMessages({ db, files }),
    ])
      .then(() => {})
      .catch((error) =>
        logger(
          errorLine(
            "pruning old events, tickets, files or messages failed; the next hour retries",
            error,
          ),
        ),
      );
  const pruner = setInterval(prune, hourMs);
  return { first: prune(), stop: () => clearInterval(pruner) };
}
