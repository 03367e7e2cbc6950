// Applies the embedded PostgreSQL migrations in order, each once, all in one transaction under an
// advisory lock: instances starting together wait for the first, then find nothing left to do.
import type { Sql } from "postgres";
import init from "./migrations/0000_init.sql" with { type: "text" };
import seedEventCounter from "./migrations/0001_seed_event_counter.sql" with { type: "text" };
import eventsUserPartial from "./migrations/0002_events_user_partial.sql" with { type: "text" };
import privateFiles from "./migrations/0003_private_files.sql" with { type: "text" };
import conversations from "./migrations/0004_conversations.sql" with { type: "text" };
import people from "./migrations/0005_people.sql" with { type: "text" };
import readState from "./migrations/0006_read_state.sql" with { type: "text" };
import push from "./migrations/0007_push.sql" with { type: "text" };
import journal from "./migrations/meta/_journal.json" with { type: "json" };

/** Every migration drizzle-kit generated, by tag. A test checks this list against the journal. */
export const postgresMigrations: Record<string, string> = {
  "0000_init": init,
  "0001_seed_event_counter": seedEventCounter,
  "0002_events_user_partial": eventsUserPartial,
  "0003_private_files": privateFiles,
  "0004_conversations": conversations,
  "0005_people": people,
  "0006_read_state": readState,
  "0007_push": push,
};

export const postgresJournalTags = journal.entries.map((entry) => entry.tag);

export async function migratePostgres(sql: Sql): Promise<string[]> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('chat:migrate'))`;
    await tx`create table if not exists schema_migrations (tag text primary key, applied_at bigint not null)`;
    const rows = await tx<{ tag: string }[]>`select tag from schema_migrations`;
    const applied = new Set(rows.map((row) => row.tag));
    const done: string[] = [];
    for (const tag of postgresJournalTags) {
      if (applied.has(tag)) continue;
      const text = postgresMigrations[tag];
      if (text === undefined)
        throw new Error(`migration ${tag} is not embedded in db/postgres/migrate.ts`);
      for (const statement of text.split("--> statement-breakpoint")) {
        if (statement.trim()) await tx.unsafe(statement);
      }
      await tx`insert into schema_migrations (tag, applied_at) values (${tag}, ${Date.now()})`;
      done.push(tag);
    }
    return done;
  });
}
