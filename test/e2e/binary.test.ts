// The compiled binary, copied alone into an empty directory, driven as an operator and its users
// would: whole stories over HTTP, WebSocket and HTTP/2, backups while it runs, signals.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, statSync } from "node:fs";
import http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import packageJson from "../../package.json" with { type: "json" };
import { builtBinary } from "../support/binary.ts";
import { openWebSocket } from "../support/live.ts";
import { type ServerProcess, signupPair, startServerProcess } from "../support/process.ts";

// Where the command-line tests run it, so nothing they write lands beside the shared build.
const cliDir = mkdtempSync(join(tmpdir(), "chat-cli-"));
let built = "";
const running: ServerProcess[] = [];

beforeAll(() => {
  built = builtBinary();
});
afterAll(() => {
  for (const server of running) server.child.kill("SIGKILL");
});

/** The binary copied alone into the server's empty directory, and started there. */
async function startBinary(options: Parameters<typeof startServerProcess>[1] = {}) {
  const server = await startServerProcess((dir) => {
    copyFileSync(built, join(dir, "chat"));
    return [join(dir, "chat")];
  }, options);
  running.push(server);
  return server;
}

const cli = (args: string[], env: Record<string, string> = {}, cwd = cliDir) =>
  Bun.spawnSync([built, ...args], { cwd, env: { ...process.env, CHAT_CONFIG: "", ...env } });

async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined && { "content-type": "application/json" }),
      ...(options.token && { authorization: `Bearer ${options.token}` }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body, headers: response.headers };
}

/** A direct message between the two; answers the chat. */
async function directChat(base: string, alice: { token: string }, bob: { user: { id: number } }) {
  return (
    await call(base, "POST", "/api/chat", { token: alice.token, body: { members: [bob.user.id] } })
  ).body;
}

/** Every message id stored in a database file, once it passes integrity_check. */
function storedMessageIds(path: string): Set<number> {
  const db = new Database(path, { readonly: true });
  try {
    expect(db.query("pragma integrity_check").get()).toEqual({ integrity_check: "ok" });
    return new Set(
      db
        .query<{ id: number }, []>("select id from messages")
        .all()
        .map((row) => row.id),
    );
  } finally {
    db.close();
  }
}

describe("the binary alone in an empty directory", () => {
  test("starts with no file beside it, creates its data, and serves the API, Swagger UI and docs", async () => {
    const server = await startBinary({ yaml: null });
    expect(existsSync(join(server.dir, "data/chat.db"))).toBe(true);
    expect(existsSync(join(server.dir, "data/files"))).toBe(true);
    const swagger = await fetch(`${server.url}/swagger`);
    expect(swagger.status).toBe(200);
    const html = await swagger.text();
    for (const [, src] of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      expect((await fetch(`${server.url}${src}`)).status).toBe(200);
    }
    const doc = (await call(server.url, "GET", "/swagger/json")).body;
    expect(doc.paths["/api/chat"]).toBeDefined();
    const page = await fetch(`${server.url}/`);
    expect(page.headers.get("content-type")).toStartWith("text/html");
    const assets = [...(await page.text()).matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)];
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const [, asset] of assets) expect((await fetch(`${server.url}${asset}`)).status).toBe(200);
  });

  test("serves a whole story: accounts, a chat, live delivery, sends on the socket, files, history", async () => {
    const server = await startBinary();
    const { alice, bob } = await signupPair(server.url);
    const chat = await directChat(server.url, alice, bob);
    const bobs = await openWebSocket(server.url, bob.token);
    const alices = await openWebSocket(server.url, alice.token);
    expect((await bobs.take()).type).toBe("ready");
    expect((await alices.take()).type).toBe("ready");

    alices.send({ type: "send", chatId: chat.id, content: "hi bob", clientId: "a-1" });
    const ack = (await alices.takeUntil((frame) => frame.type === "ack")).at(-1);
    expect(ack?.data.content).toBe("hi bob");
    expect(await bobs.take()).toMatchObject({ type: "message.created", data: ack?.data });

    const form = new FormData();
    form.append("files", new Blob([new Uint8Array([0, 1, 2, 255])]), "bytes.bin");
    const upload = await fetch(`${server.url}/api/upload`, {
      method: "POST",
      headers: { authorization: `Bearer ${bob.token}` },
      body: form,
    });
    const [file] = (await upload.json()) as { url: string }[];
    const reply = (
      await call(server.url, "POST", `/api/chat/${chat.id}`, {
        token: bob.token,
        body: { content: "", files: [file?.url] },
      })
    ).body;
    expect((await alices.take()).data).toEqual(reply);
    const bytes = await fetch(`${server.url}${file?.url}?token=${alice.token}`);
    expect(new Uint8Array(await bytes.arrayBuffer())).toEqual(new Uint8Array([0, 1, 2, 255]));
    const history = (
      await call(server.url, "GET", `/api/chat/${chat.id}/messages`, { token: bob.token })
    ).body;
    expect(history.map((m: { id: number }) => m.id)).toEqual([reply.id, ack?.data.id]);
    await Promise.all([alices.close(), bobs.close()]);
  });
});

