// The one test command (`npm test`): format and lint, type check, then every test file, and a
// closing line "N passed, N failed" counted from the JUnit report, which CI reads.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const bin = "node_modules/.bin";

function run(label: string, command: string[]): boolean {
  console.log(`\n▶ ${label}`);
  const result = Bun.spawnSync(command, { stdout: "inherit", stderr: "inherit" });
  return result.exitCode === 0;
}

function finish(passed: number, failed: number, skipped = 0): never {
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  process.exit(failed > 0 ? 1 : 0);
}

// The browser tests drive Debian's Chromium; a fresh machine gets it from apt, as root can.
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!(await Bun.file(chromium).exists())) {
  const install =
    "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium";
  if (!run("install Chromium (Debian's package)", ["sh", "-c", install])) {
    console.error(`Chromium is missing and could not be installed: the browser tests will fail`);
  }
}

// PostgreSQL and Redis back the scale-out tests. A machine that lacks them gets them from apt
// and started as Debian starts them; a test run never skips them.
async function listening(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

async function waitFor(port: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (await listening(port)) return true;
    await Bun.sleep(100);
  }
  return false;
}

const services = [
  {
    name: "PostgreSQL",
    port: 5432,
    installed: "/usr/bin/pg_ctlcluster",
    packages: "postgresql",
    start:
      "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start && " +
      "sed -i 's/^\\(host.*127.0.0.1\\/32 *\\)[a-z0-9-]*$/\\1trust/' /etc/postgresql/*/main/pg_hba.conf && " +
      "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main reload && " +
      '(su postgres -c "createdb test" 2>/dev/null || true)',
  },
  {
    name: "Redis",
    port: 6379,
    installed: "/usr/bin/redis-server",
    packages: "redis-server",
    start: 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
  },
];
for (const service of services) {
  if ((await listening(service.port)) && (await Bun.file(service.installed).exists())) continue;
  if (!(await Bun.file(service.installed).exists())) {
    run(`install ${service.name} (Debian's package)`, [
      "sh",
      "-c",
      `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${service.packages}`,
    ]);
  }
  if (!(await listening(service.port))) {
    run(`start ${service.name}`, ["sh", "-c", service.start]);
  }
  if (!(await waitFor(service.port))) {
    console.error(
      `${service.name} is not listening on 127.0.0.1:${service.port}: its tests will fail`,
    );
  }
}

for (const [label, command] of [
  ["build the web app", [process.execPath, "scripts/build-web.ts"]],
  ["format and lint (biome)", [`${bin}/biome`, "check", "."]],
  ["type check the server (tsc)", [`${bin}/tsc`, "--noEmit", "-p", "."]],
  ["type check the web app (tsc)", [`${bin}/tsc`, "--noEmit", "-p", "web"]],
] as const) {
  if (!run(label, [...command])) {
    console.error(`\n${label} failed: no tests were run`);
    finish(0, 1);
  }
}

// Known high-severity advisories in dependencies fail the run. The registry this project reaches
// may not serve advisories at all (it answers 405 here): then the audit is reported as not done.
{
  console.log("\n▶ dependency audit (bun audit)");
  const audit = Bun.spawnSync([process.execPath, "audit", "--audit-level=high"], {
    stderr: "pipe",
    stdout: "pipe",
  });
  const output = `${audit.stdout.toString()}${audit.stderr.toString()}`;
  const unavailable =
    /advisories\/bulk - \d{3}|ECONNREFUSED|ENOTFOUND|ConnectionRefused|timed out/i.test(output);
  if (unavailable)
    console.log(`the audit service is unavailable from here; no audit was done:\n${output.trim()}`);
  else if (audit.exitCode !== 0) {
    console.error(output);
    console.error("\nthe dependency audit found high-severity advisories: no tests were run");
    finish(0, 1);
  } else console.log(output.trim() || "no known high-severity advisories");
}

rmSync(".test-results", { recursive: true, force: true });
mkdirSync(".test-results", { recursive: true });

