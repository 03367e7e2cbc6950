-- The search index (docs/adr/0010-search.md): each message's tokens as db/search.ts makes them,
-- taken as written into a tsvector (no parser, no dictionary), under a GIN index. Filled for
-- existing messages by the backfill in db/postgres/migrate.ts, in the same transaction.
create table message_search (
  message_id bigint primary key references messages (id) on delete cascade,
  tsv tsvector not null
);
--> statement-breakpoint
create index message_search_tsv on message_search using gin (tsv);
--> statement-breakpoint
-- The tokens (space-separated, letters, numbers and marks only) as a tsvector, each at its
-- position: no parser or dictionary between, so both stores index the same tokens.
create function search_vector(tokens text) returns tsvector language sql immutable parallel safe as $$
  select coalesce(string_agg('''' || token || ''':' || least(position, 16383), ' '), '')::tsvector
    from unnest(string_to_array(tokens, ' ')) with ordinality as t(token, position)
$$;
