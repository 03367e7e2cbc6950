// The real server process, configured by a file named in CHAT_CONFIG, driven over HTTP.
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openWebSocket } from "../support/live.ts";
import { type ServerProcess, startServerProcess } from "../support/process.ts";

const main = join(import.meta.dir, "../../src/main.ts");
let server: ServerProcess | undefined;
const started: ServerProcess[] = [];
afterAll(() => {
  for (const each of started) each.child.kill("SIGKILL");
});

/** Starts a server that the file's end stops, whatever its tests did with it. */
async function start(options?: Parameters<typeof startServerProcess>[1]) {
  const instance = await startServerProcess([process.execPath, main], options);
  started.push(instance);
  return instance;
}

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
) {
  const response = await fetch(`${server?.url}${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      ...(options.token && { authorization: `Bearer ${options.token}` }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const signupAlice = () =>
  call("POST", "/api/signup", {
    body: {
      fullname: "Alice",
      email: "alice@acme.test",
      password: "alice-password",
      workspace: "Acme",
    },
  });

test("the server starts on the port and database path of CHAT_CONFIG and serves a whole story", async () => {
  server = await start();
  expect(existsSync(join(server.dir, "store/chat.db"))).toBe(true);

  const alice = await signupAlice();
  expect(alice.status).toBe(201);
  const invite = await call("POST", "/api/invites", { token: alice.body.token, body: {} });
  const bob = await call("POST", "/api/signup", {
    body: {
      fullname: "Bob",
      email: "bob@acme.test",
      password: "bob-password",
      workspace: "acme",
      invite: invite.body.code,
    },
  });
  expect(bob.status).toBe(201);

  const chat = await call("POST", "/api/chat", {
    token: bob.body.token,
    body: { members: [alice.body.user.id] },
  });
  expect(chat.body.type).toBe("single");
  const sent = await call("POST", `/api/chat/${chat.body.id}`, {
    token: alice.body.token,
    body: { content: "hello bob", clientId: "a-1" },
  });
  expect(sent.status).toBe(201);
  const history = await call("GET", `/api/chat/${chat.body.id}/messages`, {
    token: bob.body.token,
  });
  expect(history.body).toEqual([sent.body]);
});

test("SIGTERM stops the server with exit status 0, and what was acknowledged is on disk", async () => {
  server = await start();
  const alice = await signupAlice();
  const chat = await call("POST", "/api/chat", {
    token: alice.body.token,
    body: { type: "private_channel", name: "notes", members: [] },
  });
  const sent = await call("POST", `/api/chat/${chat.body.id}`, {
    token: alice.body.token,
    body: { content: "remember me" },
  });
  expect(sent.status).toBe(201);

  server.child.kill("SIGTERM");
  expect(await server.child.exited).toBe(0);
  const { dir } = server;
  server = await start({
    yaml: (_, port) =>
      `server:\n  host: 127.0.0.1\n  port: ${port}\ndatabase:\n  url: sqlite://${dir}/store/chat.db\n`,
  });
  const history = await call("GET", `/api/chat/${chat.body.id}/messages`, {
    token: alice.body.token,
  });
  expect(history.body).toEqual([sent.body]);
});

test("a configuration with an unknown key stops the start, naming the key, with a non-zero status", async () => {
  const failed = startServerProcess([process.execPath, main], {
    yaml: (_, port) => `server:\n  port: ${port}\n  colour: blue\n`,
  });
  expect(failed).rejects.toThrow(/server\.colour/);
});

test("a TLS key that cannot be read stops the start, naming the key, before the database is opened", async () => {
  const certDir = mkdtempSync(join(tmpdir(), "chat-tls-"));
  const cert = join(certDir, "cert.pem");
  const openssl = Bun.spawnSync(
    ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"].concat([
      "-keyout",
      join(certDir, "key.pem"),
      "-out",
      cert,
      "-subj",
      "/CN=localhost",
    ]),
  );
  expect(openssl.exitCode).toBe(0);
  let dir = "";
  const failed = startServerProcess([process.execPath, main], {
    yaml: (serverDir, port) => {
      dir = serverDir;
      return `server:\n  host: 127.0.0.1\n  port: ${port}\n  tls:\n    cert: ${cert}\n    key: ${certDir}/missing.pem\ndatabase:\n  url: sqlite://${serverDir}/store/chat.db\n`;
    },
  });
  await expect(failed).rejects.toThrow(/server\.tls\.key.*missing\.pem/);
  expect(existsSync(join(dir, "store"))).toBe(false);
});

test("SIGTERM closes live sockets with 1001 so their clients resume elsewhere, telling none who went offline", async () => {
  server = await start();
  const alice = await signupAlice();
  const invite = await call("POST", "/api/invites", { token: alice.body.token, body: {} });
  const others = await Promise.all(
    ["bob", "carol", "dave"].map((name) =>
      call("POST", "/api/signup", {
        body: {
          fullname: name,
          email: `${name}@acme.test`,
          password: `${name}-password`,
          workspace: "acme",
          invite: invite.body.code,
        },
      }),
    ),
  );
  const sockets = [];
  for (const person of [alice, ...others]) {
    const socket = await openWebSocket(server.url, person.body.token);
    expect((await socket.take()).type).toBe("ready");
    sockets.push(socket);
  }
  // Everyone has heard everyone come online; what arrives after the signal is counted.
  for (const socket of sockets) await socket.barrier();
  const before = sockets.map((socket) => socket.frames.all.length);
  server.child.kill("SIGTERM");
  for (const [i, socket] of sockets.entries()) {
    expect((await socket.closed).code).toBe(1001);
    expect(socket.frames.all.slice(before[i])).toEqual([]);
  }
  expect(await server.child.exited).toBe(0);
});
