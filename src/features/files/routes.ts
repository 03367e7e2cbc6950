import { Elysia, t } from "elysia";
import { errorResponses } from "../../errors.ts";
import { rateLimits } from "../../rate-limit.ts";
import { type AuthDeps, authenticated } from "../accounts/auth.ts";
import { FileInfo, maxFilesPerUpload } from "./model.ts";
import { receiveUploads } from "./multipart.ts";
import { type Download, getDownload, storeUploads } from "./service.ts";

// Types a browser would run in our origin if shown inline: always downloaded, always sandboxed.
const activeTypes =
  /^(text\/html|image\/svg|application\/xhtml|text\/xml|application\/xml|text\/javascript|application\/javascript)/;

function contentDisposition(download: Download): string {
  const kind = activeTypes.test(download.type) ? "attachment" : "inline";
  const ascii = download.name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(download.name)}`;
}

export const fileRoutes = (deps: AuthDeps) =>
  new Elysia({ name: "files", prefix: "/api", detail: { tags: ["Files"] } })
    .use(authenticated(deps, { queryToken: true }))
    .use(rateLimits(deps))
    .post(
      "/upload",
      async ({ ctx, request, set }) => {
        const limits = { maxSize: deps.config.files.maxSize, maxFiles: maxFilesPerUpload };
        const staged = await receiveUploads(request, deps.files, limits);
        set.status = 201;
        return storeUploads(ctx, staged);
      },
      {
        // Counted once per request however many files it holds, before any byte is read.
        limit: "uploads",
        response: { 201: t.Array(FileInfo), ...errorResponses },
        detail: {
          summary: "Upload files",
          description: `multipart/form-data with one to ${maxFilesPerUpload} parts named \`files\`. The same bytes in a workspace are stored once and get the same URL. A file over \`files.maxSize\` is 413 and nothing is kept.`,
          requestBody: {
            content: {
              "multipart/form-data": {
                schema: {
                  type: "object",
                  properties: {
                    files: { type: "array", items: { type: "string", format: "binary" } },
                  },
                  required: ["files"],
                },
              },
            },
          },
        },
      },
    )
    .get(
      "/files/*",
      async ({ ctx, request }) => {
        const download = await getDownload(ctx, new URL(request.url).pathname);
        const etag = `"${download.hash}"`;
        const headers = {
          etag,
          "cache-control": "private, max-age=31536000, immutable",
          "content-disposition": contentDisposition(download),
          "content-security-policy":
            "sandbox; default-src 'none'; img-src 'self'; media-src 'self'",
          "x-content-type-options": "nosniff",
        };
        if (request.headers.get("if-none-match") === etag) {
          return new Response(null, { status: 304, headers });
        }
        // A Bun.file body is streamed from disk, and Bun answers Range requests (206/416) itself.
        return new Response(Bun.file(download.path, { type: download.type }), { headers });
      },
      {
        detail: {
          summary: "Download a file",
          description:
            "Token in the header or `?token=`. Another workspace's file is 404. Supports a single `Range` (206; 416 when unsatisfiable), `ETag` and `If-None-Match`; content never changes under a URL.",
          responses: {
            200: { description: "The bytes" },
            206: { description: "The requested range" },
            304: { description: "Not modified" },
            401: { description: "No or bad token" },
            404: { description: "No such file in your workspace" },
            416: { description: "Range not satisfiable" },
          },
        },
      },
    );
