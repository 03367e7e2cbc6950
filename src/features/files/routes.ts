import { Elysia, t } from "elysia";
import { errorResponses } from "../../errors.ts";
import { rateLimits } from "../../rate-limit.ts";
import { type AuthDeps, authenticated } from "../accounts/auth.ts";
import { DownloadToken } from "../accounts/model.ts";
import { FileInfo, maxFilesPerUpload } from "./model.ts";
import { receiveUploads } from "./multipart.ts";
import { createDownloadToken, type Download, getDownload, storeUploads } from "./service.ts";

// Types a browser would run in our origin if shown inline: always downloaded, always sandboxed.
const activeTypes =
  /^(text\/html|image\/svg|application\/xhtml|text\/xml|application\/xml|text\/javascript|application\/javascript)/;

function contentDisposition(download: Download): string {
  const kind = activeTypes.test(download.type) ? "attachment" : "inline";
  if (!download.name) return kind;
  const ascii = download.name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(download.name)}`;
}

export const fileRoutes = (deps: AuthDeps) =>
  new Elysia({ name: "files" }).use(uploadRoutes(deps)).use(downloadRoutes(deps));

const uploadRoutes = (deps: AuthDeps) =>
  new Elysia({ name: "uploads", prefix: "/api", detail: { tags: ["Files"] } })
    .use(authenticated(deps))
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
    .post(
      "/files/token",
      async ({ credential, jwt, set }) => {
        const token = await createDownloadToken(jwt, credential);
        set.status = 201;
        return token;
      },
      {
        body: t.Optional(t.Object({})),
        response: { 201: DownloadToken, ...errorResponses },
        detail: {
          summary: "Make a download token",
          description:
            "For links and images a browser loads without headers: `GET /api/files/...?download=<token>`. Valid 24 hours (never past the session token's own end), for downloads only (401 anywhere else), and only for files its user may read; a password change ends it.",
        },
      },
    );

// Downloads also take `?download=` (a download token) and v1's `?token=`: a browser loads
// images and links without headers.
const downloadRoutes = (deps: AuthDeps) =>
  new Elysia({ name: "downloads", prefix: "/api", detail: { tags: ["Files"] } })
    .use(authenticated(deps, { queryToken: true, downloadToken: true }))
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
            "The session token in the header, a download token in `?download=` (or v1's `?token=`). Readable by its uploader and by whoever can read a message that carries it; anything else is 404. Supports a single `Range` (206; 416 when unsatisfiable), `ETag` and `If-None-Match`; content never changes under a URL.",
          responses: {
            200: { description: "The bytes" },
            206: { description: "The requested range" },
            304: { description: "Not modified" },
            401: { description: "No or bad token" },
            404: { description: "No such file, or not one you may read" },
            416: { description: "Range not satisfiable" },
          },
        },
      },
    );