// The binary is the product: built once here, as `bun run build` builds it, and run by the
// end-to-end tests and by the API suites below (test/support/binary.ts reads CHAT_TEST_BINARY).
const buildDir = mkdtempSync(join(tmpdir(), "chat-build-"));
{
  const outfile = join(buildDir, "chat");
  const started = performance.now();
  if (!run("build the binary", [process.execPath, "scripts/build.ts", "--outfile", outfile])) {
    console.error("\nthe build failed: no tests were run");
    finish(0, 1);
  }
  console.log(`build the binary: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  process.env.CHAT_TEST_BINARY = outfile;
}

type Counts = { passed: number; failed: number; skipped: number; failures: string[] };

const fromXml = (text: string) =>
  text
    .replace(/&#10;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");

/** "file > group > test: first line of the message" for each failed test in a JUnit report. */
function failuresIn(xml: string, label: string): string[] {
  const found: string[] = [];
  const testcase =
    /<testcase name="([^"]*)" classname="([^"]*)"[^>]*?file="([^"]*)"[^>]*>\s*<(?:failure|error)[^>]*?message="([^"]*)"/g;
  for (const [, name, group, file, message] of xml.matchAll(testcase)) {
    const path = [file, fromXml(group ?? ""), fromXml(name ?? "")].filter(Boolean).join(" > ");
    found.push(
      `${label}: ${path}: ${fromXml(message ?? "")
        .trim()
        .slice(0, 200)}`,
    );
  }
  return found;
}

/** One `bun test` run, counted from its JUnit report. */
function runTests(label: string, paths: string[], env: Record<string, string> = {}): Counts {
  const report = `.test-results/${label.replace(/\W+/g, "-")}.xml`;
  console.log(`\n▶ ${label}`);
  const started = performance.now();
  const result = Bun.spawnSync(
    [
      process.execPath,
      "test",
      "--timeout",
      "60000",
      "--reporter=junit",
      `--reporter-outfile=${report}`,
      ...paths,
    ],
    { stdout: "inherit", stderr: "inherit", env: { ...process.env, ...env } },
  );
  console.log(`${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  let xml = "";
  try {
    xml = readFileSync(report, "utf8");
  } catch {
    console.error(`${label}: the test run wrote no report`);
    return {
      passed: 0,
      failed: 1,
      skipped: 0,
      failures: [`${label}: the test run wrote no report`],
    };
  }
  const totals = /<testsuites[^>]*>/.exec(xml)?.[0] ?? "";
  const count = (name: string) => Number(new RegExp(`${name}="(\\d+)"`).exec(totals)?.[1] ?? 0);
  const failed = count("failures") + count("errors");
  const skipped = count("skipped");
  // A run that broke outside any test (an error between tests) must not read as green.
  const broke = result.exitCode !== 0 && failed === 0 ? 1 : 0;
  const failures = failuresIn(xml, label);
  if (broke) failures.push(`${label}: bun test exited ${result.exitCode} outside any test`);
  return { passed: count("tests") - failed - skipped, failed: failed + broke, skipped, failures };
}

const chosen = process.argv.slice(2);
/** Of `suites`, those the command line chose (all when it chose none). */
const pick = (suites: string[]) =>
  chosen.length === 0
    ? suites
    : chosen.filter((path) => suites.some((suite) => path.startsWith(suite)));
const runs = [runTests("tests (bun test)", chosen)];
// The feature suites once more on PostgreSQL: both stores pass the same tests.
const sharedSuites = ["test/features", "test/security", "test/errors.test.ts"];
const onPostgres = pick(sharedSuites);
if (onPostgres.length > 0) {
  runs.push(
    runTests("the feature tests again on PostgreSQL", onPostgres, {
      CHAT_TEST_DATABASE: "postgres",
    }),
  );
}
// And once more on the compiled binary, a process of its own: what it serves is what the source
// serves. Every suite that talks to a running server; a test that reaches inside the process
// (its store handle, its clock) is marked inProcessOnly and reported as skipped here.
const onBinary = pick([...sharedSuites, "test/ops"]);
if (onBinary.length > 0) {
  runs.push(
    runTests("the API tests again on the compiled binary", onBinary, {
      CHAT_TEST_TARGET: "binary",
    }),
  );
}
// 120 MB a run: not left behind.
rmSync(buildDir, { recursive: true, force: true });
const sum = (key: "passed" | "failed" | "skipped") =>
  runs.reduce((total, run) => total + run[key], 0);
// The failures again at the end, by name, where a reader of CI's last lines finds them.
const failures = runs.flatMap((run) => run.failures);
if (failures.length > 0)
  console.log(`\nfailed:\n${failures.map((line) => `  ${line}`).join("\n")}`);
finish(sum("passed"), sum("failed"), sum("skipped"));
