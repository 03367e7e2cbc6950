// GET /, /chat/:id, /chat/:id/thread/:rootId and /assets/*: the web app, built by
// scripts/build-web.ts and embedded in the binary. Served by our own routes so that the page
// gets our security headers.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { Elysia } from "elysia";
import { webFiles } from "../web/dist/assets.ts";
import { notFound } from "./errors.ts";
import { appPolicy } from "./ops/security.ts";

const types: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  webmanifest: "application/manifest+json",
  png: "image/png",
  woff2: "font/woff2",
};

type Files = Record<string, Blob>;

/**
 * The files served, as one consistent set. In the binary they are embedded and never change.
 * Run from the source (`npm start`), web/dist may be rebuilt under the running server: the set is
 * then read into memory whenever the build's manifest (written last) changes, so a new page is
 * only ever served together with its assets, and the previous build's assets stay served for
 * pages loaded before.
 */
class WebFiles {
  private current: Files;
  private previous: Files = {};
  private readonly manifest: string | undefined;
  private seen = "";

  constructor() {
    // The binary embeds no manifest: its files are the set, for good.
    const manifest = join(dirname(webFiles["index.html"] ?? ""), "manifest.json");
    this.manifest = existsSync(manifest) ? manifest : undefined;
    this.current = Object.fromEntries(
      Object.entries(webFiles).map(([name, path]) => [name, Bun.file(path)]),
    );
    if (this.manifest) {
      this.refresh();
      this.previous = {};
    }
  }

  get(name: string): Blob | undefined {
    if (name === "index.html" || !this.current[name]) this.refresh();
    return this.current[name] ?? this.previous[name];
  }

  private refresh(): void {
    if (!this.manifest) return;
    try {
      const stat = statSync(this.manifest);
      const version = `${stat.mtimeMs}:${stat.size}`;
      if (version === this.seen) return;
      const dir = dirname(this.manifest);
      const names = JSON.parse(readFileSync(this.manifest, "utf8")) as string[];
      const next = Object.fromEntries(
        names.map((name) => [name, new Blob([readFileSync(join(dir, name))])]),
      );
      this.previous = this.current;
      this.current = next;
      this.seen = version;
    } catch {
      // A rebuild is under way (files removed, the manifest not yet written): keep serving the
      // last complete set, and look again on the next request.
    }
  }
}

export const webApp = () => {
  const files = new WebFiles();
  const serve = (name: string, cache: string) => {
    const file = files.get(name);
    if (!file) throw notFound("no such file");
    return new Response(file, {
      headers: {
        "content-type": types[name.split(".").pop() ?? ""] ?? "application/octet-stream",
        "cache-control": cache,
        "content-security-policy": appPolicy,
      },
    });
  };
  // The page itself is revalidated, so a new version of the app is picked up at once.
  const page = () => serve("index.html", "no-cache");
  return (
    new Elysia({ name: "web" })
      .get("/", page, { detail: { hide: true } })
      // Each chat has a URL the app opens it at (links, reloads, Back and Forward), and so has
      // each of its threads.
      .get(
        "/chat/:id",
        ({ params }) => {
          if (!/^[1-9][0-9]{0,14}$/.test(params.id)) throw notFound("no such page");
          return page();
        },
        { detail: { hide: true } },
      )
      .get(
        "/chat/:id/thread/:rootId",
        ({ params }) => {
          const id = /^[1-9][0-9]{0,14}$/;
          if (!id.test(params.id) || !id.test(params.rootId)) throw notFound("no such page");
          return page();
        },
        { detail: { hide: true } },
      )
      // The service worker is served from the root, so that its scope is the whole app, and
      // revalidated, so that a new version is found; the manifest and icons likewise.
      .get("/sw.js", () => serve("sw.js", "no-cache"), { detail: { hide: true } })
      .get("/manifest.webmanifest", () => serve("manifest.webmanifest", "no-cache"), {
        detail: { hide: true },
      })
      .get(
        "/icons/:file",
        ({ params }) => {
          if (!/^icon(-[0-9]+)?\.(png|svg)$/.test(params.file)) throw notFound("no such file");
          return serve(params.file, "public, max-age=86400");
        },
        { detail: { hide: true } },
      )
      // Everything else has a content hash in its name and never changes under it.
      .get(
        "/assets/:file",
        ({ params }) => serve(params.file, "public, max-age=31536000, immutable"),
        { detail: { hide: true } },
      )
  );
};
