// GET / and /assets/*: the web app, built by scripts/build-web.ts and embedded in the binary.
// Served by our own routes so that the page gets our security headers.
import { Elysia } from "elysia";
import { webFiles } from "../web/dist/assets.ts";
import { notFound } from "./errors.ts";
import { appPolicy } from "./ops/security.ts";

const types: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  woff2: "font/woff2",
};

const serve = (name: string, cache: string) => {
  const path = webFiles[name];
  if (!path) throw notFound("no such file");
  return new Response(Bun.file(path), {
    headers: {
      "content-type": types[name.split(".").pop() ?? ""] ?? "application/octet-stream",
      "cache-control": cache,
      "content-security-policy": appPolicy,
    },
  });
};

export const webApp = () =>
  new Elysia({ name: "web" })
    // The page itself is revalidated, so a new version of the app is picked up at once.
    .get("/", () => serve("index.html", "no-cache"), { detail: { hide: true } })
    // Everything else has a content hash in its name and never changes under it.
    .get(
      "/assets/:file",
      ({ params }) => serve(params.file, "public, max-age=31536000, immutable"),
      {
        detail: { hide: true },
      },
    );
