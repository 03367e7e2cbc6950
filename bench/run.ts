// `bun run bench [--quick | --full] [--out DIR] [scenario…]`: runs the chosen scenarios (every one
// by default; see scenarios/index.ts) against our server and its references, and prints the
// report. Quick sizes by default, the with --full. Only a full run of every scenario
// rewrites docs/benchmarks.md and its charts; --out DIR writes them there instead, at any size.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildWebApp, repo } from "./lib.ts";
import { renderReport, writeReport } from "./report.ts";
import type { Outcome } from "./scenario.ts";
import { scenarios } from "./scenarios/index.ts";

const usage = `usage: bun run bench [--quick | --full] [--out DIR] [${Object.keys(scenarios).join(" | ")} …]`;
function fail(problem: string): never {
  console.error(`${problem}\n${usage}`);
  process.exit(2);
}
const { values, positionals } = (() => {
  try {
    return parseArgs({
      args: Bun.argv.slice(2),
      options: { quick: { type: "boolean" }, full: { type: "boolean" }, out: { type: "string" } },
      allowPositionals: true,
    });
  } catch (error) {
    return fail((error as Error).message);
  }
})();
const unknown = positionals.filter((name) => !Object.hasOwn(scenarios, name));
if (unknown.length > 0) fail(`no such scenario: ${unknown.join(", ")}`);
if (values.quick && values.full) fail("--quick and --full are each other's opposite");
const full = values.full === true;
const chosen = Object.entries(scenarios).filter(
  ([name]) => positionals.length === 0 || positionals.includes(name),
);
const log = (text: string) => console.log(`· ${text}`);

buildWebApp();
const outcomes: Outcome[] = [];
for (const [, scenario] of chosen) outcomes.push(await scenario({ full, log }));
console.log(`\n${renderReport(outcomes, { full, images: false })}`);
// Any other run leaves the committed report alone: its figures are the last full run's.
const dir = values.out ?? (full && positionals.length === 0 ? join(repo, "docs") : undefined);
if (dir) console.log(`wrote ${writeReport(dir, outcomes, full).join(", ")}`);
