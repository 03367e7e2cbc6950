// The one test command (`npm test`): format and lint, type check, then every test file, and a
// closing line "N passed, N failed" counted from the JUnit report, which CI reads.
import { mkdirSync, readFileSync, rmSync } from "node:fs";

const report = ".test-results/junit.xml";
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
const testsOk = run("tests (bun test)", [
  process.execPath,
  "test",
  "--timeout",
  "60000",
  "--reporter=junit",
  `--reporter-outfile=${report}`,
  ...process.argv.slice(2),
]);

let xml = "";
try {
  xml = readFileSync(report, "utf8");
} catch {
  console.error("the test run wrote no report");
  finish(0, 1);
}
const totals = /<testsuites[^>]*>/.exec(xml)?.[0] ?? "";
const count = (name: string) => Number(new RegExp(`${name}="(\\d+)"`).exec(totals)?.[1] ?? 0);
const tests = count("tests");
const failed = count("failures") + count("errors");
const skipped = count("skipped");
// A run that broke outside any test (an error between tests) must not read as green.
finish(tests - failed - skipped, failed + (testsOk || failed > 0 ? 0 : 1), skipped);
