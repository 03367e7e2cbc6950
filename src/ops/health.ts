import { Elysia, t } from "elysia";
import type { Deps } from "../context.ts";

export const health = (deps: Deps) =>
  new Elysia({ name: "health" }).get(
    "/healthz",
    async ({ set }) => {
      try {
        await deps.db.ping();
        return { status: "ok" as const };
      } catch {
        set.status = 503;
        return { status: "error" as const };
      }
    },
    {
      response: {
        200: t.Object({ status: t.Literal("ok") }),
        503: t.Object({ status: t.Literal("error") }),
      },
      detail: { tags: ["Operations"], summary: "200 when the database answers", security: [] },
    },
  );
