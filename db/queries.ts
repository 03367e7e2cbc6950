// The SQL both dialects run, written once in the dialect both understand: numbered parameters
// (?1, ?2, …), double-quoted aliases for camelCase fields, integers rather than booleans, lists
// passed as JSON text and read with json_each. SQLite prepares these as they are; PostgreSQL
// after three translations (db/postgres/store.ts: ?N → $N, json_each → json_array_elements_text,
// instr → strpos). Ids read from text are cast as bigint: PostgreSQL's integer is 32 bits, and an
// id past it, from a client's list or a mention, must name nothing rather than fail.
// Each store prepares every statement once. What only one dialect can say stays in its store:
// taking ids (sqlite_sequence, nextval and the event counter), the group commit of sends.
import type { RowWrite } from "./plan.ts";
import { foldCase } from "./rows.ts";

export type Param = string | number | null;

/**
 * Whether chat `$chat` takes new messages: not an archived channel, nor a single chat with a
 * deactivated user (the contract's two exceptions for members). Part of each dialect's send
 * statement, so the hot path stays one statement; src/features/chats/access.ts
 * (requireWritable) says which rule refused a send.
 */
export const chatTakesMessages = (chat: string) => `not exists (
    select 1 from chats w where w.id = ${chat}
       and (w.archived = 1
            or (w.type = 'single' and exists (
                  select 1 from chat_members wm join users wu on wu.id = wm.user_id
                   where wm.chat_id = w.id and wm.until_event_id is null
                     and wu.deactivated = 1))))`;

/**
 * The messages user ?1 of workspace ?2 may find: not deleted, in a chat of the workspace that is
 * a public channel or one they are a member of now; narrowed by chat ?3, sender ?4, and
 * createdAt after ?5 and before ?6 (each null for "any"). The visible chats are the caller's
 * memberships and the workspace's public channels, each read from its own index: asking every
 * chat of the workspace whether the caller is in it cost more than the search itself.
 */
export const searchScope = (m: string) => `${m}.deleted = 0
       and (cast(?3 as int8) is null or ${m}.chat_id = cast(?3 as int8))
       and (cast(?4 as int8) is null or ${m}.sender_id = cast(?4 as int8))
       and (cast(?5 as int8) is null or ${m}.created_at > cast(?5 as int8))
       and (cast(?6 as int8) is null or ${m}.created_at < cast(?6 as int8))
       and ${m}.chat_id in (
         select cm.chat_id from chat_members cm join chats c on c.id = cm.chat_id
          where cm.user_id = ?1 and cm.until_event_id is null and c.workspace_id = ?2
         union all
         select c.id from chats c where c.workspace_id = ?2 and c.type = 'public_channel')`;

/**
 * A new message's Slack ts (src/features/integrations/slack-ids.ts), in microseconds: its time,
 * or just past the chat's latest ts when that is later, so ts grow with ids in every chat. Every
 * insert runs it under the write lock (SQLite's, or PostgreSQL's event counter).
 */
export const newTs = (chat: string, createdAt: string) => `(select case
       when coalesce(max(o.ts), 0) + 1 > cast(${createdAt} as int8) * 1000
       then coalesce(max(o.ts), 0) + 1 else cast(${createdAt} as int8) * 1000 end
     from messages o where o.chat_id = ${chat})`;

/**
 * newTs in JavaScript, from the chat's latest ts read just before: SQLite's group-committed
 * send takes it so, because an `insert … select` that reads its own table first copies its
 * result into a temporary table, which made every send four times slower.
 */
export const nextTs = (latest: number | null, createdAt: number): number =>
  Math.max((latest ?? 0) + 1, createdAt * 1000);

/** A webhook is revoked when its bot user is deactivated. */
const webhookColumns = `w.id, w.workspace_id as "workspaceId", w.chat_id as "chatId",
  w.user_id as "userId", w.created_by as "createdBy", w.name, w.created_at as "createdAt",
  1 - u.deactivated as active`;
/** The webhook's bot user, beside webhookColumns (its id and workspace are the webhook's). */
const webhookUserColumns = `u.fullname, u.email, u.created_at as "userCreatedAt", u.role,
  u.deactivated, u.bot, u.title, u.avatar_url as "avatarUrl", u.status, u.timezone`;
const slackImportColumns = `id, workspace_id as "workspaceId", created_by as "createdBy", status,
  progress, report, created_at as "createdAt", updated_at as "updatedAt"`;
const userColumns = `id, fullname, email, workspace_id as "workspaceId", created_at as "createdAt",
  role, deactivated, bot, title, avatar_url as "avatarUrl", status, timezone`;
const chatColumns = `c.id, c.workspace_id as "workspaceId", c.type, c.name, c.owner_id as "ownerId",
  c.last_message_id as "lastMessageId", c.created_at as "createdAt", c.archived`;
const workspaceColumns = `id, name, owner_id as "ownerId", created_at as "createdAt", settings`;
const eventColumns = `e.id, e.type, e.chat_id as "chatId", e.user_id as "userId",
  e.workspace_id as "workspaceId", e.data`;

