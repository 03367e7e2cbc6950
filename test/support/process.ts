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

/** `command` is the server to run (bun with src/main.ts, or the compiled binary). */
export async function startServerProcess(
  command: string[],
  options: { yaml?: (dir: string, port: number) => string; env?: Record<string, string> } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "chat-e2e-"));
  const port = await freePort();
  const configPath = join(dir, "custom.yml");
  const yaml =
    options.yaml?.(dir, port) ??
    `server:\n  host: 127.0.0.1\n  port: ${port}\ndatabase:\n  url: sqlite://${dir}/store/chat.db\nfiles:\n  dir: ${dir}/files\n`;
  writeFileSync(configPath, yaml);
  const child = Bun.spawn(command, {
    cwd: dir,
    env: { ...process.env, CHAT_CONFIG: configPath, ...options.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  while (true) {
    if (child.exitCode !== null) {
      throw new Error(
        `server exited ${child.exitCode}: ${await new Response(child.stderr).text()}`,
      );
    }
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error("server did not answer /healthz within 15 s");
    await Bun.sleep(25);
  }
  return { child, url, dir, port };
}
