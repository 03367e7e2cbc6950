// Shared by the benchmark suite: processes pinned to a core, their CPU time, percentiles, and
// preparing our server's users and chats through its own API or straight in its store.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import type { Store } from "../db/store.ts";

export const repo = join(import.meta.dir, "..");
export const serverCore = "0";
export const loadCore = "1";
const ticksPerSecond = 100;

export type Running = {
  url: string;
  pid: number;
  /** SIGKILL unless told otherwise (SIGTERM lets a profiled server write its profile). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  dir: string;
};

/** Our server from source: what `bun run start` runs, without the wrapper whose CPU is not its. */
export const oursFromSource = [process.execPath, join(repo, "src/main.ts")];
/** The references: a Bun.serve relay that does nothing else, and a Node + ws server. */
export const ceilingCommand = [process.execPath, join(repo, "bench/servers/ceiling.ts")];
export const peerCommand = ["node", join(repo, "bench/servers/peer.mjs")];

/** Builds web/dist, which the server imports (it is not in git). */
export function buildWebApp() {
  const build = Bun.spawnSync([process.execPath, "scripts/build-web.ts"], { cwd: repo });
  if (build.exitCode !== 0) throw new Error(`web app build failed: ${build.stderr}`);
}

/** Starts a server, runs `body` against it, and stops it whatever happens. */
export async function withServer<T>(
  start: () => Promise<Running>,
  body: (server: Running) => Promise<T>,
): Promise<T> {
  const server = await start();
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

/** This machine's range of local ports for client sockets (`net.ipv4.ip_local_port_range`). */
export function localPortRange(): [low: number, high: number] {
  const [low = 32768, high = 60999] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
    .trim()
    .split(/\s+/)
    .map(Number);
  return [low, high];
}

/** A median run, by `key`: on this shared machine a single run moves with any hiccup. */
export function medianBy<T>(runs: T[], key: (run: T) => number): T {
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor(sorted.length / 2)] as T;
}

/** A whole number for people: 19,000. */
export const count = (n: number) => Math.round(n).toLocaleString("en-US");
/** A figure in the report: whole above 100 (1,133,675), two decimals below (34.61). */
export const figure = (n: number) => (n >= 100 ? count(n) : n.toFixed(2));
/** A share of a core: 99%. */
export const percent = (share: number) => `${(share * 100).toFixed(0)}%`;

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
    async stop(signal = "SIGKILL") {
      child.kill(signal);
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

export type OursOptions = {
  /** A SQLite file's path, or a postgres:// URL; default: a new SQLite file of its own. */
  database?: string;
  /** redis://…: instances on one PostgreSQL database deliver each other's events through it. */
  pubsubUrl?: string;
  /** Instances of one cluster share their uploaded files; default: a directory of its own. */
  filesDir?: string;
  backpressureLimit?: number;
};

/** Our server (bun + src/main.ts, or the binary) on its own port, limits off, quiet. */
export async function startOurs(command: string[], options: OursOptions = {}): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), "chat-bench-ours-"));
  const config = join(dir, "app.yml");
  const port = await freePort();
  const database = options.database ?? join(dir, "chat.db");
  const lines = [
    `server:\n  host: 127.0.0.1\n  port: ${port}`,
    `database:\n  url: ${/^postgres(ql)?:\/\//.test(database) ? database : `sqlite://${database}`}`,
    ...(options.pubsubUrl ? [`pubsub:\n  url: ${options.pubsubUrl}`] : []),
    `files:\n  dir: ${options.filesDir ?? join(dir, "files")}`,
    `auth:\n  secret: "${benchSecret}"`,
    "limits:\n  signin: 0\n  signup: 0\n  messages: 0\n  uploads: 0\n  connects: 0",
    `realtime:\n  backpressureLimit: ${options.backpressureLimit ?? 67_108_864}`,
  ];
  writeFileSync(config, `${lines.join("\n")}\n`);
  return spawnPinned(command, { dir, port, env: { CHAT_CONFIG: config }, path: "/healthz" });
}

/** The PostgreSQL server the cluster scenario creates its database in (trust auth). */
export const postgresAdminUrl =
  process.env.CHAT_BENCH_POSTGRES ?? "postgres://postgres@127.0.0.1:5432/test";