/**
 * Whether something besides message `except` carries a file: another message, or someone in its
 * workspace has it as their avatar. With fileCarried, the one rule of what keeps a file.
 */
const carriedBesides = (except: string, workspace: string, hash: string) => `(
       exists (select 1 from message_files o
                where o.workspace_id = ${workspace} and o.hash = ${hash}
                  and o.message_id <> ${except})
       or exists (select 1 from users av
                   where av.workspace_id = ${workspace}
                     and av.avatar_url like '%/' || ${hash} || '.%'))`;

/**
 * Whether a stored file (alias f) is still carried, so its bytes stay: carried besides `except`,
 * or an upload made after `since` may still be sent (another user's upload not sent yet keeps it
 * for its 24 hours).
 */
const fileCarried = (except: string, since: string) => `(
       ${carriedBesides(except, "f.workspace_id", "f.hash")}
       or exists (select 1 from uploads u where u.file_id = f.id and u.created_at > ${since}))`;

/**
 * Member m's state in chat c, for user ?1. Each count walks only what lies above the marker, on
 * an index, and stops at 1,000 (as the contract allows): unread top-level messages on the
 * partial index messages_unread, which holds the sender too, so the count reads no table row
 * (none to look for when the chat's last top-level message is not above the marker: most
 * chats). Mentions by id read message_mentions_user alone: its rows are of messages not deleted
 * and not the caller's (plan.ts, countedMentions); <!channel> or <!here> that does not also name
 * the caller, on the partial index messages_mentions_all (rare), is added.
 */
const memberStateColumns = `m.chat_id as "chatId", m.last_read_message_id as "lastReadMessageId",
       m.notify,
       case when coalesce(c.last_message_id, 0) <= m.last_read_message_id then 0
            else (select count(*) from (
                    select 1 from messages x
                     where x.chat_id = m.chat_id and x.id > m.last_read_message_id
                       and x.thread_id is null and x.deleted = 0 and x.sender_id <> ?1
                     limit 1000) u) end as "unreadCount",
       (select case when t.count > 1000 then 1000 else t.count end from (select
          (select count(*) from (
             select 1 from message_mentions n
              where n.user_id = ?1 and n.chat_id = m.chat_id
                and n.message_id > m.last_read_message_id
              limit 1000) k)
          + (select count(*) from (
             select 1 from messages x
              where x.chat_id = m.chat_id and x.mentions_all = 1
                and x.id > m.last_read_message_id and x.deleted = 0 and x.sender_id <> ?1
                and not exists (select 1 from message_mentions n
                                 where n.user_id = ?1 and n.chat_id = m.chat_id
                                   and n.message_id = x.id)
              limit 1000) a) as count) t) as "mentionCount"`;

