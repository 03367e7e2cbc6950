// Writing a workspace as a Slack export (API.md § Integrations, "Slack export"), so that nobody
// is locked in: the format slack-export.ts reads, with our ids as Slack ids (U42, C7, D9, B42)
// and our Markdown as Slack's mrkdwn. A chat's messages are read a page at a time and written a
// day at a time, so the memory held is one day of one chat whatever the workspace's size.
import type { Store } from "../../../db/store.ts";
import type { User } from "../accounts/model.ts";
import type { Chat } from "../chats/model.ts";
import { parseFileUrl } from "../files/model.ts";
import type { FileStorage } from "../files/storage.ts";
import type { Message } from "../messages/model.ts";
import {
  dayOfTs,
  type SlackChannel,
  type SlackFile,
  type SlackMessage,
  type SlackUser,
  ZipWriter,
} from "./slack-export.ts";
import { chatSlackId, formatTs, slackId } from "./slack-ids.ts";
import { markdownToSlack } from "./slack-text.ts";

export type ExportDeps = { db: Store; files: FileStorage };
export type ExportInput = { workspaceId: number; path: string; files: boolean };
export type ExportCounts = { users: number; chats: number; messages: number; files: number };

const pageSize = 1000;

/** A Slack user name: the email's local part, else the name, in Slack's letters. */
const handleOf = (user: User): string =>
  ((user.email ?? "").split("@")[0] || user.fullname)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, ".")
    .slice(0, 80) || `user${user.id}`;

export function toSlackUser(user: User, teamId: string): SlackUser {
  return {
    id: slackId("U", user.id),
    team_id: teamId,
    name: handleOf(user),
    deleted: user.deactivated,
    real_name: user.fullname,
    tz: user.timezone,
    is_admin: user.role !== "member",
    is_owner: user.role === "owner",
    is_primary_owner: user.role === "owner",
    is_bot: user.bot,
    is_app_user: false,
    profile: {
      title: user.title,
      real_name: user.fullname,
      display_name: handleOf(user),
      ...(user.email ? { email: user.email } : {}),
      ...(user.bot ? { bot_id: slackId("B", user.id) } : {}),
    },
  };
}

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

function toSlackChannel(chat: Chat, users: Map<number, User>): SlackChannel {
  const members = chat.members.map((id) => slackId("U", id));
  const base = { id: chatSlackId(chat), created: seconds(chat.createdAt), members };
  if (chat.type === "single") return base;
  const name =
    chat.name ??
    `mpdm-${chat.members.map((id) => (users.get(id) ? handleOf(users.get(id) as User) : `u${id}`)).join("--")}-1`;
  return {
    ...base,
    name,
    creator: slackId("U", chat.ownerId),
    is_archived: chat.archived,
    is_general: chat.type === "public_channel" && name === "general",
    topic: { value: "", creator: "", last_set: 0 },
    purpose: { value: "", creator: "", last_set: 0 },
  };
}

/** A Slack file id for our file: its hash, in Slack's letters. */
const fileId = (hash: string) => `F${hash.slice(0, 16).toUpperCase()}`;

