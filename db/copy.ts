// `chat migrate-to-postgres`: copies an embedded SQLite database, whole, into an empty PostgreSQL
// database, in one transaction: every row with its id, the event counter and the id sequences
// moved past the copied rows, so clients resume with the event ids they already hold.
import { indexStoredMessages } from "./postgres/migrate.ts";
import type { PostgresStore } from "./postgres/store.ts";
import type { SqliteStore } from "./sqlite/store.ts";

/** In foreign-key order: every row refers only to tables copied before it. */
const tables = [
  "workspaces",
  "users",
  "invites",
  "chats",
  "chat_members",
  "messages",
  "events",
  "settings",
  "files",
  "uploads",
  "message_files",
  "message_edits",
  "message_mentions",
  "file_removals",
  // Signed-in sessions move too: a token's session must still be open after the move.
  "sessions",
  "reset_codes",
  "audit",
  "push_subscriptions",
  "push_queue",
  "bot_tokens",
  "webhooks",
  "app_cursors",
  "slack_imports",
  "slack_ids",
] as const;

/** Tables whose ids PostgreSQL hands out (identity columns), to move past the copied ids. */
const identityTables = [
  "workspaces",
  "users",
  "chats",
  "chat_members",
  "messages",
  "files",
  "uploads",
  "message_edits",
  "audit",
  "push_subscriptions",
  "push_queue",
  "webhooks",
  "slack_imports",
] as const;

const pageSize = 1000;

export type CopyReport = Record<(typeof tables)[number], number> & { lastEventId: number };

export async function copySqliteToPostgres(
  source: SqliteStore,
  target: PostgresStore,
  progress: (table: string, rows: number) => void = () => {},
): Promise<CopyReport> {
  const counts = {} as CopyReport;
  // One read transaction: the copy is a snapshot even if a server is still writing.
  source.sqlite.run("begin");
  try {
    await target.sql.begin(async (tx) => {
      const [existing] = await tx<{ count: number }[]>`select count(*)::int as count from users`;
      if ((existing?.count ?? 0) > 0) {
        throw new Error("the PostgreSQL database already holds users: copy into an empty one");
      }
      for (const table of tables) {
        let copied = 0;
        for (const rows of pages(source, table)) {
          await tx`insert into ${tx(table)} ${tx(rows)}`;
          copied += rows.length;
          progress(table, copied);
        }
        counts[table] = copied;
      }
      for (const table of identityTables) {
        await tx.unsafe(
          `select setval(pg_get_serial_sequence('${table}', 'id'), coalesce((select max(id) from ${table}), 0) + 1, false)`,
        );
      }
      // The search index is made anew from the copied messages: its tokens are the same.
      await indexStoredMessages(tx, (line) => progress("message_search", line.done as number));
      counts.lastEventId = await source.latestEventId();
      await tx`update event_counter set last = ${counts.lastEventId} where id = 1`;
    });
  } finally {
    source.sqlite.run("rollback");
  }
  return counts;
}

/** The column each table is paged by: its primary key, or the rowid where the key has two columns. */
const primaryKey = (table: (typeof tables)[number]) => {
  if (table === "settings") return "key";
  if (table === "invites") return "code";
  if (table === "app_cursors") return "user_id";
  if (["message_files", "message_mentions", "file_removals", "slack_ids"].includes(table)) {
    return "rowid";
  }
  return "id";
};

/**
 * A table's rows in primary-key order, a page at a time. The first page has no lower bound: any
 * starting value is of some type, and a key of another type may sort before it (0 against a text
 * column is compared as the text '0', which skipped session ids starting with '-').
 */
function* pages(source: SqliteStore, table: (typeof tables)[number]) {
  const key = primaryKey(table);
  const columns = `select ${key} as "pageKey", * from ${table}`;
  const first = source.sqlite.query<Record<string, unknown>, [number]>(
    `${columns} order by ${key} limit ?`,
  );
  const next = source.sqlite.query<Record<string, unknown>, [number | string, number]>(
    `${columns} where ${key} > ? order by ${key} limit ?`,
  );
  let rows = first.all(pageSize);
  while (rows.length > 0) {
    yield rows.map(({ pageKey: _, ...row }) => row);
    rows = next.all(rows.at(-1)?.pageKey as number | string, pageSize);
  }
}