describe("operations", () => {
  test("its WAL checkpoint worker runs: the database file takes in the log before SQLite would", async () => {
    const server = await startBinary();
    const { alice, bob } = await signupPair(server.url);
    const chat = await directChat(server.url, alice, bob);
    const path = join(server.dir, "store/chat.db");
    const before = statSync(path).size;
    // About eleven pages of log a send (its row, event, chat and search index): 60 sends.
    for (let i = 0; i < 60; i++) {
      const content = `message ${i} ${"x".repeat(300)}`;
      await call(server.url, "POST", `/api/chat/${chat.id}`, {
        token: alice.token,
        body: { content },
      });
    }
    // A few hundred pages of log, well below the 1,000 at which SQLite would checkpoint in the
    // writer: only the worker, embedded in the executable, copies them this soon.
    expect(statSync(`${path}-wal`).size).toBeLessThan(1000 * 4096);
    const deadline = Date.now() + 3000;
    while (statSync(path).size <= before && Date.now() < deadline) await Bun.sleep(50);
    expect(statSync(path).size).toBeGreaterThan(before);
  });

  test("a backup taken while messages are sent holds every message acknowledged before it began", async () => {
    const server = await startBinary();
    const { alice, bob } = await signupPair(server.url);
    const chat = await directChat(server.url, alice, bob);
    const acknowledged: number[] = [];
    let sending = true;
    const sender = (async () => {
      for (let i = 0; sending; i++) {
        const reply = await call(server.url, "POST", `/api/chat/${chat.id}`, {
          token: alice.token,
          body: { content: `m${i}` },
        });
        if (reply.status === 201) acknowledged.push(reply.body.id);
      }
    })();
    while (acknowledged.length < 100) await Bun.sleep(5);
    const before = [...acknowledged];
    const target = join(server.dir, "backup.db");
    const backup = cli(
      ["backup", target],
      { CHAT_CONFIG: join(server.dir, "custom.yml") },
      server.dir,
    );
    const during = acknowledged.length;
    while (acknowledged.length < during + 50) await Bun.sleep(5);
    sending = false;
    await sender;
    expect(backup.exitCode).toBe(0);

    const ids = storedMessageIds(target);
    for (const id of before) expect(ids.has(id)).toBe(true);
  });

  test("SIGTERM while requests are in flight loses no acknowledged message", async () => {
    const server = await startBinary();
    const { alice, bob } = await signupPair(server.url);
    const chat = await directChat(server.url, alice, bob);
    const sends = Array.from({ length: 200 }, (_, i) =>
      call(server.url, "POST", `/api/chat/${chat.id}`, {
        token: alice.token,
        body: { content: `in flight ${i}`, clientId: `f-${i}` },
      }).catch(() => undefined),
    );
    await Bun.sleep(5);
    server.child.kill("SIGTERM");
    const replies = await Promise.all(sends);
    expect(await server.child.exited).toBe(0);
    const acknowledged = replies
      .filter((reply) => reply && reply.status < 300)
      .map((reply) => reply?.body.id);

    const stored = storedMessageIds(join(server.dir, "store/chat.db"));
    for (const id of acknowledged) expect(stored.has(id)).toBe(true);
  });

  test("metrics count requests by route template and status, and live connections", async () => {
    const server = await startBinary();
    const { alice } = await signupPair(server.url);
    await call(server.url, "GET", "/api/chat/12345", { token: alice.token });
    const socket = await openWebSocket(server.url, alice.token);
    await socket.take();
    const text = (await call(server.url, "GET", "/metrics")).body as string;
    expect(text).toContain(
      'chat_http_requests_total{method="GET",route="/api/chat/:id",status="404"} 1',
    );
    expect(text).toContain(
      'chat_http_requests_total{method="POST",route="/api/signup",status="201"} 2',
    );
    expect(text).toMatch(
      /chat_http_request_duration_seconds_bucket\{method="POST",route="\/api\/signup",le="\+Inf"\} 2/,
    );
    expect(text).toContain("chat_websocket_connections 1");
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
    await socket.close();
  });

  test("logs one JSON line per request, with no token, password or body in them", async () => {
    const server = await startBinary();
    const { alice } = await signupPair(server.url);
    const stream = new AbortController();
    const events = await fetch(`${server.url}/api/events?token=${alice.token}&since=abc`, {
      signal: stream.signal,
    });
    expect(events.status).toBe(200);
    stream.abort();
    await call(server.url, "GET", `/api/chat/1/messages?token=${alice.token}`);
    server.child.kill("SIGTERM");
    await server.child.exited;
    const output = await new Response(server.child.stdout).text();
    const lines = output
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const requests = lines.filter((line) => line.msg === "request");
    expect(requests.length).toBeGreaterThanOrEqual(4);
    expect(requests.find((line) => line.route === "/api/signup")).toEqual({
      time: expect.any(String),
      level: "info",
      msg: "request",
      method: "POST",
      route: "/api/signup",
      status: 201,
      durationMs: expect.any(Number),
      requestId: expect.any(String),
    });
    expect(output).not.toContain(alice.token);
    expect(output).not.toContain("alice-password");
  });
});

