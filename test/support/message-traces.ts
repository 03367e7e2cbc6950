// Every place the database keeps a message's text or id, in one list: the tests that prove a
// message erased for good (retention) check each. A table that starts holding message text or
// ids (a search index, read markers) joins here, and every such test checks it at once.
import { onPostgres } from "./postgres.ts";

export type Trace = { table: string; where: string; params: (id: number) => unknown[] };

export const messageTraces: Trace[] = [
  { table: "messages", where: "id = ? or thread_id = ?", params: (id) => [id, id] },
  { table: "message_edits", where: "message_id = ?", params: (id) => [id] },
  { table: "message_mentions", where: "message_id = ?", params: (id) => [id] },
  { table: "message_files", where: "message_id = ?", params: (id) => [id] },
  {
    table: "events",
    where: "type in ('message.created', 'message.updated') and data like ?",
    params: (id) => [`{"id":${id},%`],
  },
  { table: "chats", where: "last_message_id = ?", params: (id) => [id] },
  // The search index: SQLite's FTS5 table keys a message by rowid, PostgreSQL's by message_id.
  {
    table: "message_search",
    where: onPostgres ? "message_id = ?" : "rowid = ?",
    params: (id) => [id],
  },
];
