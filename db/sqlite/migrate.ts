// Applies the embedded migrations in order, each once, each in its own transaction.
// The SQL is imported as text, so the compiled binary carries it and needs no migrations folder.
import type { Database } from "bun:sqlite";
import init from "./migrations/0000_init.sql" with { type: "text" };
import files from "./migrations/0001_files.sql" with { type: "text" };
import membershipOutlivesChat from "./migrations/0002_membership_outlives_chat.sql" with {
  type: "text",
};
import tokenVersion from "./migrations/0003_token_version.sql" with { type: "text" };
import eventsUserPartial from "./migrations/0004_events_user_partial.sql" with { type: "text" };
import privateFiles from "./migrations/0005_private_files.sql" with { type: "text" };
import conversations from "./migrations/0006_conversations.sql" with { type: "text" };
import people from "./migrations/0007_people.sql" with { type: "text" };
import readState from "./migrations/0008_read_state.sql" with { type: "text" };
import push from "./migrations/0009_push.sql" with { type: "text" };
import journal from "./migrations/meta/_journal.json" with { type: "json" };

/** Every migration drizzle-kit generated, by tag. A test checks this list against the journal. */
export const sqliteMigrations: Record<string, string> = {
  "0000_init": init,
  "0001_files": files,
  "0002_membership_outlives_chat": membershipOutlivesChat,
  "0003_token_version": tokenVersion,
  "0004_events_user_partial": eventsUserPartial,
  "0005_private_files": privateFiles,
  "0006_conversations": conversations,
  "0007_people": people,
  "0008_read_state": readState,
  "0009_push": push,
};

export const sqliteJournalTags = journal.entries.map((entry) => entry.tag);

export function migrateSqlite(sqlite: Database): string[] {
  sqlite.run(
    "create table if not exists schema_migrations (tag text primary key, applied_at integer not null)",
  );
  const applied = new Set(
    sqlite
      .query<{ tag: string }, []>("select tag from schema_migrations")
      .all()
      .map((row) => row.tag),
  );
  const done: string[] = [];
  for (const tag of sqliteJournalTags) {
    if (applied.has(tag)) continue;
    const text = sqliteMigrations[tag];
    if (text === undefined) throw new Error(`migration ${tag} is not embedded in db/migrate.ts`);
    sqlite.transaction(() => {
      for (const statement of text.split("--> statement-breakpoint")) {
        if (statement.trim()) sqlite.run(statement);
      }
      sqlite.run("insert into schema_migrations (tag, applied_at) values (?, ?)", [
        tag,
        Date.now(),
      ]);
    })();
    done.push(tag);
  }
  return done;
}