describe("retention", () => {
  test("the server's hourly job removes messages older than the workspace's retention as it starts", async () => {
    const server = await startBinary();
    const { alice } = await signupPair(server.url);
    const patched = await fetch(`${server.url}/api/workspace`, {
      method: "PATCH",
      headers: { "content-type": "application/json", authorization: `Bearer ${alice.token}` },
      body: JSON.stringify({ settings: { retentionDays: 30 } }),
    });
    expect(patched.status).toBe(200);
    const general = (await call(server.url, "GET", "/api/channels", { token: alice.token }))
      .body[0];
    const path = `/api/chat/${general.id}`;
    const old = await call(server.url, "POST", path, {
      token: alice.token,
      body: { content: "old" },
    });
    const recent = await call(server.url, "POST", path, {
      token: alice.token,
      body: { content: "recent" },
    });
    server.child.kill("SIGTERM");
    await server.child.exited;
    const db = new Database(join(server.dir, "store/chat.db"));
    db.query("update messages set created_at = ? where id = ?").run(
      Date.now() - 31 * 86_400_000,
      old.body.id,
    );
    db.close();

    await server.restart();
    const ids = async () =>
      (await call(server.url, "GET", `${path}/messages`, { token: alice.token })).body.map(
        (message: { id: number }) => message.id,
      );
    const deadline = Date.now() + 10_000;
    while ((await ids()).includes(old.body.id) && Date.now() < deadline) await Bun.sleep(50);
    expect(await ids()).toEqual([recent.body.id]);
  });
});