/** Writes the workspace's export to `input.path`. */
export async function exportSlack(deps: ExportDeps, input: ExportInput): Promise<ExportCounts> {
  const { db } = deps;
  const zip = new ZipWriter(input.path);
  const teamId = slackId("T", input.workspaceId);
  const users = await db.listUsers(input.workspaceId);
  const byId = new Map(users.map((user) => [user.id, user]));
  const counts: ExportCounts = { users: users.length, chats: 0, messages: 0, files: 0 };
  await zip.add(
    "users.json",
    JSON.stringify(
      users.map((user) => toSlackUser(user, teamId)),
      null,
      4,
    ),
  );
  const chats = await db.listWorkspaceChats(input.workspaceId);
  counts.chats = chats.length;
  const lists: Record<string, SlackChannel[]> = {
    "channels.json": [],
    "groups.json": [],
    "dms.json": [],
    "mpims.json": [],
  };
  const listOf = {
    public_channel: "channels.json",
    private_channel: "groups.json",
    single: "dms.json",
    group: "mpims.json",
  } as const;
  const folders = new Map<number, string>();
  for (const chat of chats) {
    const slack = toSlackChannel(chat, byId);
    lists[listOf[chat.type]]?.push(slack);
    folders.set(chat.id, slack.name ?? slack.id);
  }
  for (const [name, list] of Object.entries(lists))
    await zip.add(name, JSON.stringify(list, null, 4));
  const written = new Set<string>();
  for (const chat of chats) {
    const channel = chatSlackId(chat);
    // Roots come before their replies in id order: their ts is known when a reply needs it.
    const rootTs = new Map<number, string>();
    let day: string | undefined;
    let messages: SlackMessage[] = [];
    const flush = async () => {
      if (day && messages.length > 0)
        await zip.add(`${folders.get(chat.id)}/${day}.json`, JSON.stringify(messages, null, 4));
      messages = [];
    };
    for (let after = 0; ; ) {
      const page = await db.listChatMessagesAfter(chat.id, after, pageSize);
      for (const message of page) {
        const ts = formatTs(message.ts);
        if (message.threadId === null && message.replyCount > 0) rootTs.set(message.id, ts);
        const slack = toSlackMessage(message, ts, channel, byId, rootTs);
        for (const file of message.attachments) {
          const key = parseFileUrl(file.url);
          if (!input.files || !key || written.has(key.hash)) continue;
          const path = await deps.files.pathForRead(key.workspaceId, key.hash);
          if (!path) continue;
          written.add(key.hash);
          await zip.addStream(
            `__uploads/${fileId(key.hash)}/${file.name.replace(/[/\\]/g, "_")}`,
            Bun.file(path).stream(),
          );
          counts.files++;
        }
        const messageDay = dayOfTs(ts);
        if (messageDay !== day) {
          await flush();
          day = messageDay;
        }
        messages.push(slack);
        counts.messages++;
      }
      if (page.length < pageSize) break;
      after = (page.at(-1) as Message).id;
    }
    await flush();
  }
  await zip.close();
  return counts;
}

function toSlackMessage(
  message: Message & { ts: number },
  ts: string,
  channel: string,
  users: Map<number, User>,
  rootTs: Map<number, string>,
): SlackMessage {
  const sender = users.get(message.senderId);
  const slack: SlackMessage = {
    type: "message",
    ...(sender?.bot
      ? {
          subtype: "bot_message",
          bot_id: slackId("B", message.senderId),
          username: sender.fullname,
        }
      : {}),
    user: slackId("U", message.senderId),
    text: markdownToSlack(message.content),
    ts,
  };
  if (message.threadId !== null) {
    const root = rootTs.get(message.threadId);
    if (root) slack.thread_ts = root;
  } else if (message.replyCount > 0) {
    slack.thread_ts = ts;
    slack.reply_count = message.replyCount;
  }
  if (message.editedAt)
    slack.edited = { user: slack.user, ts: formatTs(Date.parse(message.editedAt) * 1000) };
  if (message.reactions.length > 0)
    slack.reactions = message.reactions.map((reaction) => ({
      name: reaction.emoji,
      users: reaction.userIds.map((id) => slackId("U", id)),
      count: reaction.userIds.length,
    }));
  if (message.pinned) slack.pinned_to = [channel];
  if (message.attachments.length > 0) {
    slack.subtype ??= "file_share";
    slack.files = message.attachments.map((file): SlackFile => {
      const key = parseFileUrl(file.url);
      return {
        id: key ? fileId(key.hash) : file.url,
        name: file.name,
        title: file.name,
        mimetype: file.type,
        size: file.size,
        url_private: file.url,
      };
    });
  }
  return slack;
}
