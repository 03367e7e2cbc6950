// `bun run build [--target linux-x64|linux-arm64|…]`: one self-contained executable in dist/.
// Migrations, the web app and the Swagger UI are imported into the bundle, so it needs no files.
import { parseArgs } from "node:util";
import { buildWeb } from "./build-web.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { target: { type: "string" }, outfile: { type: "string" } },
});
const target = values.target;
const outfile = values.outfile ?? (target ? `dist/chat-${target}` : "dist/chat");

await buildWeb();
const result = await Bun.build({
  // The WAL checkpoint worker needs no entrypoint of its own: Bun embeds a worker written as
  // `new Worker(new URL("./…", import.meta.url))` (test/e2e/binary.test.ts checks it runs).
  entrypoints: ["src/main.ts"],
  compile: { outfile, ...(target && { target: `bun-${target}` as Bun.Build.CompileTarget }) },
  // Whitespace and syntax only. Renaming identifiers changes the `.name` of classes, and Elysia
  // recognises a failed query/params/headers decode by `error.constructor.name ===
  // "TransformDecodeError"`: renamed, the error was swallowed and `?limit=0` answered 200 with the
  // undecoded string. Bun 1.4's `keepNames` does not keep class names yet (oven-sh/bun#40503 is open), so
  // identifiers stay as written: +0.5 MB, no measurable start-up cost.
  minify: { whitespace: true, syntax: true, identifiers: false },
  // Precompiled bytecode: the PostgreSQL and Redis clients are in the bundle even when only
  // loaded on demand, and parsing them at every start took ~15 ms; with bytecode a start is faster
  // than before they were added.
  bytecode: true,
  sourcemap: "linked",
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
const size = Bun.file(outfile).size;
console.log(`built ${outfile} (${(size / 1_000_000).toFixed(1)} MB)`);
