import { t } from "elysia";
import { Message } from "../messages/model.ts";

const id = (field: string, description: string) =>
  t.Optional(
    t.Integer({
      minimum: 1,
      // Chats and users are numbered in 32 bits on PostgreSQL: no id is past this one.
      maximum: 2_147_483_647,
      description,
      error: `query field ${field}: must be an id (a positive integer)`,
    }),
  );
const time = (field: string, description: string) =>
  t.Optional(
    t.String({
      format: "date-time",
      description,
      error: `query field ${field}: must be an ISO time such as 2026-01-31T12:00:00Z`,
    }),
  );

export const SearchQuery = t.Object({
  q: t.String({
    minLength: 1,
    maxLength: 200,
    description:
      'Every word must occur (case and accents ignored; the last word also as a prefix); "a phrase" as written; -word excludes',
    error: "query field q: must be 1 to 200 characters",
  }),
  chatId: id("chatId", "Only this chat (404 if the caller cannot see it)"),
  senderId: id("senderId", "Only messages from this user"),
  after: time("after", "Only messages created after this time (exclusive)"),
  before: time("before", "Only messages created before this time (exclusive)"),
  limit: t.Optional(
    t.Integer({
      minimum: 1,
      maximum: 100,
      default: 20,
      error: "query field limit: must be an integer from 1 to 100",
    }),
  ),
  cursor: t.Optional(
    t.String({
      maxLength: 40,
      description: "The `next` of the previous page",
      error: "query field cursor: must be the next of a previous answer",
    }),
  ),
});
export type SearchQuery = typeof SearchQuery.static;

export const SearchResult = t.Object({
  message: Message,
  snippet: t.String({
    description:
      "Up to about 200 characters of the content around its first match, each match between U+E000 and U+E001",
  }),
});
export type SearchResult = typeof SearchResult.static;

export const SearchAnswer = t.Object({
  results: t.Array(SearchResult),
  next: t.Union([t.String(), t.Null()], {
    description: "An opaque cursor for the next page, or null on the last",
  }),
});
export type SearchAnswer = typeof SearchAnswer.static;
