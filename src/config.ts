// The one reader of configuration: a YAML file, a few environment overrides, built-in defaults.
// Every key is declared here once, with its default and what it means.
import { existsSync, readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { type Static, Type as T, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { parse as parseYaml } from "yaml";
import { dialectOf } from "../db/store.ts";

const Duration = (defaultValue: string, description: string) =>
  T.String({ pattern: "^[0-9]+(ms|s|m|h|d)$", default: defaultValue, description });

const Limit = (defaultValue: number, description: string) =>
  T.Integer({ minimum: 0, default: defaultValue, description });

const section = <P extends Record<string, TSchema>>(properties: P, description: string) =>
  T.Object(properties, { additionalProperties: false, default: {}, description });

export const ConfigSchema = T.Object(
  {
    server: section(
      {
        host: T.String({ default: "0.0.0.0", description: "Address to listen on" }),
        port: T.Integer({ minimum: 0, maximum: 65535, default: 6688, description: "TCP port" }),
        trustedProxies: T.Array(T.String(), {
          default: [],
          description:
            "Peer addresses whose X-Forwarded-For (per-IP limits) and X-Forwarded-Proto/-Host (URLs the server hands out) are believed",
        }),
        publicUrl: T.String({
          default: "",
          pattern: "^$|^https?://[^/?#\\s]+(/[^?#\\s]*)?$",
          description:
            "The address clients reach the server at, such as https://chat.example.com: the base of URLs it hands out (webhooks', Socket Mode's); empty: taken from each request",
        }),
        corsOrigins: T.Array(T.String(), {
          default: [],
          description:
            "Origins other sites' pages may call the API from; empty: none (CORS closed)",
        }),
        shutdownTimeout: Duration("10s", "How long a graceful shutdown waits for work in flight"),
        http2: T.Boolean({
          default: true,
          description: "HTTP/2 beside HTTP/1.1: ALPN with TLS, prior knowledge without",
        }),
        tls: T.Object(
          {
            cert: T.String({
              default: "",
              description: "PEM certificate chain file; empty: no TLS",
            }),
            key: T.String({ default: "", description: "PEM private key file" }),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      "HTTP server",
    ),
    database: section(
      {
        url: T.String({
          default: "sqlite://./data/chat.db",
          pattern: "^(sqlite|postgres|postgresql)://.+",
          description:
            "sqlite://PATH (sqlite://:memory: for a throwaway database), or postgres://USER@HOST/DB for several instances",
        }),
        synchronous: T.Union([T.Literal("NORMAL"), T.Literal("FULL")], {
          default: "NORMAL",
          description: "SQLite durability: NORMAL survives process crashes, FULL also power loss",
        }),
        poolSize: T.Integer({
          minimum: 1,
          default: 10,
          description: "PostgreSQL connections per instance",
        }),
      },
      "Storage",
    ),
    pubsub: section(
      {
        url: T.String({
          default: "",
          pattern: "^$|^rediss?://.+",
          description:
            "redis://HOST:PORT: instances deliver each other's events through Redis; empty: one instance",
        }),
      },
      "Fan-out between instances",
    ),
    files: section(
      {
        dir: T.String({ default: "./data/files", description: "Where uploaded files are kept" }),
        maxSize: T.Integer({
          minimum: 0,
          default: 26_214_400,
          description: "Bytes per uploaded file",
        }),
      },
      "Uploaded files",
    ),
    auth: section(
      {
        secret: T.String({
          default: "",
          description: "Token signing secret; empty: generated once and kept in the database",
        }),
        tokenTtl: Duration("7d", "How long a token stays valid"),
      },
      "Authentication",
    ),
    limits: section(
      {
        signin: Limit(10, "Sign-ins per sliding minute, per IP and per account"),
        signup: Limit(10, "Sign-ups per sliding minute, per IP"),
        messages: Limit(600, "Messages per sliding minute, per user"),
        uploads: Limit(60, "Upload requests per sliding minute, per user"),
        connects: Limit(120, "Real-time connections per sliding minute, per IP"),
      },
      "Requests per sliding minute; 0 turns a limit off",
    ),
    realtime: section(
      {
        eventRetention: Duration("7d", "How long events are kept for resuming clients"),
        maxPayloadLength: T.Integer({
          minimum: 1024,
          default: 65_536,
          description: "Largest WebSocket frame a client may send, in bytes",
        }),
        idleTimeout: T.Integer({
          minimum: 0,
          maximum: 960,
          default: 120,
          description: "Seconds without traffic before a WebSocket is closed",
        }),
        backpressureLimit: T.Integer({
          minimum: 1024,
          default: 1_048_576,
          description: "Bytes queued for a slow connection before it is closed",
        }),
        perMessageDeflate: T.Boolean({ default: false, description: "WebSocket compression" }),
        sseKeepAlive: Duration("15s", "How often an idle event stream gets a comment line"),
      },
      "Live delivery",
    ),
    socketMode: section(
      {
        ackTimeout: Duration(
          "10s",
          "How long an envelope waits for its acknowledgement before it is sent again",
        ),
        keepFor: Duration(
          "24h",
          "How long events wait for an app with no connection; older ones are not delivered",
        ),
        lease: Duration(
          "15s",
          "How long an instance delivers an app's events without renewing its lease (renewed every fifth of it); another instance with sockets of the app takes over after it",
        ),
      },
      "Slack Socket Mode: events for apps on their own WebSocket",
    ),
    push: section(
      {
        allowHttp: T.Boolean({
          default: false,
          description:
            "Accept http:// push endpoints (tests, closed networks); otherwise only https://",
        }),
        subject: T.String({
          pattern: "^(mailto:|https://).+",
          default: "mailto:chat@localhost",
          description: "Who runs this server, told to push services with each push (VAPID)",
        }),
      },
      "Web Push notifications to users with no open connection",
    ),
  },
  { additionalProperties: false, default: {} },
);

export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** Environment variables an operator sets most often, each overriding one key. */
const environmentOverrides: Record<string, { key: [string, string]; type: "string" | "integer" }> =
  {
    CHAT_HOST: { key: ["server", "host"], type: "string" },
    CHAT_PORT: { key: ["server", "port"], type: "integer" },
    CHAT_PUBLIC_URL: { key: ["server", "publicUrl"], type: "string" },
    CHAT_DATABASE_URL: { key: ["database", "url"], type: "string" },
    CHAT_PUBSUB_URL: { key: ["pubsub", "url"], type: "string" },
    CHAT_FILES_DIR: { key: ["files", "dir"], type: "string" },
    CHAT_SECRET: { key: ["auth", "secret"], type: "string" },
  };

/** Whether `database.url` names PostgreSQL rather than the embedded SQLite. */
export const isPostgresUrl = (url: string) => dialectOf(url) === "postgres";

/** Validates raw settings (from YAML or a test) and fills in every default. */
export function parseConfig(raw: unknown): Config {
  const input = raw ?? {};
  const errors = [...Value.Errors(ConfigSchema, Value.Default(ConfigSchema, Value.Clone(input)))];
  if (errors.length > 0) {
    const lines = errors.slice(0, 5).map((error) => {
      const key = error.path.replace(/^\//, "").replaceAll("/", ".") || "(root)";
      const unknown = error.message.includes("Unexpected property");
      return unknown ? `unknown key "${key}"` : `key "${key}": ${error.message}`;
    });
    throw new ConfigError(`invalid configuration: ${lines.join("; ")}`);
  }
  const config = Value.Default(ConfigSchema, Value.Clone(input)) as Config;
  if (config.pubsub.url && !isPostgresUrl(config.database.url)) {
    throw new ConfigError(
      "invalid configuration: pubsub.url joins instances that share one database: set database.url to postgres://…",
    );
  }
  checkTls(config.server.tls);
  return config;
}

/**
 * TLS files are read here, before anything opens: a missing, unreadable or mismatched file would
 * otherwise stop the start only at listen, after the database was opened and migrated.
 */
function checkTls(tls: Config["server"]["tls"]): void {
  if (!tls.cert && !tls.key) return;
  const fail = (key: "cert" | "key", problem: string) =>
    new ConfigError(`invalid configuration: key "server.tls.${key}": ${problem}`);
  if (!tls.key) throw fail("key", "server.tls.cert is set: set the key too, or neither");
  if (!tls.cert) throw fail("cert", "server.tls.key is set: set the certificate too, or neither");
  const read = (key: "cert" | "key") => {
    try {
      return readFileSync(tls[key]);
    } catch (error) {
      throw fail(key, `cannot read ${tls[key]} (${(error as NodeJS.ErrnoException).code})`);
    }
  };
  const [cert, key] = [read("cert"), read("key")];
  const loads = (options: { cert?: Buffer; key?: Buffer }) => {
    try {
      createSecureContext(options);
      return true;
    } catch {
      return false;
    }
  };
  if (!loads({ cert })) throw fail("cert", `${tls.cert} is not a PEM certificate`);
  if (!loads({ key })) throw fail("key", `${tls.key} is not a PEM private key`);
  if (!loads({ cert, key })) {
    throw fail("key", `${tls.key} does not match the certificate in ${tls.cert}`);
  }
}

/** The file the spec names: CHAT_CONFIG, else ./app.yml, else /etc/config/app.yml, else none. */
export function findConfigFile(env: Record<string, string | undefined>): string | undefined {
  if (env.CHAT_CONFIG) {
    if (!existsSync(env.CHAT_CONFIG))
      throw new ConfigError(`CHAT_CONFIG: no file ${env.CHAT_CONFIG}`);
    return env.CHAT_CONFIG;
  }
  return ["./app.yml", "/etc/config/app.yml"].find((path) => existsSync(path));
}

export function loadConfig(env: Record<string, string | undefined>): {
  config: Config;
  source: string;
} {
  const file = findConfigFile(env);
  let raw: Record<string, Record<string, unknown>> = {};
  if (file) {
    try {
      raw = parseYaml(readFileSync(file, "utf8")) ?? {};
    } catch (error) {
      throw new ConfigError(`${file}: not valid YAML: ${(error as Error).message}`);
    }
    if (typeof raw !== "object" || Array.isArray(raw)) {
      throw new ConfigError(`${file}: the top level must be a mapping of sections`);
    }
  }
  // A section whose keys are all commented out reads as null in YAML: it means "defaults".
  for (const [name, value] of Object.entries(raw)) if (value === null) raw[name] = {};
  for (const [name, { key, type }] of Object.entries(environmentOverrides)) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    const [sectionName, keyName] = key;
    const target = raw[sectionName] ?? {};
    if (typeof target !== "object" || target === null) continue;
    target[keyName] = type === "integer" && /^[0-9]+$/.test(value) ? Number(value) : value;
    raw[sectionName] = target;
  }
  try {
    return { config: parseConfig(raw), source: file ?? "built-in defaults" };
  } catch (error) {
    if (error instanceof ConfigError && file) throw new ConfigError(`${file}: ${error.message}`);
    throw error;
  }
}

const durationUnits = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "7d" → milliseconds. The schema's pattern has already checked the form. */
export function durationMs(duration: string): number {
  const match = /^([0-9]+)(ms|s|m|h|d)$/.exec(duration);
  if (!match) throw new ConfigError(`not a duration: ${duration}`);
  return Number(match[1]) * durationUnits[match[2] as keyof typeof durationUnits];
}

/** The effective configuration with secrets masked, for `chat config` and logs. */
export function maskSecrets(config: Config): Config {
  return {
    ...config,
    auth: { ...config.auth, secret: config.auth.secret ? "********" : "" },
    database: { ...config.database, url: maskPassword(config.database.url) },
    pubsub: { url: maskPassword(config.pubsub.url) },
  };
}

/** user:password@ → ***@ in a connection URL. */
const maskPassword = (url: string) => url.replace(/\/\/[^@/]*@/, "//***@");
