// Applies the embedded PostgreSQL migrations in order, each once, all in one transaction under an
// advisory lock: instances starting together wait for the first, then find nothing left to do.
import type { Sql, TransactionSql } from "postgres";
import { indexText } from "../search.ts";
import type { Log } from "../store.ts";
import init from "./migrations/0000_init.sql" with { type: "text" };
import seedEventCounter from "./migrations/0001_seed_event_counter.sql" with { type: "text" };
import eventsUserPartial from "./migrations/0002_events_user_partial.sql" with { type: "text" };
import privateFiles from "./migrations/0003_private_files.sql" with { type: "text" };
import conversations from "./migrations/0004_conversations.sql" with { type: "text" };
import people from "./migrations/0005_people.sql" with { type: "text" };
import search from "./migrations/0006_search.sql" with { type: "text" };
import attention from "./migrations/0007_attention.sql" with { type: "text" };
import slackBridge from "./migrations/0008_slack_bridge.sql" with { type: "text" };
import unreadIndex from "./migrations/0009_unread_index.sql" with { type: "text" };
import eventsChatPartial from "./migrations/0010_events_chat_partial.sql" with { type: "text" };
import selfMentionsUncounted from "./migrations/0011_self_mentions_uncounted.sql" with {
  type: "text",
};
import journal from "./migrations/meta/_journal.json" with { type: "json" };

/** Every migration drizzle-kit generated, by tag. A test checks this list against the journal. */
export const postgresMigrations: Record<string, string> = {
  "0000_init": init,
  "0001_seed_event_counter": seedEventCounter,
  "0002_events_user_partial": eventsUserPartial,
  "0003_private_files": privateFiles,
  "0004_conversations": conversations,
  "0005_people": people,
  "0006_search": search,
  "0007_attention": attention,
  "0008_slack_bridge": slackBridge,
  "0009_unread_index": unreadIndex,
  "0010_events_chat_partial": eventsChatPartial,
  "0011_self_mentions_uncounted": selfMentionsUncounted,
};

type Tx = TransactionSql<Record<string, never>>;

/** A step written in code that follows its migration's SQL, in the same transaction. */
const backfills: Record<string, (tx: Tx, log: Log) => Promise<void>> = {
  "0006_search": (tx, log) => indexStoredMessages(tx, log),
};

/**
 * Messages stored before search (or copied in from SQLite) get their tokens, a batch at a
 * time, with progress logged every 100,000.
 */
export async function indexStoredMessages(tx: Tx, log: Log): Promise<void> {
  const [count] = await tx<{ n: number }[]>`
      select count(*)::int as n from messages where deleted = 0`;
  let after = 0;
  let done = 0;
  for (;;) {
    const rows = await tx<{ id: number; chat_id: number; content: string }[]>`
        select id, chat_id, content from messages where id > ${after} and deleted = 0
         order by id limit 5000`;
    if (rows.length === 0) break;
    const indexed = rows
      .map((row) => ({ id: row.id, text: indexText(row.chat_id, row.content) }))
      .filter((row) => row.text !== "");
    await tx`
        insert into message_search (message_id, tsv)
        select id, search_vector(text)
          from unnest(${indexed.map((row) => row.id)}::int8[], ${indexed.map((row) => row.text)}::text[])
            as i(id, text)`;
    after = (rows[rows.length - 1] as { id: number }).id;
    done += rows.length;
    if (done % 100_000 < rows.length) {
      log({
        time: new Date().toISOString(),
        level: "info",
        msg: "search index",
        done,
        total: count?.n,
      });
    }
  }
}

export const postgresJournalTags = journal.entries.map((entry) => entry.tag);

/** For callers that give no log (tools, tests): one JSON line on stderr. */
const logToStderr: Log = (line) => console.error(JSON.stringify(line));

export async function migratePostgres(sql: Sql, log: Log = logToStderr): Promise<string[]> {
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
      await backfills[tag]?.(tx, log);
      await tx`insert into schema_migrations (tag, applied_at) values (${tag}, ${Date.now()})`;
      done.push(tag);
    }
    return done;
  });
}
