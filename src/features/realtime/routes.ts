import { Type } from "@sinclair/typebox";
import { Elysia, t } from "elysia";
import { errorResponses } from "../../errors.ts";
import { type AuthDeps, authenticated } from "../accounts/auth.ts";
import type { LocalHub } from "./hub.ts";
import { listOnline } from "./service.ts";

// Presence events tell what changes; a client that just connected also needs what is.
export const presenceRoutes = (deps: AuthDeps & { hub: LocalHub }) =>
  new Elysia({ name: "presence", prefix: "/api", detail: { tags: ["Real time"] } })
    .use(authenticated(deps))
    .get("/presence", ({ ctx }) => listOnline(ctx), {
      response: {
        200: t.Object({ online: t.Array(Type.Integer({ minimum: 1 })) }),
        ...errorResponses,
      },
      detail: {
        summary: "Who in the workspace is online now",
        description:
          "The user ids with at least one open WebSocket or event stream. Changes arrive as `presence` events.",
      },
    });
