// Process entry: load config, open the database, build the app, listen, drain on SIGTERM.
import { openSqliteStore } from "../db/sqlite-store.ts";
import { createApp } from "./app.ts";
import { ConfigError, durationMs, loadConfig } from "./config.ts";
import { FileStorage } from "./features/files/storage.ts";
import { LocalHub } from "./features/realtime/hub.ts";

const hourMs = 3_600_000;

async function main() {
  const { config, source } = loadConfig(process.env);
  const db = openSqliteStore(config.database.url, { synchronous: config.database.synchronous });
  const secret =
    config.auth.secret ||
    (await db.keepSetting(
      "auth.secret",
      Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString("base64url"),
    ));
  const files = new FileStorage(config.files.dir);
  await files.init();
  const hub = new LocalHub({ backpressureLimit: config.realtime.backpressureLimit });
  const app = createApp({ config, db, hub, files, secret }).listen({
    hostname: config.server.host,
    port: config.server.port,
  });
  console.log(
    `chat server listening on http://${config.server.host}:${app.server?.port} (config: ${source})`,
  );

  // Events older than the retention window are dropped; clients that far behind get `reset`.
  const retentionMs = durationMs(config.realtime.eventRetention);
  const prune = () =>
    db.pruneEvents(Date.now() - retentionMs).catch((error) => console.error("prune failed", error));
  await prune();
  const pruner = setInterval(prune, hourMs);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(pruner);
    // Sockets are told to go elsewhere (1001) and resume with since; requests in flight finish
    // and commit, within the configured bound.
    hub.closeAll(1001, "server shutting down");
    const bound = Bun.sleep(durationMs(config.server.shutdownTimeout)).then(() => "timeout");
    if ((await Promise.race([app.stop(), bound])) === "timeout") await app.stop(true);
    await db.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
