// Our users, chats and messages as Slack's Web API shapes them (the SDK's response types in
// @slack/web-api/dist/types/response), with Slack's ids and ts (slack-ids.ts) and text in Slack's
// mrkdwn (slack-text.ts). Pure functions: what they need is looked up first, by slack-api.ts.
import type { User } from "../accounts/model.ts";
import type { Chat } from "../chats/model.ts";
import type { FileInfo } from "../files/model.ts";
import type { Message } from "../messages/model.ts";
import { chatSlackId, formatTs, slackId } from "./slack-ids.ts";
import { markdownToSlack } from "./slack-text.ts";

type Json = Record<string, unknown>;

/** What shaping a page of messages needs, looked up once for the page. */
export type Shaping = {
  teamId: string;
  /** The server's address, for absolute file URLs and permalinks. */
  origin: string;
  /** The workspace's users, for bots and names; a user missing here is shaped as a person. */
  users: Map<number, User>;
  /** Each message's ts (microseconds), roots of the page's replies included. */
  ts: Map<number, number>;
  /** The Slack id of each chat a message of the page is in (`C…` or `D…`). */
  channels: Map<number, string>;
  /** The newest replies of each root on the page that has some. */
  replies: Map<number, { latest: number; users: number[] }>;
};

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
/** A time as a ts string, for what Slack times that way (`edited.ts`). */
export const timeTs = (iso: string) => formatTs(Date.parse(iso) * 1000);

/** A person's handle, as Slack's `name` is one: lower case, no spaces. */
export const handleOf = (fullname: string) =>
  fullname
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ".")
    .replace(/[^\p{L}\p{N}._-]/gu, "") || "user";

export function tsOf(shaping: Shaping, messageId: number): string {
  const micros = shaping.ts.get(messageId);
  // Every message has its ts: one missing here is a message deleted for good meanwhile.
  return micros === undefined ? "0000000000.000000" : formatTs(micros);
}

export function slackFile(file: FileInfo, origin: string): Json {
  const url = `${origin}${file.url}`;
  const stem = file.url.split("/").at(-1) ?? file.url;
  return {
    id: `F${stem.replace(/\.[^.]*$/, "").toUpperCase()}`,
    name: file.name,
    title: file.name,
    mimetype: file.type,
    filetype: stem.includes(".") ? stem.slice(stem.lastIndexOf(".") + 1) : "",
    size: file.size,
    url_private: url,
    url_private_download: url,
    is_public: false,
  };
}

/** A message as Slack shapes it: a bot's carries `bot_id` and `subtype: "bot_message"`. */
export function slackMessage(message: Message, shaping: Shaping): Json {
  const ts = tsOf(shaping, message.id);
  const threadTs = message.threadId === null ? undefined : tsOf(shaping, message.threadId);
  const thread = (out: Json): Json => {
    if (threadTs !== undefined) out.thread_ts = threadTs;
    if (message.threadId === null && message.replyCount > 0) {
      const replies = shaping.replies.get(message.id);
      out.thread_ts = ts;
      out.reply_count = message.replyCount;
      out.reply_users_count = replies?.users.length ?? 0;
      out.reply_users = (replies?.users ?? []).slice(0, 5).map((id) => slackId("U", id));
      if (replies) out.latest_reply = formatTs(replies.latest);
      out.is_locked = false;
      out.subscribed = false;
    }
    return out;
  };
  if (message.deleted) {
    // Only a root with replies is still listed once deleted: Slack shows it as a tombstone.
    return thread({
      type: "message",
      subtype: "tombstone",
      text: "This message was deleted.",
      user: "USLACKBOT",
      hidden: true,
      ts,
      team: shaping.teamId,
    });
  }
  const sender = shaping.users.get(message.senderId);
  const out: Json = {
    type: "message",
    user: slackId("U", message.senderId),
    text: markdownToSlack(message.content),
    ts,
    team: shaping.teamId,
  };
  if (sender?.bot) {
    const botId = slackId("B", sender.id);
    Object.assign(out, {
      subtype: "bot_message",
      bot_id: botId,
      username: sender.fullname,
      bot_profile: {
        id: botId,
        name: sender.fullname,
        deleted: sender.deactivated,
        team_id: shaping.teamId,
      },
    });
  }
  thread(out);
  if (message.editedAt) {
    out.edited = { user: slackId("U", message.senderId), ts: timeTs(message.editedAt) };
  }
  if (message.reactions.length > 0) {
    out.reactions = message.reactions.map((reaction) => ({
      name: reaction.emoji,
      users: reaction.userIds.map((id) => slackId("U", id)),
      count: reaction.userIds.length,
    }));
  }
  if (message.pinned) {
    out.pinned_to = [shaping.channels.get(message.chatId) ?? slackId("C", message.chatId)];
  }
  if (message.attachments.length > 0) {
    out.files = message.attachments.map((file) => slackFile(file, shaping.origin));
    out.upload = false;
  }
  return out;
}

