// Runs the real server as a child process, on a free port, in a directory of its own.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port as number;
  await server.stop(true);
  return port;
}

export type ServerProcess = Awaited<ReturnType<typeof startServerProcess>>;

export type ServerOptions = {
  /** The config file's text; `null` runs with no file at all (port and host from CHAT_*). */
  yaml?: ((dir: string, port: number) => string) | null;
  env?: Record<string, string>;
  /** `https` when the config turns TLS on. */
  scheme?: "http" | "https";
};

/**
 * Starts the server in a new empty directory. `command` is what to run (bun with src/main.ts,
 * or the compiled binary), given that directory, so a binary can be copied into it first.
 */
export async function startServerProcess(
  command: string[] | ((dir: string) => string[]),
  options: ServerOptions = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "chat-e2e-"));
  const port = await freePort();
  const env: Record<string, string | undefined> = {
    ...process.env,
    CHAT_CONFIG: undefined,
    ...options.env,
  };
  if (options.yaml === null) {
    Object.assign(env, { CHAT_PORT: String(port), CHAT_HOST: "127.0.0.1" });
  } else {
    const configPath = join(dir, "custom.yml");
    const yaml =
      options.yaml?.(dir, port) ??
      `server:\n  host: 127.0.0.1\n  port: ${port}\ndatabase:\n  url: sqlite://${dir}/store/chat.db\nfiles:\n  dir: ${dir}/files\n`;
    writeFileSync(configPath, yaml);
    env.CHAT_CONFIG = configPath;
  }
  const argv = typeof command === "function" ? command(dir) : command;
  const spawn = (): ServerChild =>
    Bun.spawn(argv, { cwd: dir, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const child = spawn();
  const url = `${options.scheme ?? "http"}://127.0.0.1:${port}`;
  await waitUntilHealthy(child, url);
  const server = {
    child,
    url,
    dir,
    port,
    /** Starts the server again on the same port, directory and database (after a kill). */
    async restart() {
      server.child = spawn();
      await waitUntilHealthy(server.child, url);
    },
  };
  return server;
}

type ServerChild = Bun.Subprocess<"ignore", "pipe", "pipe">;

async function waitUntilHealthy(child: ServerChild, url: string) {
  const deadline = Date.now() + 15_000;
  while (true) {
    if (child.exitCode !== null) {
      throw new Error(
        `server exited ${child.exitCode}: ${await new Response(child.stderr).text()}`,
      );
    }
    try {
      if ((await fetch(`${url}/healthz`, { tls: { rejectUnauthorized: false } })).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error("server did not answer /healthz within 15 s");
    await Bun.sleep(25);
  }
}

/** A JSON POST to a server process, answering the status and the parsed body. */
export async function postJson(
  base: string,
  path: string,
  token: string | undefined,
  body: unknown,
) {
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

export type SignedUp = { token: string; user: { id: number; workspaceId: number } };

/** Signs someone up on a server process: a new workspace, or with `invite`, an existing one. */
export async function signupAt(
  base: string,
  fullname: string,
  workspace: string,
  invite?: string,
): Promise<SignedUp> {
  const reply = await postJson(base, "/api/signup", undefined, {
    fullname,
    email: `${fullname.toLowerCase()}@${workspace.toLowerCase()}.test`,
    password: `${fullname.toLowerCase()}-password`,
    workspace,
    ...(invite && { invite }),
  });
  if (reply.status !== 201) throw new Error(`signup ${fullname}: ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** Alice, owner of a new workspace, and Bob, invited into it. */
export async function signupPair(base: string, workspace = "Acme") {
  const alice = await signupAt(base, "Alice", workspace);
  const { code } = (await postJson(base, "/api/invites", alice.token, {})).body;
  const bob = await signupAt(base, "Bob", workspace, code);
  return { alice, bob };
}