describe("HTTP/2", () => {
  const h2get = (origin: string, path: string) =>
    new Promise<{ status: number; body: string; alpn?: string }>((resolve, reject) => {
      const client = http2.connect(origin, { rejectUnauthorized: false });
      client.on("error", reject);
      const request = client.request({ ":path": path });
      let body = "";
      let status = 0;
      request.on("response", (headers) => {
        status = Number(headers[":status"]);
      });
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        const alpn = (client.socket as { alpnProtocol?: string } | undefined)?.alpnProtocol;
        client.close();
        resolve({ status, body, alpn });
      });
      request.end();
    });

  test("cleartext HTTP/2 with prior knowledge and HTTP/1.1 on the same port", async () => {
    const server = await startBinary();
    const viaH2 = await h2get(server.url, "/healthz");
    expect(viaH2).toMatchObject({ status: 200, body: '{"status":"ok"}' });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  test("TLS from config: ALPN picks h2, HTTP/1.1 still works, and WebSockets too", async () => {
    const certDir = mkdtempSync(join(tmpdir(), "chat-tls-"));
    const openssl = Bun.spawnSync([
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      join(certDir, "key.pem"),
      "-out",
      join(certDir, "cert.pem"),
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
    ]);
    expect(openssl.exitCode).toBe(0);
    const server = await startBinary({
      scheme: "https",
      yaml: (dir, port) =>
        `server:\n  host: 127.0.0.1\n  port: ${port}\n  tls:\n    cert: ${certDir}/cert.pem\n    key: ${certDir}/key.pem\ndatabase:\n  url: sqlite://${dir}/chat.db\nfiles:\n  dir: ${dir}/files\n`,
    });
    const viaH2 = await h2get(server.url, "/healthz");
    expect(viaH2).toEqual({ status: 200, body: '{"status":"ok"}', alpn: "h2" });
    const viaH1 = await fetch(`${server.url}/healthz`, { tls: { rejectUnauthorized: false } });
    expect(viaH1.status).toBe(200);
    const { alice } = await (async () => {
      const reply = await fetch(`${server.url}/api/signup`, {
        method: "POST",
        tls: { rejectUnauthorized: false },
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          fullname: "Alice",
          email: "a@tls.test",
          password: "alice-password",
          workspace: "TLS",
        }),
      });
      return { alice: (await reply.json()) as { token: string } };
    })();
    const socket = new WebSocket(
      `${server.url.replace("https", "wss")}/api/ws?token=${alice.token}`,
      { tls: { rejectUnauthorized: false } } as never,
    );
    const first = await new Promise<string>((resolve, reject) => {
      socket.onmessage = (event) => resolve(String(event.data));
      socket.onerror = () => reject(new Error("wss failed"));
    });
    expect(JSON.parse(first).type).toBe("ready");
    socket.close();
  });
});

describe("the command line", () => {
  test("--version, and --help for the binary and each command", () => {
    expect(cli(["--version"]).stdout.toString().trim()).toBe(packageJson.version);
    expect(cli(["--help"]).stdout.toString()).toContain("Commands:");
    for (const command of ["serve", "migrate", "backup", "config", "reset-password"]) {
      const help = cli([command, "--help"]);
      expect(help.exitCode).toBe(0);
      expect(help.stdout.toString()).toStartWith(`Usage: chat ${command}`);
    }
  });

  test("wrong arguments print usage and exit non-zero", () => {
    for (const args of [
      ["frobnicate"],
      ["toString"],
      ["serve", "--port", "80"],
      ["backup"],
      ["backup", "a", "b"],
    ]) {
      const run = cli(args);
      expect({ args, exit: run.exitCode }).toEqual({ args, exit: 2 });
      expect(run.stderr.toString()).toContain("Usage: chat");
    }
  });

  test("reset-password prints a code on the server's machine that sets a new password once", async () => {
    const server = await startBinary();
    const { alice } = await signupPair(server.url);
    const env = { CHAT_CONFIG: join(server.dir, "custom.yml") };
    const email = (await call(server.url, "GET", "/api/me", { token: alice.token })).body.user
      .email;
    const printed = cli(["reset-password", email.toUpperCase()], env, server.dir);
    expect(printed.exitCode).toBe(0);
    const code = printed.stdout.toString().trim().split("\n").at(-1) as string;
    expect(code).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    const reset = await call(server.url, "POST", "/api/password/reset", {
      body: { code, password: "a brand new password" },
    });
    expect(reset.status).toBe(200);
    expect((await call(server.url, "GET", "/api/me", { token: alice.token })).status).toBe(401);
    const signin = await call(server.url, "POST", "/api/signin", {
      body: { email, password: "a brand new password" },
    });
    expect(signin.status).toBe(200);
    const again = await call(server.url, "POST", "/api/password/reset", {
      body: { code, password: "yet another password" },
    });
    expect(again.status).toBe(403);
    const unknown = cli(["reset-password", "nobody@nowhere.test"], env, server.dir);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr.toString()).toContain("no user");
    expect(cli(["reset-password"], env, server.dir).exitCode).toBe(2);
  });

  test("config prints the effective configuration with secrets masked; migrate applies and exits", () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-cli-"));
    const env = { CHAT_SECRET: "super-secret-value", CHAT_DATABASE_URL: `sqlite://${dir}/chat.db` };
    const config = cli(["config"], env, dir);
    expect(config.exitCode).toBe(0);
    expect(config.stdout.toString()).toContain('secret: "********"');
    expect(config.stdout.toString()).not.toContain("super-secret-value");
    const first = cli(["migrate"], env, dir);
    expect(first.stdout.toString()).toContain("applied: 0000_init");
    expect(cli(["migrate"], env, dir).stdout.toString()).toContain("up to date");
  });
});