export const queries = {
  // Reads. The first five are hot: every request, every connect, every history read and replay.
  // The user, their token version, and whether the token's session (?2) is still open: one
  // primary-key lookup and one more, in one statement.
  account: `select ${userColumns}, token_version as "tokenVersion",
      case when exists (select 1 from sessions s where s.id = ?2 and s.user_id = ?1)
           then 1 else 0 end as "sessionOpen"
     from users where id = ?1`,
  chatAccess: `select c.id, c.workspace_id as "workspaceId", c.type, c.owner_id as "ownerId",
      c.archived,
      case when exists (select 1 from chat_members m
                         where m.chat_id = c.id and m.user_id = ?2 and m.until_event_id is null)
           then 1 else 0 end as "isMember",
      case when c.type = 'single' and exists (
             select 1 from chat_members m join users u on u.id = m.user_id
              where m.chat_id = c.id and m.until_event_id is null and u.deactivated = 1)
           then 1 else 0 end as "withDeactivated"
     from chats c where c.id = ?1`,
  chatIdsOf: `select chat_id as "chatId" from chat_members
     where user_id = ?1 and until_event_id is null`,
  // Top-level messages; a deleted one only while it still has replies (a tombstone).
  history: `select * from messages where chat_id = ?1 and id < ?2 and thread_id is null
       and (deleted = 0 or reply_count > 0)
     order by id desc limit ?3`,
  // The newer side of a page around a message (oldest first; the older side is history).
  historyAfter: `select * from messages where chat_id = ?1 and id > ?2 and thread_id is null
       and (deleted = 0 or reply_count > 0)
     order by id limit ?3`,
  // Search, SQLite's words (PostgreSQL's in db/postgres/store.ts): the index walked newest first,
  // each hit kept if it is in scope (searchScope).
  searchMessages: `select m.* from message_search s join messages m on m.id = s.rowid
     where message_search match ?7 and s.rowid < ?8 and ${searchScope("m")}
     order by s.rowid desc limit ?9`,
  // A user's own events, the chat events of every period the user was a member, and the events
  // of the user's workspace (each branch on its own index: events_user, events_chat,
  // events_workspace).
  eventsSince: `select ${eventColumns} from events e where e.user_id = ?1 and e.id > ?2
    union all
    select ${eventColumns} from chat_members m join events e on e.chat_id = m.chat_id
     where m.user_id = ?1 and e.user_id is null and e.id > ?2
       and e.id > m.since_event_id and (m.until_event_id is null or e.id < m.until_event_id)
    union all
    select ${eventColumns} from users u join events e on e.workspace_id = u.workspace_id
     where u.id = ?1 and e.workspace_id is not null and e.id > ?2
    order by 1 limit ?3`,
  eventsAfter: `select ${eventColumns} from events e where e.id > ?1 order by e.id limit ?2`,
  oldestEventId: "select min(id) as id from events",
  setting: "select value from settings where key = ?1",
  userByEmail: `select ${userColumns}, password_hash as "passwordHash", token_version as "tokenVersion"
     from users where email_key = ?1`,
  workspaceById: `select ${workspaceColumns} from workspaces where id = ?1`,
  workspaceByName: `select ${workspaceColumns} from workspaces where name_key = ?1`,
  usersOf: `select ${userColumns} from users where workspace_id = ?1 order by id`,
  countUsersIn: `select count(*) as count from users
     where workspace_id = ?1 and id in (select cast(value as bigint) from json_each(?2))
       and (?3 = 0 or deactivated = 0)`,
  invite: `select code, workspace_id as "workspaceId", created_by as "creatorId",
       expires_at as "expiresAt", max_uses as "maxUses", uses
     from invites where code = ?1`,
  invitesOf: `select code, workspace_id as "workspaceId", created_by as "creatorId",
       expires_at as "expiresAt", max_uses as "maxUses", uses
     from invites where workspace_id = ?1 and expires_at > ?2 order by created_at, code`,
  userById: `select ${userColumns} from users where id = ?1`,
  audit: `select id, created_at as "at", actor_id as "actorId", action, target_type as "targetType",
       target_id as "targetId", details
     from audit where workspace_id = ?1 and id < ?2 order by id desc limit ?3`,
  chatById: `select ${chatColumns} from chats c where c.id = ?1`,
  // Where a new member of the workspace is added: its public #general, unless archived.
  generalChannel: `select ${chatColumns} from chats c
     where c.workspace_id = ?1 and c.type = 'public_channel' and c.name_key = 'general'
       and c.archived = 0`,
  generalMembers: `select user_id as "userId" from chat_members
     where chat_id = (select c.id from chats c
                       where c.workspace_id = ?1 and c.type = 'public_channel'
                         and c.name_key = 'general' and c.archived = 0)
       and until_event_id is null order by id`,
  singleChat: `select ${chatColumns} from chats c where c.workspace_id = ?1 and c.pair_key = ?2`,
  chatsOf: `select ${chatColumns} from chat_members m join chats c on c.id = m.chat_id
     where m.user_id = ?1 and m.until_event_id is null
     order by c.activity_event_id desc, c.id desc`,
  // The chat list as GET /api/chat answers it: chatsOf with the caller's state in each row, so
  // the memberships are walked once, not once for the list and again for the states.
  chatsWithStateOf: `select ${chatColumns}, ${memberStateColumns}
     from chat_members m join chats c on c.id = m.chat_id
     where m.user_id = ?1 and m.until_event_id is null
     order by c.activity_event_id desc, c.id desc`,
  publicChannels: `select ${chatColumns} from chats c
     where c.workspace_id = ?1 and c.type = 'public_channel' and (?2 = 1 or c.archived = 0)
     order by c.name_key`,
  membersByJoinOrder: `select user_id as "userId" from chat_members
     where chat_id = ?1 and until_event_id is null order by id`,
  membersOfChats: `select chat_id as "chatId", user_id as "userId" from chat_members
     where chat_id in (select cast(value as bigint) from json_each(?1)) and until_event_id is null
     order by user_id`,
  file: "select f.ext, f.type, f.size from files f where f.workspace_id = ?1 and f.hash = ?2",
  fileKeys: `select f.hash, f.ext, f.type, f.size
     from files f where f.workspace_id = ?1 and f.hash in (select value from json_each(?2))`,
  fileId: "select id, ext, type from files where workspace_id = ?1 and hash = ?2",
  ping: "select 1 as one",
  replies: `select * from messages where thread_id = ?1 and id < ?2 and deleted = 0
     order by id desc limit ?3`,
  messageById: "select * from messages where id = ?1",
  messageByClientId: `select * from messages
     where chat_id = ?1 and sender_id = ?2 and client_id = ?3`,
  // The newest reply of a root still there once reply ?2 is deleted.
  lastReplyAt: `select max(created_at) as "at" from messages
     where thread_id = ?1 and deleted = 0 and id <> ?2`,
  pinCount: `select count(*) as count from messages where chat_id = ?1 and pin_event_id is not null`,
  pins: `select * from messages where chat_id = ?1 and pin_event_id is not null
     order by pin_event_id desc`,
  edits: `select content, replaced_at as "replacedAt" from message_edits
     where message_id = ?1 order by id`,
  existingUserIds: `select id from users
     where workspace_id = ?1 and id in (select cast(value as bigint) from json_each(?2))`,
  workspaceSettings: `select id, settings from workspaces where settings like '%"retentionDays":%'`,
  // Retention: the workspace's messages older than ?2 after id ?3, in id order (ids grow with
  // time, so a batch is where the previous one stopped).
  expiredMessages: `select m.* from messages m
     where m.id > ?3 and m.created_at < ?2
       and m.chat_id in (select c.id from chats c where c.workspace_id = ?1)
     order by m.id limit ?4`,
  // The replies of the roots in ?1 (JSON) that are newer than ?2, so kept.
  keptReplies: `select thread_id as "rootId", count(*) as total,
       sum(case when deleted = 0 then 1 else 0 end) as live,
       max(case when deleted = 0 then created_at end) as "lastAt"
     from messages
     where thread_id in (select cast(value as bigint) from json_each(?1)) and created_at >= ?2
     group by thread_id`,
  fileRemovals: `select workspace_id as "workspaceId", hash from file_removals limit ?1`,

  // Writes outside plans: one statement each, no events.
  keepSetting: "insert into settings (key, value) values (?1, ?2) on conflict do nothing",
  // Compare-and-set on a setting: changes it only from the value the caller read (leases).
  swapSetting: "update settings set value = ?3 where key = ?1 and value = ?2",
  dropSetting: "delete from settings where key = ?1 and value = ?2",
  changePassword: `update users set password_hash = ?2, token_version = token_version + 1
     where id = ?1 returning token_version as "tokenVersion"`,
  createInvite: `insert into invites (code, workspace_id, created_by, expires_at, created_at, max_uses)
     values (?1, ?2, ?3, ?4, ?5, ?6)`,
  // Counts a use only while the invite is valid and has uses left: two sign-ups racing for the
  // last use cannot both have it.
  useInvite: `update invites set uses = uses + 1
     where code = ?1 and workspace_id = ?2 and expires_at > ?3
       and (max_uses is null or uses < max_uses)`,
  deleteInvite: "delete from invites where code = ?1",
  insertSession:
    "insert into sessions (id, user_id, expires_at, created_at) values (?1, ?2, ?3, ?4)",
  deleteSession: "delete from sessions where id = ?1 and user_id = ?2",
  pruneSessions: "delete from sessions where expires_at < ?1",
  pruneResetCodes: "delete from reset_codes where expires_at < ?1",
  insertResetCode: `insert into reset_codes (id, user_id, expires_at, created_at)
     values (?1, ?2, ?3, ?4)`,
  consumeResetCode: `delete from reset_codes where id = ?1
     returning user_id as "userId", expires_at as "expiresAt"`,
  // Who may read a file, and by what name, in three steps that stop at the first that holds
  // (SqlStore.readableFile): its uploader, by their own latest name for it; a message that carries
  // it in a chat the user can read (a member's now, or a public channel), by its name there;
  // someone's avatar in the workspace (everyone there sees it), by its owner's name for it, if they
  // uploaded it. Files never leave their workspace; avatar URLs end in /{hash}.{ext}.
  ownUploadName: `select u.name from uploads u join files f on f.id = u.file_id
     where f.workspace_id = ?2 and f.hash = ?3 and u.uploaded_by = ?1
     order by u.id desc limit 1`,
  readableAttachment: `select msg.attachments, mf.position from message_files mf
       join messages msg on msg.id = mf.message_id
       join chats c on c.id = msg.chat_id
      where mf.workspace_id = ?2 and mf.hash = ?3
        and (c.type = 'public_channel'
             or exists (select 1 from chat_members m
                         where m.chat_id = c.id and m.user_id = ?1
                           and m.until_event_id is null))
      order by mf.message_id desc limit 1`,
  avatarFile: `select u.name from users av
       left join files f on f.workspace_id = av.workspace_id and f.hash = ?2
       left join uploads u on u.file_id = f.id and u.uploaded_by = av.id
      where av.workspace_id = ?1 and av.avatar_url like '%/' || ?2 || '.%'
      order by u.name is null, u.id desc limit 1`,
  insertMessageFile: `insert into message_files (message_id, position, workspace_id, hash)
     values (?1, ?2, ?3, ?4)`,
  insertTicket: `insert into tickets (id, user_id, token_version, session_id, expires_at)
     values (?1, ?2, ?3, ?4, ?5)`,
  consumeTicket: `delete from tickets where id = ?1
     returning id, user_id as "userId", token_version as "tokenVersion",
       session_id as "sessionId", expires_at as "expiresAt"`,
  pruneTickets: "delete from tickets where expires_at < ?1",
  insertFile: `insert into files (workspace_id, hash, ext, type, size, created_at)
     values (?1, ?2, ?3, ?4, ?5, ?6) on conflict do nothing`,
  insertUpload: `insert into uploads (file_id, name, uploaded_by, created_at)
     values (?1, ?2, ?3, ?4)`,
  pruneEvents: "delete from events where created_at < ?1",
  forgetFileRemoval: "delete from file_removals where workspace_id = ?1 and hash = ?2",
  // Ended memberships matter only to replays of events still kept.
  pruneMemberships: `delete from chat_members
     where until_event_id < coalesce((select min(id) from events), ${Number.MAX_SAFE_INTEGER})`,

  // The rows of plans (db/plan.ts), one statement per kind.
  appendEvent: `insert into events (id, type, chat_id, user_id, workspace_id, data, created_at)
     values (?1, ?2, ?3, ?4, ?5, ?6, ?7)`,
  // A new member has read up to the chat's last top-level message (issue #24).
  openMembership: `insert into chat_members (chat_id, user_id, since_event_id, joined_at,
       last_read_message_id)
     values (?1, ?2, ?3, ?4, coalesce((select last_message_id from chats where id = ?1), 0))`,
  closeMembership: `update chat_members set until_event_id = ?3
     where chat_id = ?1 and user_id = ?2 and until_event_id is null`,
  insertChat: `insert into chats (id, workspace_id, type, name, name_key, owner_id, pair_key,
       activity_event_id, created_at)
     values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
  updateChat: "update chats set name = ?2, name_key = ?3, owner_id = ?4 where id = ?1",
  deleteChat: "delete from chats where id = ?1",
  insertWorkspace: `insert into workspaces (id, name, name_key, owner_id, created_at)
     values (?1, ?2, ?3, ?4, ?5)`,
  setWorkspaceOwner: "update workspaces set owner_id = ?2 where id = ?1",
  insertMessage: `insert into messages (id, chat_id, sender_id, content, files, client_id,
       created_at, thread_id, mentions, mentions_all, attachments, ts)
     values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
             coalesce(cast(?12 as int8), ${newTs("?2", "?7")}))`,
  updateMessage: `update messages set content = ?2, files = ?3, attachments = ?4, edited_at = ?5,
       deleted = ?6, reactions = ?7, pin_event_id = ?8, mentions = ?9, mentions_all = ?10,
       reply_count = ?11, last_reply_at = ?12
     where id = ?1`,
  insertEdit: "insert into message_edits (message_id, content, replaced_at) values (?1, ?2, ?3)",
  clearEdits: "delete from message_edits where message_id = ?1",
  insertMention: "insert into message_mentions (message_id, user_id, chat_id) values (?1, ?2, ?3)",
  clearMentions: "delete from message_mentions where message_id = ?1",
  // The search index differs by dialect: PostgreSQL's words are in db/postgres/store.ts.
  indexMessage: "insert or replace into message_search (rowid, text) values (?1, ?2)",
  clearSearch: "delete from message_search where rowid = ?1",
  clearMessageFiles: "delete from message_files where message_id = ?1",
  // A deleted message's past events carry its tombstone instead of its text: a resume still
  // replays each once, in order, and ends on the same state. Every message's JSON starts with
  // its id. Scans the chat's events (on events_chat, which holds chat events only: message
  // events are chat events): deletes are rare.
  scrubMessageEvents: `update events set data = ?3
     where chat_id = ?1 and user_id is null and type in ('message.created', 'message.updated')
       and data like ?2`,
  // Retention removes the events of messages it removes: the ids in ?2, read from each event's
  // JSON, which starts with its message's id. One scan of the chat's events per batch.
  dropMessageEvents: `delete from events
     where chat_id = ?1 and user_id is null and type in ('message.created', 'message.updated')
       and cast(substr(data, 7, instr(data, ',') - 7) as bigint)
           in (select cast(value as bigint) from json_each(?2))`,
  removeMessage: "delete from messages where id = ?1",
  forgetLastMessage:
    "update chats set last_message_id = null where id = ?1 and last_message_id = ?2",
  // A deleted message's files: the sender's own uploads of those nothing else carries go,
  // then every file nothing carries any more is marked for removal, and its rows go.
  forgetSenderUploads: `delete from uploads where uploaded_by = ?2 and file_id in (
       select f.id from message_files mf
         join files f on f.workspace_id = mf.workspace_id and f.hash = mf.hash
        where mf.message_id = ?1
          and not ${carriedBesides("?1", "mf.workspace_id", "mf.hash")})`,
  markMessageFileRemovals: `insert into file_removals (workspace_id, hash)
     select distinct f.workspace_id, f.hash from message_files mf
       join files f on f.workspace_id = mf.workspace_id and f.hash = mf.hash
      where mf.message_id = ?1 and not ${fileCarried("?1", "?2")}
     on conflict do nothing`,
  markUnsentFileRemovals: `insert into file_removals (workspace_id, hash)
     select f.workspace_id, f.hash from files f where not ${fileCarried("0", "?1")}
     on conflict do nothing`,
  dropRemovedUploads: `delete from uploads where file_id in (
       select f.id from files f
         join file_removals r on r.workspace_id = f.workspace_id and r.hash = f.hash)`,
  dropRemovedFiles: `delete from files where exists (select 1 from file_removals r
       where r.workspace_id = files.workspace_id and r.hash = files.hash)`,
  insertUser: `insert into users (id, workspace_id, fullname, email, email_key, password_hash,
       created_at, role, bot)
     values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
  insertBotToken: "insert into bot_tokens (id, user_id, kind, created_at) values (?1, ?2, ?3, ?4)",
  deleteBotTokens: "delete from bot_tokens where user_id = ?1",
  deleteBotToken: "delete from bot_tokens where id = ?1 and user_id = ?2",
  bots: `select ${userColumns} from users u where workspace_id = ?1 and bot = 1
       and not exists (select 1 from webhooks w where w.user_id = u.id)
     order by id`,
  tokenAccount: `select ${userColumns}, token_version as "tokenVersion", 0 as "sessionOpen"
     from users where id = (select user_id from bot_tokens where id = ?1 and kind = ?2)`,
  messageTs: `select id, ts from messages where id in (select cast(value as bigint) from json_each(?1))`,
  messageByTs: "select * from messages where chat_id = ?1 and ts = ?2",
  appCursor: `select acked_event_id as "ackedEventId" from app_cursors where user_id = ?1`,
  // A cursor only moves forward: instances that deliver the same app never take it back.
  keepAppCursor: `insert into app_cursors (user_id, acked_event_id, updated_at) values (?1, ?2, ?3)
     on conflict (user_id) do update set
       acked_event_id = case when excluded.acked_event_id > app_cursors.acked_event_id
         then excluded.acked_event_id else app_cursors.acked_event_id end,
       updated_at = excluded.updated_at`,
  insertWebhook: `insert into webhooks (id, workspace_id, chat_id, user_id, created_by, name,
       secret_hash, created_at)
     values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`,
  webhooksOfChat: `select ${webhookColumns} from webhooks w join users u on u.id = w.user_id
     where w.chat_id = ?1 and u.deactivated = 0
     order by w.id`,
  webhookById: `select ${webhookColumns} from webhooks w join users u on u.id = w.user_id
     where w.id = ?1`,
  // A webhook whose chat was deleted opens nothing. Its bot user comes along: a post is one read.
  webhookBySecret: `select ${webhookColumns}, ${webhookUserColumns}
     from webhooks w join users u on u.id = w.user_id
     where w.secret_hash = ?1 and u.deactivated = 0
       and exists (select 1 from chats c where c.id = w.chat_id)`,
  // Slack export (issue #27): every chat of a workspace, and a chat's messages in id order.
  workspaceChats: `select ${chatColumns} from chats c where c.workspace_id = ?1 order by c.id`,
  chatMessagesAfter: `select * from messages where chat_id = ?1 and id > ?2 and deleted = 0
     order by id limit ?3`,
  // Slack import (issue #27).
  slackIdsOf: `select slack_id as "slackId", target_id as "targetId" from slack_ids
     where workspace_id = ?1 and kind = ?2`,
  insertSlackId: `insert into slack_ids (workspace_id, kind, slack_id, target_id)
     values (?1, ?2, ?3, ?4) on conflict do nothing`,
  insertSlackImport: `insert into slack_imports (created_by, status, progress, created_at, updated_at)
     values (?1, 'running', ?2, ?3, ?3) returning id`,
  updateSlackImport: `update slack_imports set workspace_id = coalesce(?2, workspace_id), status = ?3,
       progress = ?4, report = coalesce(?5, report), updated_at = ?6
     where id = ?1`,
  slackImportById: `select ${slackImportColumns} from slack_imports where id = ?1`,
  slackImportsOf: `select ${slackImportColumns} from slack_imports where workspace_id = ?1
     order by id desc`,
  // A root's reply count and newest reply, counted once after the import wrote its replies.
  settleRoots: `update messages set
       reply_count = (select count(*) from messages r where r.thread_id = messages.id and r.deleted = 0),
       last_reply_at = (select max(r.created_at) from messages r
                         where r.thread_id = messages.id and r.deleted = 0)
     where chat_id = ?1 and thread_id is null
       and id in (select thread_id from messages where chat_id = ?1 and thread_id is not null)`,
  settleLastMessage: `update chats set last_message_id = (select max(id) from messages
       where chat_id = ?1 and thread_id is null and deleted = 0)
     where id = ?1`,
  // Imported history is read history: members start at its end, not with years of unread.
  settleMarkers: `update chat_members
     set last_read_message_id = (select coalesce(last_message_id, 0) from chats where id = ?1)
     where chat_id = ?1 and until_event_id is null
       and last_read_message_id < (select coalesce(last_message_id, 0) from chats where id = ?1)`,
  updateUser: `update users set fullname = ?2, title = ?3, avatar_url = ?4, status = ?5,
       timezone = ?6, role = ?7, deactivated = ?8
     where id = ?1`,
  deleteSessionsOf: "delete from sessions where user_id = ?1",
  // Ends the tokens that carry no session id too (issued before sessions existed), and tickets.
  bumpTokenVersion: "update users set token_version = token_version + 1 where id = ?1",
  updateWorkspace: "update workspaces set name = ?2, name_key = ?3, settings = ?4 where id = ?1",
  archiveChat: "update chats set archived = ?2 where id = ?1",
  appendAudit: `insert into audit (workspace_id, actor_id, action, target_type, target_id, details,
       created_at)
     values (?1, ?2, ?3, ?4, ?5, ?6, ?7)`,

  // Read state (issue #24). A member's marker, for the read's plan.
  marker: `select last_read_message_id as "lastRead" from chat_members
     where chat_id = ?1 and user_id = ?2 and until_event_id is null`,
  // Moves only forward, also when two reads race.
  moveMarker: `update chat_members set last_read_message_id = ?3
     where chat_id = ?1 and user_id = ?2 and until_event_id is null
       and last_read_message_id < ?3`,
  setNotify: `update chat_members set notify = ?3
     where chat_id = ?1 and user_id = ?2 and until_event_id is null`,
  // The caller's state in the chats of ?2 (JSON ids; null: all) they are a member of.
  chatStates: `select ${memberStateColumns}
     from chat_members m join chats c on c.id = m.chat_id
     where m.user_id = ?1 and m.until_event_id is null
       and (cast(?2 as text) is null
            or m.chat_id in (select cast(value as bigint) from json_each(?2)))`,

  // Web Push (issue #24). An endpoint moves to whoever subscribes it last.
  addPushSubscription: `insert into push_subscriptions (user_id, endpoint, p256dh, auth, created_at)
     values (?1, ?2, ?3, ?4, ?5)
     on conflict (endpoint) do update set user_id = ?1, p256dh = ?3, auth = ?4, created_at = ?5`,
  // Keeps the user's ?2 newest subscriptions.
  trimPushSubscriptions: `delete from push_subscriptions where user_id = ?1 and id not in (
       select id from push_subscriptions where user_id = ?1
        order by created_at desc, id desc limit ?2)`,
  removePushSubscription: "delete from push_subscriptions where user_id = ?1 and endpoint = ?2",
  dropPushSubscription: "delete from push_subscriptions where id = ?1",
  anyPushSubscription: `select case when exists (select 1 from push_subscriptions)
       then 1 else 0 end as "found"`,
  // Push decisions (issue #24), taken from the event log behind a cursor kept in `settings`:
  // the new messages as their message.created events carry them, up to the latest event ?2.
  newMessageEvents: `select id, data from events
     where id > ?1 and id <= ?2 and type = 'message.created' order by id limit ?3`,
  // Members of the chats ?1 (a JSON list) who could be pushed to: active, with a subscription.
  pushCandidates: `select m.chat_id as "chatId", m.user_id as "userId", m.notify, c.type, c.name,
       c.workspace_id as "workspaceId"
     from chat_members m join users u on u.id = m.user_id join chats c on c.id = m.chat_id
     where m.chat_id in (select cast(value as bigint) from json_each(?1))
       and m.until_event_id is null and u.deactivated = 0
       and exists (select 1 from push_subscriptions s where s.user_id = m.user_id)`,
  // Who started or replied in the threads ?1, each from their first message's id on.
  threadParticipants: `select root as "rootId", sender_id as "userId", min(id) as "since" from (
       select id as root, id, sender_id from messages
        where id in (select cast(value as bigint) from json_each(?1))
       union all
       select thread_id, id, sender_id from messages
        where thread_id in (select cast(value as bigint) from json_each(?1))) t
     group by root, sender_id`,
  userNames: `select id, fullname from users
     where id in (select cast(value as bigint) from json_each(?1))`,
  // Moves only from where the mover read it: of two instances deciding the same messages, one
  // moves it, and the other's transaction queues nothing.
  movePushCursor: "update settings set value = ?2 where key = 'push.cursor' and value = ?1",
  queuePushes: `insert into push_queue (subscription_id, payload, due_at)
     select id, ?2, ?3 from push_subscriptions
      where user_id in (select cast(value as bigint) from json_each(?1))`,
  // One sender takes each due row for a while; a claim past the limit of attempts drops it.
  claimPushes: `update push_queue set lease_until = ?2, attempts = attempts + 1
     where id in (select id from push_queue where due_at <= ?1 and lease_until <= ?1
                   order by due_at limit ?3)
     returning id`,
  pushJobs: `select q.id, q.payload, q.attempts, s.id as "subscriptionId", s.endpoint, s.p256dh,
       s.auth
     from push_queue q join push_subscriptions s on s.id = q.subscription_id
     where q.id in (select cast(value as bigint) from json_each(?1))`,
  finishPush: "delete from push_queue where id = ?1",
  retryPush: "update push_queue set due_at = ?2, lease_until = 0 where id = ?1",
} as const;

