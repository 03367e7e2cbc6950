// Picks the store from `database.url`: sqlite://… is the embedded default, postgres://… the
// shared database several instances run on.
import { type Config, isPostgresUrl } from "../src/config.ts";
import type { PostgresOptions, PostgresStore } from "./postgres/store.ts";
import { openSqliteStore } from "./sqlite/store.ts";
import type { Store } from "./store.ts";

export type OpenedStore = Store & { appliedMigrations: string[] };

/** Loaded on demand, so the embedded default never loads the PostgreSQL driver. */
export async function openPostgres(url: string, options?: PostgresOptions): Promise<PostgresStore> {
  const { openPostgresStore } = await import("./postgres/store.ts");
  return openPostgresStore(url, options);
}

export async function openStore(database: Config["database"]): Promise<OpenedStore> {
  if (isPostgresUrl(database.url))
    return openPostgres(database.url, { poolSize: database.poolSize });
  return openSqliteStore(database.url, { synchronous: database.synchronous });
}
