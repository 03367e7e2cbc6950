import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Config, parseConfig } from "../../src/config.ts";

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** The configuration tests start from: in-memory database, own files dir, fixed secret, limits off. */
export function testConfig(overrides: DeepPartial<Config> = {}): Config {
  const base = {
    server: { port: 0, host: "127.0.0.1" },
    database: { url: "sqlite://:memory:" },
    files: { dir: mkdtempSync(join(tmpdir(), "chat-files-")) },
    auth: { secret: "test-secret-that-is-long-enough-for-hs256" },
    limits: { signin: 0, signup: 0, messages: 0, uploads: 0, connects: 0 },
  };
  return parseConfig(mergeDeep(base, overrides));
}

function mergeDeep(base: Record<string, unknown>, extra: Record<string, unknown>) {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] =
      value && typeof value === "object" && !Array.isArray(value) && current
        ? mergeDeep(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}