export type Query = keyof typeof queries;

const fold = (text: string | null) => (text === null ? null : foldCase(text));

/** The statement that writes one row of a plan, and its parameters. */
export function statementOf(row: RowWrite): [Query, Param[]] {
  switch (row.kind) {
    case "event.append":
      return [
        "appendEvent",
        [row.id, row.type, row.chatId, row.userId, row.workspaceId, row.data, row.createdAt],
      ];
    case "member.open":
      return ["openMembership", [row.chatId, row.userId, row.sinceEventId, row.at]];
    case "member.close":
      return ["closeMembership", [row.chatId, row.userId, row.untilEventId]];
    case "chat.insert": {
      const { id, workspaceId, type, name, ownerId, createdAt } = row.row;
      return [
        "insertChat",
        [
          id,
          workspaceId,
          type,
          name,
          row.nameKey,
          ownerId,
          row.pairKey,
          row.activityEventId,
          createdAt,
        ],
      ];
    }
    case "chat.update":
      return ["updateChat", [row.id, row.name, fold(row.name), row.ownerId]];
    case "chat.delete":
      return ["deleteChat", [row.id]];
    case "workspace.insert": {
      const { id, name, ownerId, createdAt } = row.row;
      return ["insertWorkspace", [id, name, fold(name), ownerId, createdAt]];
    }
    case "workspace.owner":
      return ["setWorkspaceOwner", [row.id, row.ownerId]];
    case "message.insert": {
      const m = row.row;
      return [
        "insertMessage",
        [
          m.id,
          m.chat_id,
          m.sender_id,
          m.content,
          m.files,
          m.client_id,
          m.created_at,
          m.thread_id,
          m.mentions,
          m.mentions_all,
          m.attachments,
          m.ts ?? null,
        ],
      ];
    }
    case "message.update": {
      const m = row.row;
      return [
        "updateMessage",
        [
          m.id,
          m.content,
          m.files,
          m.attachments,
          m.edited_at,
          m.deleted,
          m.reactions,
          m.pin_event_id,
          m.mentions,
          m.mentions_all,
          m.reply_count,
          m.last_reply_at,
        ],
      ];
    }
    case "message.file":
      return ["insertMessageFile", [row.messageId, row.position, row.workspaceId, row.hash]];
    case "mention.insert":
      return ["insertMention", [row.messageId, row.userId, row.chatId]];
    case "edit.insert":
      return ["insertEdit", [row.messageId, row.content, row.replacedAt]];
    case "message.erase":
      return [row.what, [row.messageId]];
    case "search.index":
      return ["indexMessage", [row.messageId, row.text]];
    case "files.release":
      return [
        row.step,
        row.step === "forgetSenderUploads"
          ? [row.messageId, row.senderId]
          : row.step === "markMessageFileRemovals"
            ? [row.messageId, row.since]
            : [],
      ];
    case "events.scrub":
      return ["scrubMessageEvents", [row.chatId, `{"id":${row.messageId},%`, row.data]];
    case "events.drop":
      return ["dropMessageEvents", [row.chatId, row.messageIds]];
    case "message.remove":
      return ["removeMessage", [row.messageId]];
    case "chat.lastMessage.forget":
      return ["forgetLastMessage", [row.chatId, row.messageId]];
    case "files.collect":
      return ["markUnsentFileRemovals", [row.before]];
    case "user.insert": {
      const { id, workspaceId, fullname, email, createdAt } = row.row;
      // A bot has no email; a key no email folds to keeps the unique index.
      const key = row.bot ? `bot:${id}` : fold(email);
      return [
        "insertUser",
        [
          id,
          workspaceId,
          fullname,
          email,
          key,
          row.passwordHash,
          createdAt,
          row.role,
          row.bot ? 1 : 0,
        ],
      ];
    }
    case "bot.token.insert":
      return ["insertBotToken", [row.id, row.userId, row.tokenKind, row.at]];
    case "bot.tokens.delete":
      return ["deleteBotTokens", [row.userId]];
    case "webhook.insert": {
      const { id, workspaceId, chatId, userId, createdBy, name, createdAt } = row.row;
      return [
        "insertWebhook",
        [id, workspaceId, chatId, userId, createdBy, name, row.secretHash, createdAt],
      ];
    }
    case "user.update": {
      const { id, fullname, title, avatarUrl, status, timezone, role, deactivated } = row.row;
      return ["updateUser", [id, fullname, title, avatarUrl, status, timezone, role, deactivated]];
    }
    case "user.sessions.end":
      return ["deleteSessionsOf", [row.userId]];
    case "user.tokens.end":
      return ["bumpTokenVersion", [row.userId]];
    case "workspace.update":
      return ["updateWorkspace", [row.id, row.name, fold(row.name), row.settings]];
    case "chat.archive":
      return ["archiveChat", [row.id, row.archived ? 1 : 0]];
    case "member.read":
      return ["moveMarker", [row.chatId, row.userId, row.messageId]];
    case "audit.append":
      return [
        "appendAudit",
        [
          row.workspaceId,
          row.actorId,
          row.action,
          row.targetType,
          row.targetId,
          row.details,
          row.at,
        ],
      ];
  }
}
