import { Elysia } from "elysia";
import { errorResponses } from "../../errors.ts";
import { type AuthDeps, authenticated } from "../accounts/auth.ts";
import { SearchAnswer, SearchQuery } from "./model.ts";
import { searchMessages } from "./service.ts";

export const searchRoutes = (deps: AuthDeps) =>
  new Elysia({ name: "search", prefix: "/api", detail: { tags: ["Search"] } })
    .use(authenticated(deps))
    .get("/search", ({ ctx, query }) => searchMessages(ctx, query), {
      query: SearchQuery,
      response: { 200: SearchAnswer, ...errorResponses },
      detail: {
        summary: "Search the messages one may see",
        description:
          'Messages and replies, newest first, in the chats the caller is a member of now and in the public channels of their workspace (archived chats included; chats one has left, deleted messages and replaced texts never). `q`: every word must occur, case and accents ignored, the last plain word also as a prefix; `"a phrase"` as written; `-word` excludes; Chinese and Japanese text is found by any run of two or more of its characters. A `q` with only exclusions is 422. `chatId` narrows to one chat (404 if not visible); `senderId`, `after` and `before` (ISO times on `createdAt`, exclusive) narrow further. `snippet`: about 200 characters around the first match, each match between U+E000 and U+E001. Page with `cursor` = the previous `next`.',
      },
    });
