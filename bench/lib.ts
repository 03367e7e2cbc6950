// Shared by the benchmark suite: processes pinned to a core, their CPU time, percentiles, and
// preparing our server's users and chats through its own API.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const repo = join(import.meta.dir, "..");
export const serverCore = "0";
export const loadCore = "1";
const ticksPerSecond = 100;

export type Running = { url: string; pid: number; stop(): Promise<void>; dir: string };

export async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = server.port as number;
  await server.stop(true);
  return port;
}

/** CPU seconds a process has used (user + system), from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

export function rssBytes(pid: number): number {
  return (
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024
  );
}

/** Starts a server pinned to the server core in `dir`, and waits until `path` answers 2xx. */
async function spawnPinned(
  command: string[],
  options: { dir: string; port: number; env: Record<string, string>; path: string },
): Promise<Running> {
  const child = Bun.spawn(["taskset", "-c", serverCore, ...command], {
    cwd: options.dir,
    env: { ...process.env, ...options.env },
    stdout: "ignore",
    stderr: "inherit",
  });
  const url = `http://127.0.0.1:${options.port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}${options.path}`)).ok) break;
    } catch {}
    if (i > 400) throw new Error(`${command.join(" ")} did not start`);
    await Bun.sleep(25);
  }
  return {
    url,
    pid: child.pid,
    dir: options.dir,
    async stop() {
      child.kill("SIGKILL");
      await child.exited;
    },
  };
}

/** A reference server (it reads its port from PORT). */
export async function startPinned(command: string[]): Promise<Running> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "chat-bench-"));
  return spawnPinned(command, { dir, port, env: { PORT: String(port) }, path: "/" });
}

/** The token signing secret of every server the suite starts, so it can mint tokens itself. */
export const benchSecret = "benchmark secret, long enough for HS256 signatures";

/** A token for a user, minted here: no sign-in, so no Argon2 run inside the measured server. */
export async function mintToken(userId: number): Promise<string> {
  const { SignJWT } = await import("jose");
  return new SignJWT({ sub: String(userId), ver: 0 })
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime("2h")
    .sign(new TextEncoder().encode(benchSecret));
}

/** Our server (bun + src/main.ts, or the binary) on its own database, limits off, quiet. */
export async function startOurs(
  command: string[],
  databasePath?: string,
  backpressureLimit = 67_108_864,
): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), "chat-bench-ours-"));
  const config = join(dir, "app.yml");
  const port = await freePort();
  writeFileSync(
    config,
    `server:\n  host: 127.0.0.1\n  port: ${port}\ndatabase:\n  url: sqlite://${databasePath ?? join(dir, "chat.db")}\nfiles:\n  dir: ${dir}/files\nauth:\n  secret: "${benchSecret}"\nlimits:\n  signin: 0\n  signup: 0\n  messages: 0\n  uploads: 0\n  connects: 0\nrealtime:\n  backpressureLimit: ${backpressureLimit}\n`,
  );
  return spawnPinned(command, { dir, port, env: { CHAT_CONFIG: config }, path: "/healthz" });
}

async function post(url: string, token: string | undefined, body: unknown) {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as any;
}

/** `people` users in one workspace, and `chats` chats of `perChat` of them each. */
export async function prepareOurs(base: string, people: number, chats: number, perChat: number) {
  const first = await post(`${base}/api/signup`, undefined, {
    fullname: "User 0",
    email: "u0@bench.test",
    password: "bench-password",
    workspace: `Bench ${Date.now()}`,
  });
  const invite = await post(`${base}/api/invites`, first.token, {});
  const users: { id: number; token: string }[] = [{ id: first.user.id, token: first.token }];
  for (let i = 1; i < people; i++) {
    const next = await post(`${base}/api/signup`, undefined, {
      fullname: `User ${i}`,
      email: `u${i}@bench.test`,
      password: "bench-password",
      workspace: first.workspace.name,
      invite: invite.code,
    });
    users.push({ id: next.user.id, token: next.token });
  }
  const chatIds: number[] = [];
  for (let c = 0; c < chats; c++) {
    const members = Array.from(
      { length: perChat },
      (_, i) => users[(c * perChat + i) % users.length]?.id as number,
    );
    const chat = await post(`${base}/api/chat`, users[(c * perChat) % users.length]?.token, {
      type: "private_channel",
      name: `chat-${c}`,
      members,
    });
    chatIds.push(chat.id);
  }
  return { users, chatIds };
}

/** Arguments for a generator, in a file: thousands of tokens do not fit on a command line. */
export function argsFile(args: Record<string, unknown>): string {
  const path = join(mkdtempSync(join(tmpdir(), "chat-bench-args-")), "args.json");
  writeFileSync(path, JSON.stringify(args));
  return path;
}

/** A generator's arguments, from the file named by its first argument. */
export function readArgs<T>(): T {
  return JSON.parse(readFileSync(process.argv[2] as string, "utf8")) as T;
}

/** Runs a load generator pinned to the other core; its last stdout line is its JSON result. */
export async function runLoad<T>(
  script: string,
  args: Record<string, unknown>,
  serverPid?: number,
) {
  const child = Bun.spawn(
    ["taskset", "-c", loadCore, process.execPath, join(repo, "bench/load", script), argsFile(args)],
    {
      stdout: "pipe",
      stderr: "inherit",
    },
  );
  let serverCpuAtStart = 0;
  let output = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    const text = decoder.decode(chunk);
    if (text.includes("START") && serverPid) serverCpuAtStart = cpuSeconds(serverPid);
    output += text;
  }
  const serverCpu = serverPid ? cpuSeconds(serverPid) - serverCpuAtStart : 0;
  await child.exited;
  const last = output.trim().split("\n").at(-1) ?? "{}";
  const result = JSON.parse(last) as T & { seconds: number; loadCpu: number };
  return {
    ...result,
    serverCpuShare: serverCpu / result.seconds,
    loadCpuShare: result.loadCpu / result.seconds,
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * Ends a latency generator: prints its result (operations per second, p50, p99 in ms, its own CPU
 * seconds) as the last stdout line, which runLoad reads, and exits.
 */
export function finishLatencyRun(
  started: number,
  cpuAtStart: NodeJS.CpuUsage,
  latencies: number[],
  name: string,
): never {
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  console.log(
    JSON.stringify({
      seconds,
      [name]: latencies.length,
      perSecond: latencies.length / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      loadCpu: (cpu.user + cpu.system) / 1e6,
    }),
  );
  process.exit(0);
}