export const redisUrl = process.env.CHAT_BENCH_REDIS ?? "redis://127.0.0.1:6379";

export type BenchDatabase = {
  url: string;
  /** CPU seconds used so far by the server processes serving this database's connections. */
  backendCpuSeconds(): Promise<Map<number, number>>;
  drop(): Promise<void>;
};

/** A new, empty PostgreSQL database for one run, dropped (with its connections) by `drop`. */
export async function createPostgresDatabase(): Promise<BenchDatabase> {
  const name = `chat_bench_${process.pid}_${crypto.randomUUID().slice(0, 8)}`;
  const admin = postgres(postgresAdminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async backendCpuSeconds() {
      const rows = await admin<{ pid: number }[]>`
        select pid from pg_stat_activity where datname = ${name}`;
      const seconds = new Map<number, number>();
      for (const { pid } of rows) {
        try {
          seconds.set(pid, cpuSeconds(pid));
        } catch {} // a connection that closed in between
      }
      return seconds;
    },
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** CPU seconds used between two readings of backendCpuSeconds (a new backend counts whole). */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** A directory for files that several instances share. */
export function sharedFilesDir(): string {
  const dir = join(mkdtempSync(join(tmpdir(), "chat-bench-shared-")), "files");
  mkdirSync(dir);
  return dir;
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

/**
 * `people` users in one new workspace named `domain`, written straight into a store (SQLite or
 * PostgreSQL): no Argon2 for thousands of people. Returns the workspace and the users' ids.
 */
export async function seedPeople(store: Store, people: number, domain: string) {
  const first = await store.createUser({
    fullname: "U0",
    email: `u0@${domain}`,
    passwordHash: "not used",
    workspace: { name: domain },
  });
  const ids = [first.user.id];
  for (let i = 1; i < people; i++) {
    const { user } = await store.createUser({
      fullname: `U${i}`,
      email: `u${i}@${domain}`,
      passwordHash: "not used",
      workspace: { id: first.workspace.id },
    });
    ids.push(user.id);
  }
  return { workspaceId: first.workspace.id, ids };
}

/**
 * `people` users in one workspace, in group chats of ten, written straight into a store with
 * tokens minted here. `index` is the chat's position, the room the references use.
 */
export async function seedChatsOfTen(store: Store, people: number, domain: string) {
  const { workspaceId, ids } = await seedPeople(store, people, domain);
  const clients: { token: string; room: number; index: number }[] = [];
  for (let c = 0; c * 10 < ids.length; c++) {
    const members = ids.slice(c * 10, c * 10 + 10);
    const chat = await store.createChat({
      workspaceId,
      type: "group",
      name: null,
      ownerId: members[0] as number,
      memberIds: members,
    });
    for (const id of members)
      clients.push({ token: await mintToken(id), room: chat.value.id, index: c });
  }
  return clients;
}

/**
 * A new SQLite database at `path` for history reads: one reader, `chats` private channels of
 * that reader alone, and `messages` messages spread over them, written straight into the
 * table. Returns the chat ids and the reader's token (minted here, like every other).
 */
export async function seedHistory(path: string, chats: number, messages: number) {
  const { openSqliteStore } = await import("../db/sqlite/store.ts");
  const store = openSqliteStore(`sqlite://${path}`, { synchronous: "NORMAL" });
  const { user } = await store.createUser({
    fullname: "Reader",
    email: "reader@bench.test",
    passwordHash: "not used",
    workspace: { name: "History" },
  });
  const chatIds: number[] = [];
  for (let c = 0; c < chats; c++) {
    const chat = await store.createChat({
      workspaceId: user.workspaceId,
      type: "private_channel",
      name: `h-${c}`,
      ownerId: user.id,
      memberIds: [user.id],
    });
    chatIds.push(chat.value.id);
  }
  const insert = store.sqlite.prepare(
    "insert into messages (chat_id, sender_id, content, files, client_id, created_at) values (?, ?, ?, '[]', null, ?)",
  );
  store.sqlite.transaction(() => {
    for (let m = 0; m < messages; m++)
      insert.run(
        chatIds[m % chatIds.length] as number,
        user.id,
        `history message ${m}`,
        Date.now(),
      );
  })();
  await store.close();
  return { chatIds, token: await mintToken(user.id) };
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

/**
 * Runs a load generator pinned to the other core; its last stdout line is its JSON result.
 * Server CPU is the sum over `serverPid` (several for a cluster), from the generator's START,
 * when `onStart` is called too.
 */
export async function runLoad<T>(
  script: string,
  args: Record<string, unknown>,
  serverPid?: number | number[],
  onStart?: () => void,
) {
  const serverPids = serverPid === undefined ? [] : [serverPid].flat();
  const serversCpu = () =>
    serverPids.reduce((sum, pid) => {
      if (!existsSync(`/proc/${pid}`)) throw new Error(`server ${pid} exited during ${script}`);
      return sum + cpuSeconds(pid);
    }, 0);
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
    if (text.includes("START")) {
      serverCpuAtStart = serversCpu();
      onStart?.();
    }
    output += text;
  }
  const serverCpu = serversCpu() - serverCpuAtStart;
  if ((await child.exited) !== 0) throw new Error(`${script} failed (exit ${child.exitCode})`);
  const last = output.trim().split("\n").at(-1) ?? "{}";
  const result = JSON.parse(last) as T & { seconds: number; loadCpu: number };
  return {
    ...result,
    serverCpuShare: serverCpu / result.seconds,
    loadCpuShare: result.loadCpu / result.seconds,
  };
}

/**
 * Calls `sendOne` open-loop, `rate` times a second for `seconds` in 10 ms ticks, whatever the
 * server answers; returns how many times it did.
 */
export async function sendOpenLoop(rate: number, seconds: number, sendOne: () => void) {
  const tickMs = 10;
  let sent = 0;
  const start = performance.now();
  // What is owed follows the clock, not the ticks: a tick is never exactly 10 ms, and counting
  // per tick sent ~5% under the rate offered.
  for (let elapsed = 0; elapsed < seconds * 1000; elapsed = performance.now() - start) {
    const owed = Math.floor((rate * elapsed) / 1000) - sent;
    for (let i = 0; i < owed; i++) sendOne();
    sent += Math.max(0, owed);
    await Bun.sleep(tickMs);
  }
  // What the last tick owed, up to a tick's worth: a late last timer is not the generator
  // falling behind, but one further behind than that is.
  const owed = Math.min(Math.floor(rate * seconds) - sent, Math.ceil((rate * tickMs) / 1000));
  for (let i = 0; i < owed; i++) sendOne();
  return sent + Math.max(0, owed);
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

/** One rate step of the many-chats generator. */
export type StepResult = {
  offered: number;
  /** Messages per second the generator managed to send: under `offered` when it saturates. */
  sent: number;
  /** The generator's share of its core while it sent. */
  loadCpu: number;
  achieved: number;
  delivered: number;
  p50: number;
  p99: number;
  /** Send→ack at the sender (ours: acknowledged once committed). */
  ackP99?: number;
};

/**
 * Whether the generator sent what the step offered (within 1%) without saturating its core: when
 * it does not, the latencies it measures are its own queueing.
 */
export const generatorKeptUp = (step: StepResult) =>
  step.sent >= 0.99 * step.offered && step.loadCpu < 0.95;

/**
 * The highest offered rate with ≥ 99.9% delivered and p99 ≤ 50 ms, among the steps the generator
 * kept up with: one it did not is a measure of the generator, not of the server.
 */
export function sustainedStep(steps: StepResult[]): StepResult | undefined {
  return steps
    .filter((step) => generatorKeptUp(step) && step.delivered >= 0.999 && step.p99 <= 50)
    .reduce<StepResult | undefined>(
      (best, step) => (best && best.offered >= step.offered ? best : step),
      undefined,
    );
}

/**
 * `rounds` runs of a and b, a first in even rounds and b first in odd ones: whatever the one that
 * goes first leaves behind (a larger database, a warmer cache) falls on each side alike.
 */
export async function inAlternation<A, B>(
  rounds: number,
  a: () => Promise<A>,
  b: () => Promise<B>,
): Promise<{ a: A; b: B }[]> {
  const pairs: { a: A; b: B }[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      const first = await a();
      pairs.push({ a: first, b: await b() });
    } else {
      const first = await b();
      pairs.push({ a: await a(), b: first });
    }
  }
  return pairs;
}
