// Process entry: load config, open the database, build the app, listen, drain on SIGTERM.
import { openSqliteStore } from "../db/sqlite-store.ts";
import { createApp } from "./app.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { LocalHub } from "./features/realtime/hub.ts";

async function main() {
  const { config, source } = loadConfig(process.env);
  const db = openSqliteStore(config.database.url, { synchronous: config.database.synchronous });
  const secret =
    config.auth.secret ||
    (await db.keepSetting(
      "auth.secret",
      Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString("base64url"),
    ));
  const hub = new LocalHub({ backpressureLimit: config.realtime.backpressureLimit });
  const app = createApp({ config, db, hub, secret }).listen({
    hostname: config.server.host,
    port: config.server.port,
  });
  console.log(
    `chat server listening on http://${config.server.host}:${app.server?.port} (config: ${source})`,
  );

  const stop = async () => {
    await app.stop();
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
