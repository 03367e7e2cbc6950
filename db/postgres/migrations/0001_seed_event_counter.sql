-- The counter's one row: event ids start after 0, as SQLite's do.
INSERT INTO "event_counter" ("id", "last") VALUES (1, 0) ON CONFLICT DO NOTHING;
