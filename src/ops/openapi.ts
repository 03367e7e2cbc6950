// The OpenAPI document at /swagger/json and the Swagger UI at /swagger, with its assets served
// from inside the binary: no CDN, no inline script.
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import cssPath from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
import bundlePath from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };
import packageJson from "../../package.json" with { type: "json" };

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Chat API</title>
  <link rel="stylesheet" href="/swagger/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/swagger/assets/swagger-ui-bundle.js"></script>
  <script src="/swagger/assets/init.js"></script>
</body>
</html>`;

const init = `window.ui = SwaggerUIBundle({ url: "/swagger/json", dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: true });`;

const asset = (path: string, type: string) => () =>
  new Response(Bun.file(path), {
    headers: { "content-type": type, "cache-control": "public, max-age=86400" },
  });

export const openapiDocs = () =>
  new Elysia({ name: "openapi" })
    .use(
      openapi({
        path: "/swagger",
        provider: null,
        documentation: {
          info: {
            title: "Chat API",
            version: packageJson.version,
            description:
              "Workspaces, chats and messages, with live delivery over WebSocket and Server-Sent Events. Every error is `{error: {code, message}}`.",
          },
          tags: [
            { name: "Accounts", description: "Sign-up, sign-in, invites, people" },
            { name: "Chats", description: "Direct messages, groups and channels" },
            { name: "Messages", description: "Sending and history" },
            { name: "Files", description: "Uploads and downloads" },
            { name: "Real time", description: "WebSocket and Server-Sent Events" },
            { name: "Operations", description: "Health and metrics" },
          ],
          components: {
            securitySchemes: {
              bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
            },
          },
          security: [{ bearer: [] }],
        },
      }),
    )
    .get(
      "/swagger",
      () => new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } }),
      {
        detail: { hide: true },
      },
    )
    .get(
      "/swagger/assets/swagger-ui-bundle.js",
      asset(bundlePath, "text/javascript; charset=utf-8"),
      {
        detail: { hide: true },
      },
    )
    .get("/swagger/assets/swagger-ui.css", asset(cssPath, "text/css; charset=utf-8"), {
      detail: { hide: true },
    })
    .get(
      "/swagger/assets/init.js",
      () => new Response(init, { headers: { "content-type": "text/javascript; charset=utf-8" } }),
      { detail: { hide: true } },
    );
