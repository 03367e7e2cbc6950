// `bun bench/binary.ts`: the figures the README reports for the compiled binary — its size, the
// time from exec to the first answered /healthz (median of several starts), and idle memory.
// Measured, never asserted: this machine is shared and noisy.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const runs = Number(process.argv[2] ?? 9);
const dir = mkdtempSync(join(tmpdir(), "chat-figures-"));
const binary = join(dir, "chat");
const build = Bun.spawnSync([process.execPath, "scripts/build.ts", "--outfile", binary], {
  cwd: join(import.meta.dir, ".."),
});
if (build.exitCode !== 0) throw new Error(build.stderr.toString());

async function freePort() {
  const server = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = server.port as number;
  await server.stop(true);
  return port;
}

const rssKb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);

const startups: number[] = [];
let idleKb = 0;
for (let run = 0; run < runs; run++) {
  const port = await freePort();
  const cwd = mkdtempSync(join(dir, "run-"));
  const started = performance.now();
  const child = Bun.spawn([binary], {
    cwd,
    env: { ...process.env, CHAT_CONFIG: "", CHAT_PORT: String(port), CHAT_HOST: "127.0.0.1" },
    stdout: "ignore",
  });
  while (true) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {}
    await Bun.sleep(1);
  }
  startups.push(performance.now() - started);
  if (run === runs - 1) {
    await Bun.sleep(2000);
    idleKb = rssKb(child.pid);
  }
  child.kill("SIGTERM");
  await child.exited;
}
startups.sort((a, b) => a - b);
const median = startups[Math.floor(startups.length / 2)] as number;
console.log(`binary size:            ${(Bun.file(binary).size / 1_000_000).toFixed(1)} MB`);
console.log(
  `start to first /healthz: ${median.toFixed(0)} ms (median of ${runs}; min ${startups[0]?.toFixed(0)} ms)`,
);
console.log(`idle memory (RSS):      ${(idleKb / 1024).toFixed(1)} MB`);
