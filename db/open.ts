// Picks the store from the database URL: sqlite://… is the embedded default, postgres://… the
// shared database several instances run on. Takes plain options: storage knows no Config.
import type { PostgresOptions, PostgresStore } from "./postgres/store.ts";
import { openSqliteStore } from "./sqlite/store.ts";
import { dialectOf, type Log, type Store } from "./store.ts";

export type OpenedStore = Store & { appliedMigrations: string[] };

export type StoreOptions = {
  url: string;
  /** SQLite's durability: NORMAL survives process crashes, FULL also power loss. */
  synchronous: "NORMAL" | "FULL";
  /** PostgreSQL connections in the pool. */
  poolSize: number;
};

/** Loaded on demand, so the embedded default never loads the PostgreSQL driver. */
export async function openPostgres(url: string, options?: PostgresOptions): Promise<PostgresStore> {
  const { openPostgresStore } = await import("./postgres/store.ts");
  return openPostgresStore(url, options);
}

/** `log` receives what storage reports on its own (a failed WAL checkpoint, say). */
export async function openStore(options: StoreOptions, log?: Log): Promise<OpenedStore> {
  if (dialectOf(options.url) === "postgres") {
    return openPostgres(options.url, { poolSize: options.poolSize });
  }
  return openSqliteStore(options.url, { synchronous: options.synchronous, log });
}
