// Storage is the bottom layer: nothing under db/ may load, at run time, a module of ours outside
// db/ or the web framework. Type-only imports (the wire models) are erased and allowed; the
// transpiler tells the two apart exactly as the runtime does.
import { expect, test } from "bun:test";
import { dirname, join, relative, resolve } from "node:path";
import { Glob } from "bun";

const root = resolve(import.meta.dir, "../..");
const db = join(root, "db");
/** Packages storage may load: its drivers, Node's own modules, drizzle for the schema files. */
const allowedPackages = [/^bun:sqlite$/, /^node:/, /^postgres$/, /^drizzle-orm(\/|$)/];

const transpiler = new Bun.Transpiler({ loader: "ts" });

/** The run-time imports of one file that storage must not have. */
function forbiddenImports(file: string, source: string): string[] {
  return transpiler
    .scanImports(source)
    .map((entry) => entry.path)
    .filter((path) => {
      if (path.startsWith(".")) return relative(db, resolve(dirname(file), path)).startsWith("..");
      return !allowedPackages.some((allowed) => allowed.test(path));
    });
}

test("nothing under db/ loads a module outside db/ or the framework at run time", async () => {
  const found: string[] = [];
  for await (const path of new Glob("**/*.ts").scan(db)) {
    const file = join(db, path);
    for (const bad of forbiddenImports(file, await Bun.file(file).text())) {
      found.push(`db/${path} imports ${bad}`);
    }
  }
  expect(found).toEqual([]);
});

test("the check sees value imports, dynamic ones included, and lets type-only imports pass", () => {
  const file = join(db, "example.ts");
  const source = `
    import type { User } from "../src/features/accounts/model.ts";
    import { type Chat } from "../src/features/chats/model.ts";
    import { conflict } from "../src/errors.ts";
    import { t } from "elysia";
    import { eventJson } from "./events.ts";
    export const load = () => import("../src/config.ts");
    export const a = (u: User, c: Chat) => [u, c, conflict, t, eventJson];`;
  expect(forbiddenImports(file, source).sort()).toEqual([
    "../src/config.ts",
    "../src/errors.ts",
    "elysia",
  ]);
});
