// The compiled binary as the tests run it: built once per test run, started as a real process
// with a config file, its JSON log lines read from its stdout as an operator would.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import type { Config } from "../../src/config.ts";
import type { LogLine } from "../../src/ops/logging.ts";

const repo = join(import.meta.dir, "../..");
let built: string | undefined;
let buildDir: string | undefined;

/**
 * The binary under test: CHAT_TEST_BINARY when `npm test` has built it for the whole run,
 * else `bun run build` into a temporary directory, once per test process.
 */
export function builtBinary(): string {
  if (process.env.CHAT_TEST_BINARY) return process.env.CHAT_TEST_BINARY;
  if (built) return built;
  buildDir = mkdtempSync(join(tmpdir(), "chat-build-"));
  const outfile = join(buildDir, "chat");
  const build = Bun.spawnSync([process.execPath, "scripts/build.ts", "--outfile", outfile], {
    cwd: repo,
  });
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`);
  built = outfile;
  return outfile;
}

const running = new Set<Bun.Subprocess>();

/**
 * After the whole test run (test/support/preload.ts): no server outlives it, even one whose
 * file failed before stopping it, nor the 120 MB build. `bun test` fires no process "exit".
 */
export function cleanUpBinaries() {
  for (const child of running) child.kill("SIGKILL");
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
}

export type BinaryServer = Awaited<ReturnType<typeof startBinary>>;

/**
 * Starts the binary in `dir` on `config`, written as the YAML file CHAT_CONFIG names; port 0 is
 * taken as given and the real one read from the "listening" log line.
 */
export async function startBinary(config: Config, dir: string) {
  const configPath = join(dir, "app.yml");
  writeFileSync(configPath, stringify(config));
  // Only the config file configures it: no CHAT_* variable of the caller's shell leaks in.
  const env: Record<string, string> = { CHAT_CONFIG: configPath };
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("CHAT_") && value !== undefined) env[name] = value;
  }
  const child = Bun.spawn([builtBinary()], {
    cwd: dir,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  running.add(child);

  const logs: LogLine[] = [];
  const waiters = new Set<{ match: (line: LogLine) => boolean; found: (line: LogLine) => void }>();
  let stderr = "";
  // Both pipes are read all along: a full pipe would stall the server.
  const reading = (async () => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of child.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const text of lines) {
        let line: LogLine;
        try {
          line = JSON.parse(text);
        } catch {
          line = { time: "", level: "info", msg: text };
        }
        logs.push(line);
        for (const waiter of waiters) if (waiter.match(line)) waiter.found(line);
      }
    }
  })();
  void (async () => {
    for await (const chunk of child.stderr) stderr += new TextDecoder().decode(chunk);
  })();

  /** The first log line, past or future, that matches; fails if the server exits first. */
  function waitForLog(match: (line: LogLine) => boolean, timeoutMs = 15_000): Promise<LogLine> {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no such log line within ${timeoutMs} ms; stderr: ${stderr}`));
      }, timeoutMs);
      const waiter = {
        match,
        found: (line: LogLine) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(line);
        },
      };
      waiters.add(waiter);
      child.exited.then(async (code) => {
        await reading;
        if (!waiters.has(waiter)) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        reject(new Error(`the binary exited ${code}: ${stderr}`));
      });
    });
  }

  const listening = await waitForLog((line) => line.msg === "listening");
  const url = String(listening.url);

  /**
   * Every line logged before this call has been read once this resolves: a request is sent with
   * a fresh id and its own log line awaited, and a pipe keeps order.
   */
  async function readLogsSoFar(): Promise<LogLine[]> {
    const requestId = `sync-${crypto.randomUUID()}`;
    await fetch(`${url}/healthz`, { headers: { "x-request-id": requestId } });
    await waitForLog((line) => line.requestId === requestId, 5000);
    return logs;
  }

  async function stop() {
    child.kill("SIGTERM");
    const stopped = await Promise.race([child.exited, Bun.sleep(5000).then(() => "late")]);
    if (stopped === "late") child.kill("SIGKILL");
    await child.exited;
    running.delete(child);
  }

  return { url, child, logs, readLogsSoFar, stop };
}
