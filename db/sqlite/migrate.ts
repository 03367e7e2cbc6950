// Applies the embedded migrations in order, each once, each in its own transaction.
// The SQL is imported as text, so the compiled binary carries it and needs no migrations folder.
import type { Database } from "bun:sqlite";
import { indexText } from "../search.ts";
import type { Log } from "../store.ts";
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
import search from "./migrations/0008_search.sql" with { type: "text" };
import attention from "./migrations/0009_attention.sql" with { type: "text" };
import slackBridge from "./migrations/0010_slack_bridge.sql" with { type: "text" };
import unreadIndex from "./migrations/0011_unread_index.sql" with { type: "text" };
import eventsChatPartial from "./migrations/0012_events_chat_partial.sql" with { type: "text" };
import selfMentionsUncounted from "./migrations/0013_self_mentions_uncounted.sql" with {
  type: "text",
};
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
  "0008_search": search,
  "0009_attention": attention,
  "0010_slack_bridge": slackBridge,
  "0011_unread_index": unreadIndex,
  "0012_events_chat_partial": eventsChatPartial,
  "0013_self_mentions_uncounted": selfMentionsUncounted,
};

/** A step written in code that follows its migration's SQL, in the same transaction. */
const backfills: Record<string, (sqlite: Database, log: Log) => void> = {
  // Messages stored before search get their tokens, a batch at a time, with progress logged.
  "0008_search": (sqlite, log) => {
    const total = sqlite
      .query<{ n: number }, []>("select count(*) as n from messages where deleted = 0")
      .get()?.n;
    const page = sqlite.query<{ id: number; chat_id: number; content: string }, [number]>(
      "select id, chat_id, content from messages where id > ? and deleted = 0 order by id limit 5000",
    );
    const insert = sqlite.query("insert into message_search (rowid, text) values (?, ?)");
    let after = 0;
    let done = 0;
    for (let rows = page.all(after); rows.length > 0; rows = page.all(after)) {
      for (const row of rows) {
        const text = indexText(row.chat_id, row.content);
        if (text) insert.run(row.id, text);
      }
      after = (rows[rows.length - 1] as { id: number }).id;
      done += rows.length;
      if (done % 100_000 < rows.length) {
        log({ time: new Date().toISOString(), level: "info", msg: "search index", done, total });
      }
    }
  },
};

export const sqliteJournalTags = journal.entries.map((entry) => entry.tag);

/** For callers that give no log (tools, tests): one JSON line on stderr. */
const logToStderr: Log = (line) => console.error(JSON.stringify(line));

export function migrateSqlite(sqlite: Database, log: Log = logToStderr): string[] {
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
      backfills[tag]?.(sqlite, log);
      sqlite.run("insert into schema_migrations (tag, applied_at) values (?, ?)", [
        tag,
        Date.now(),
      ]);
    })();
    done.push(tag);
  }
  return done;
}
