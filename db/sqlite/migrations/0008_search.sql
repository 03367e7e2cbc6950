-- The search index (docs/adr/0010-search.md): a contentless FTS5 table keyed by message id,
-- holding each message's tokens as db/search.ts makes them. Filled for existing messages by
-- the backfill in db/sqlite/migrate.ts, in the same transaction.
create virtual table message_search using fts5(
  text,
  content = '',
  contentless_delete = 1,
  tokenize = "unicode61 remove_diacritics 0 categories 'L* N* Co M*'",
  prefix = '2 3'
);
