import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, durationMs, loadConfig, maskSecrets, parseConfig } from "../src/config.ts";

const dir = mkdtempSync(join(tmpdir(), "chat-config-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** A self-signed certificate and its key, made by openssl. */
function pemPair(name: string): { cert: string; key: string } {
  const [cert, key] = [join(dir, `${name}-cert.pem`), join(dir, `${name}-key.pem`)];
  const openssl = Bun.spawnSync(
    ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"].concat([
      "-keyout",
      key,
      "-out",
      cert,
      "-subj",
      "/CN=localhost",
    ]),
  );
  if (openssl.exitCode !== 0) throw new Error(`openssl: ${openssl.stderr.toString()}`);
  return { cert, key };
}

describe("configuration", () => {
  test("with no file at all, every key has its documented default", () => {
    const config = parseConfig({});
    expect(config.server).toMatchObject({ host: "0.0.0.0", port: 6688 });
    expect(config.database.url).toBe("sqlite://./data/chat.db");
    expect(config.files).toEqual({ dir: "./data/files", maxSize: 26_214_400 });
    expect(config.auth).toEqual({ secret: "", tokenTtl: "7d" });
    expect(config.limits).toEqual({
      signin: 10,
      signup: 10,
      messages: 600,
      uploads: 60,
      connects: 120,
    });
  });

  test("CHAT_CONFIG names the file, and its keys override the defaults", () => {
    const path = file(
      "custom.yml",
      "server:\n  port: 7001\ndatabase:\n  url: sqlite:///tmp/x.db\nlimits:\n  signin: 0\n",
    );
    const { config, source } = loadConfig({ CHAT_CONFIG: path });
    expect(source).toBe(path);
    expect(config.server.port).toBe(7001);
    expect(config.server.host).toBe("0.0.0.0");
    expect(config.database.url).toBe("sqlite:///tmp/x.db");
    expect(config.limits.signin).toBe(0);
  });

  test("an unknown key stops the start with a message naming it", () => {
    const path = file("unknown.yml", "server:\n  prot: 7001\n");
    expect(() => loadConfig({ CHAT_CONFIG: path })).toThrow(/server\.prot/);
    expect(() => loadConfig({ CHAT_CONFIG: file("top.yml", "sever: {}\n") })).toThrow(/sever/);
  });

  test("a wrong type stops the start with a message naming the key", () => {
    const path = file("type.yml", "server:\n  port: lots\n");
    expect(() => loadConfig({ CHAT_CONFIG: path })).toThrow(ConfigError);
    expect(() => loadConfig({ CHAT_CONFIG: path })).toThrow(/server\.port/);
    expect(() => parseConfig({ auth: { tokenTtl: "a week" } })).toThrow(/auth\.tokenTtl/);
    expect(() => parseConfig({ limits: { messages: -1 } })).toThrow(/limits\.messages/);
  });

  test("a CHAT_CONFIG that does not exist, or YAML that does not parse, is an error", () => {
    expect(() => loadConfig({ CHAT_CONFIG: join(dir, "missing.yml") })).toThrow(ConfigError);
    expect(() => loadConfig({ CHAT_CONFIG: file("bad.yml", "server: [unclosed\n") })).toThrow(
      /YAML/,
    );
  });

  test("environment overrides win over the file", () => {
    const path = file("env.yml", "server:\n  port: 7001\n");
    const { config } = loadConfig({
      CHAT_CONFIG: path,
      CHAT_PORT: "7002",
      CHAT_DATABASE_URL: "sqlite://:memory:",
    });
    expect(config.server.port).toBe(7002);
    expect(config.database.url).toBe("sqlite://:memory:");
    expect(() => loadConfig({ CHAT_CONFIG: path, CHAT_PORT: "http" })).toThrow(/server\.port/);
  });

  test("a database URL this build cannot open stops the start, naming the key", () => {
    for (const url of ["mysql://x", "./chat.db", "postgres://"]) {
      expect(() => parseConfig({ database: { url } })).toThrow(/database\.url/);
    }
    expect(parseConfig({ database: { url: "postgres://u:p@localhost/chat" } }).database.url).toBe(
      "postgres://u:p@localhost/chat",
    );
  });

  test("Redis fan-out needs a shared database, and a Redis URL", () => {
    expect(() => parseConfig({ pubsub: { url: "redis://127.0.0.1:6379" } })).toThrow(
      /pubsub\.url.*postgres/,
    );
    expect(() =>
      parseConfig({ database: { url: "postgres://db/chat" }, pubsub: { url: "nats://x" } }),
    ).toThrow(/pubsub\.url/);
    const config = parseConfig({
      database: { url: "postgres://db/chat" },
      pubsub: { url: "redis://127.0.0.1:6379" },
    });
    expect(config.pubsub.url).toBe("redis://127.0.0.1:6379");
  });

  test("TLS needs a readable PEM certificate and the private key that matches it, naming the key that is wrong", () => {
    const [first, second] = [pemPair("first"), pemPair("second")];
    const tls = (cert: string, key: string) => parseConfig({ server: { tls: { cert, key } } });
    expect(tls(first.cert, first.key).server.tls).toEqual({ cert: first.cert, key: first.key });
    expect(() => tls(first.cert, "")).toThrow(/"server\.tls\.key": server\.tls\.cert is set/);
    expect(() => tls("", first.key)).toThrow(/"server\.tls\.cert": server\.tls\.key is set/);
    expect(() => tls(join(dir, "none.pem"), first.key)).toThrow(/"server\.tls\.cert": cannot read/);
    expect(() => tls(first.cert, join(dir, "none.pem"))).toThrow(/"server\.tls\.key": cannot read/);
    expect(() => tls(first.key, first.key)).toThrow(
      /"server\.tls\.cert": .* not a PEM certificate/,
    );
    expect(() => tls(first.cert, first.cert)).toThrow(
      /"server\.tls\.key": .* not a PEM private key/,
    );
    expect(() => tls(first.cert, second.key)).toThrow(
      /"server\.tls\.key": .* does not match the certificate/,
    );
    const path = file("tls.yml", `server:\n  tls:\n    cert: ${first.cert}\n`);
    expect(() => loadConfig({ CHAT_CONFIG: path })).toThrow(ConfigError);
  });

  test("a section left empty means its defaults", () => {
    const path = file("empty-section.yml", "server:\n  # port: 7001\nlimits:\n");
    expect(loadConfig({ CHAT_CONFIG: path }).config.server.port).toBe(6688);
  });

  test("durations read as milliseconds", () => {
    expect(durationMs("7d")).toBe(604_800_000);
    expect(durationMs("90s")).toBe(90_000);
    expect(durationMs("250ms")).toBe(250);
  });

  test("secrets are masked when the configuration is shown", () => {
    const base = parseConfig({ auth: { secret: "hunter2" } });
    const config = {
      ...base,
      database: { ...base.database, url: "postgres://u:pw@db/chat" },
      pubsub: { url: "redis://:redispw@cache:6379" },
    };
    const shown = JSON.stringify(maskSecrets(config));
    expect(shown).not.toContain("hunter2");
    expect(shown).not.toContain("pw@");
  });
});