/** Slack's channel object: `C…` for channels, private channels and groups (mpim), `D…` for ims. */
export function slackChannel(
  chat: Chat,
  callerId: number,
  context: { teamId: string; users: Map<number, User> },
): Json {
  const base = {
    id: chatSlackId(chat),
    created: seconds(chat.createdAt),
    is_archived: chat.archived,
    is_org_shared: false,
    context_team_id: context.teamId,
    updated: Date.parse(chat.createdAt),
  };
  if (chat.type === "single") {
    const other = chat.members.find((id) => id !== callerId) ?? callerId;
    return {
      ...base,
      is_im: true,
      is_channel: false,
      is_group: false,
      is_mpim: false,
      is_private: true,
      user: slackId("U", other),
      is_user_deleted: context.users.get(other)?.deactivated ?? false,
      is_open: true,
      priority: 0,
    };
  }
  const name =
    chat.name ??
    `mpdm-${chat.members
      .map((id) => handleOf(context.users.get(id)?.fullname ?? `u${id}`))
      .join("--")}-1`;
  return {
    ...base,
    name,
    name_normalized: name.toLowerCase(),
    is_channel: chat.type === "public_channel" || chat.type === "private_channel",
    is_group: false,
    is_im: false,
    is_mpim: chat.type === "group",
    is_private: chat.type !== "public_channel",
    is_general: chat.type === "public_channel" && chat.name === "general",
    is_shared: false,
    is_ext_shared: false,
    is_pending_ext_shared: false,
    pending_shared: [],
    unlinked: 0,
    creator: slackId("U", chat.ownerId),
    is_member: chat.members.includes(callerId),
    topic: { value: "", creator: "", last_set: 0 },
    purpose: { value: "", creator: "", last_set: 0 },
    previous_names: [],
    num_members: chat.members.length,
  };
}

/** The offset of an IANA time zone from UTC now, in seconds; 0 when it names none. */
function zoneOffset(zone: string): number {
  try {
    const text = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
      .formatToParts(new Date())
      .find((part) => part.type === "timeZoneName")?.value;
    const match = /GMT([+-])(\d{2}):(\d{2})/.exec(text ?? "");
    if (!match) return 0;
    const value = Number(match[2]) * 3600 + Number(match[3]) * 60;
    return match[1] === "-" ? -value : value;
  } catch {
    return 0;
  }
}

/** Slack's user object; a bot's profile names its `B…` id. */
export function slackUser(user: User, teamId: string, origin: string): Json {
  const avatar = user.avatarUrl ? `${origin}${user.avatarUrl}` : "";
  const status = user.status && (!user.status.until || Date.parse(user.status.until) > Date.now());
  const profile: Json = {
    title: user.title,
    phone: "",
    skype: "",
    real_name: user.fullname,
    real_name_normalized: user.fullname,
    display_name: user.fullname,
    display_name_normalized: user.fullname,
    status_text: status ? (user.status?.text ?? "") : "",
    status_emoji: status ? (user.status?.emoji ?? "") : "",
    status_expiration:
      status && user.status?.until ? Math.floor(Date.parse(user.status.until) / 1000) : 0,
    avatar_hash: "",
    image_24: avatar,
    image_32: avatar,
    image_48: avatar,
    image_72: avatar,
    image_192: avatar,
    image_512: avatar,
    team: teamId,
  };
  if (user.email !== null) profile.email = user.email;
  if (user.bot) profile.bot_id = slackId("B", user.id);
  return {
    id: slackId("U", user.id),
    team_id: teamId,
    name: handleOf(user.fullname),
    deleted: user.deactivated,
    real_name: user.fullname,
    tz: user.timezone ?? "UTC",
    tz_label: user.timezone ?? "UTC",
    tz_offset: zoneOffset(user.timezone ?? "UTC"),
    profile,
    is_admin: user.role === "admin" || user.role === "owner",
    is_owner: user.role === "owner",
    is_primary_owner: user.role === "owner",
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: user.bot,
    is_app_user: false,
    updated: seconds(user.createdAt),
  };
}
