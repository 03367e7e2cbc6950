// `npm start` runs the server from the source while `bun scripts/build-web.ts` may rebuild
// web/dist under it. The rebuild runs in a copy of the project, so this worktree's build is left
// alone, against a real server process started as `npm start` starts it.
import { afterAll, expect, test } from "bun:test";
import { appendFileSync, cpSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ServerProcess, startServerProcess } from "../support/process.ts";

const root = join(import.meta.dir, "../..");
const project = mkdtempSync(join(tmpdir(), "chat-rebuild-"));
for (const entry of ["src", "db", "web", "scripts", "package.json", "tsconfig.json"]) {
  cpSync(join(root, entry), join(project, entry), {
    recursive: true,
    filter: (path) => !path.includes(join("web", "dist")),
  });
}
symlinkSync(realpathSync(join(root, "node_modules")), join(project, "node_modules"));

const build = () =>
  Bun.spawn([process.execPath, "scripts/build-web.ts"], {
    cwd: project,
    stdout: "ignore",
    stderr: "inherit",
  }).exited;

let server: ServerProcess | undefined;
afterAll(() => {
  server?.child.kill();
  rmSync(project, { recursive: true, force: true });
  if (server) rmSync(server.dir, { recursive: true, force: true });
});

/** The page and the status of each asset it names, as a browser loading it would see them. */
async function load(base: string) {
  const page = await fetch(`${base}/`);
  const html = await page.text();
  const assets = [...html.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
  const statuses = await Promise.all(
    assets.map(async (path) => `${path} ${(await fetch(base + path)).status}`),
  );
  return { status: page.status, assets, statuses };
}

const allFound = (statuses: string[]) => statuses.filter((line) => !line.endsWith(" 200"));

test("a rebuild of the web app while the server runs serves the new page with all its assets, and the old assets still", async () => {
  expect(await build()).toBe(0);
  server = await startServerProcess([process.execPath, join(project, "src/main.ts")]);
  const base = server.url;
  const before = await load(base);
  expect(before.status).toBe(200);
  expect(before.assets.length).toBeGreaterThan(1);
  expect(allFound(before.statuses)).toEqual([]);

  // A change to the app gives its assets new hashed names.
  appendFileSync(join(project, "web/styles.css"), "\n.rebuilt { color: red; }\n");
  appendFileSync(join(project, "web/main.tsx"), '\nconsole.debug("rebuilt");\n');
  const broken: string[] = [];
  let building = true;
  const built = build().then((code) => {
    building = false;
    return code;
  });
  // While the build runs, whatever page is served comes with assets that load.
  while (building) {
    const during = await load(base);
    if (during.status !== 200) broken.push(`/ ${during.status}`);
    broken.push(...allFound(during.statuses));
  }
  expect(await built).toBe(0);

  const after = await load(base);
  expect(after.status).toBe(200);
  expect(after.assets).not.toEqual(before.assets);
  expect(allFound(after.statuses)).toEqual([]);
  expect(broken).toEqual([]);
  // A page loaded before the rebuild still gets the assets it names.
  const old = await Promise.all(
    before.assets.map(async (path) => (await fetch(base + path)).status),
  );
  expect(old.every((status) => status === 200)).toBe(true);
});
