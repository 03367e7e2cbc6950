// Slack exports for the import tests and the benchmark, written as Slack writes them (see
// src/features/integrations/slack-export.ts): a small workspace that holds every case the import
// handles once, and, with `bulk`, any number of plain channels and messages, streamed to the zip
// one day file at a time so that a million messages take no more memory than a hundred.
import {
  type SlackChannel,
  type SlackMessage,
  type SlackUser,
  ZipWriter,
} from "../../src/features/integrations/slack-export.ts";

export type SlackExportOptions = {
  /** Adds this many plain messages over `bulk.channels` public channels (named bulk-0001, …). */
  bulk?: { messages: number; channels: number; users?: number };
  /** Leaves the rich cases out: only the bulk (for the benchmark's plain rows). */
  bulkOnly?: boolean;
  /** Deflate effort; the benchmark uses 1. */
  level?: 1 | 6;
};

/** The bytes of the one file the export carries inside the zip. */
export const carriedFile = { id: "F0CARRIED", name: "notes.txt", text: "meeting notes\n" };

/** What the rich part holds, for the tests to compare against. */
export const richExport = {
  users: {
    ada: "U0ADA",
    grace: "U0GRACE",
    linus: "U0LINUS",
    ken: "U0KEN",
    margaret: "U0MARGARET",
    deploybot: "U0DEPLOY",
  },
  emails: {
    ada: "ada@example.com",
    grace: "grace@example.com",
    ken: "ken@example.com",
    margaret: "margaret@example.com",
  },
  bots: { deploy: "B0DEPLOY", ci: "B0CI" },
  chats: {
    general: "C0GENERAL",
    random: "C0RANDOM",
    archive: "C0ARCHIVE",
    secret: "G0SECRET",
    dm: "D0ADAGRACE",
    mpim: "G0MPIM",
  },
  /** Messages the import should add, and system messages it should skip, across all chats. */
  imported: 20,
  skipped: 4,
} as const;

const u = richExport.users;
const c = richExport.chats;

const day1 = Date.UTC(2024, 0, 15, 9) / 1000;
const day2 = Date.UTC(2024, 0, 16, 9) / 1000;
const ts = (seconds: number, micros = 0) => `${seconds}.${String(micros).padStart(6, "0")}`;

function richUsers(): SlackUser[] {
  const person = (
    id: string,
    name: string,
    realName: string,
    email: string | undefined,
    extra: Partial<SlackUser> = {},
  ): SlackUser => ({
    id,
    team_id: "T0ACME",
    name,
    deleted: false,
    real_name: realName,
    tz: "Europe/London",
    is_admin: false,
    is_owner: false,
    is_primary_owner: false,
    is_bot: false,
    is_app_user: false,
    updated: day1,
    profile: {
      title: "",
      real_name: realName,
      display_name: name,
      ...(email ? { email } : {}),
      first_name: realName.split(" ")[0],
    },
    ...extra,
  });
  return [
    person(u.grace, "grace", "Grace Hopper", richExport.emails.grace, {
      is_admin: true,
      profile: { title: "Admiral", real_name: "Grace Hopper", email: richExport.emails.grace },
    }),
    person(u.ada, "ada", "Ada Lovelace", richExport.emails.ada, {
      is_admin: true,
      is_owner: true,
      is_primary_owner: true,
    }),
    // A single-channel guest without an email in the export (Slack leaves it out for some).
    person(u.linus, "linus", "Linus Torvalds", undefined, { is_restricted: true }),
    person(u.ken, "ken", "Ken Thompson", richExport.emails.ken, { deleted: true }),
    person(u.margaret, "margaret", "Margaret Hamilton", richExport.emails.margaret),
    {
      id: u.deploybot,
      team_id: "T0ACME",
      name: "deploybot",
      deleted: false,
      real_name: "Deploy Bot",
      is_bot: true,
      is_app_user: false,
      updated: day1,
      profile: {
        real_name: "Deploy Bot",
        display_name: "deploybot",
        bot_id: richExport.bots.deploy,
        api_app_id: "A0DEPLOY",
      },
    },
  ];
}

const topic = (value: string) => ({ value, creator: "", last_set: 0 });

function richChannels(): Record<
  "channels" | "groups" | "dms" | "mpims",
  (SlackChannel & { messages: SlackMessage[] })[]
> {
  const everyone = [u.ada, u.grace, u.linus, u.ken, u.margaret, u.deploybot];
  const root = ts(day1 + 300);
  const general: SlackMessage[] = [
    {
      type: "message",
      subtype: "channel_join",
      user: u.grace,
      text: `<@${u.grace}> has joined the channel`,
      ts: ts(day1),
    },
    {
      type: "message",
      user: u.ada,
      text: `Welcome *everyone* to <#${c.random}|random>, say hi to <@${u.grace}> &amp; read <https://example.com/handbook|the handbook>`,
      ts: ts(day1 + 60),
      reactions: [
        { name: "tada", users: [u.grace, u.margaret], count: 2 },
        { name: "+1::skin-tone-3", users: [u.ada, "U0STRANGER"], count: 2 },
      ],
      user_profile: { real_name: "Ada Lovelace", display_name: "ada" },
    },
    {
      type: "message",
      user: u.grace,
      text: "Release plan? _draft_ ~old~ `code`",
      ts: root,
      thread_ts: root,
      reply_count: 2,
      reply_users_count: 2,
      latest_reply: ts(day2 + 10),
      replies: [
        { user: u.ada, ts: ts(day1 + 400) },
        { user: u.margaret, ts: ts(day2 + 10) },
      ],
    },
    {
      type: "message",
      user: u.ada,
      text: "Friday, after the freeze",
      ts: ts(day1 + 400),
      thread_ts: root,
      parent_user_id: u.grace,
    },
    {
      type: "message",
      user: u.margaret,
      text: "The build is green &lt;3",
      ts: ts(day1 + 500),
      edited: { user: u.margaret, ts: ts(day1 + 560) },
      pinned_to: [c.general],
    },
    {
      type: "message",
      subtype: "bot_message",
      bot_id: richExport.bots.deploy,
      username: "deploybot",
      text: "",
      ts: ts(day1 + 600),
      attachments: [
        {
          fallback: "Deployed v1.2.3",
          color: "#36a64f",
          title: "Deployed v1.2.3",
          title_link: "https://ci.example.com/1",
          text: "All *green*",
          fields: [{ title: "Env", value: "prod", short: true }],
        },
      ],
      blocks: [
        { type: "header", text: { type: "plain_text", text: "Deploy finished" } },
        { type: "section", text: { type: "mrkdwn", text: "Version *1.2.3* is live" } },
      ],
    },
    // A webhook's post: a bot id no user of users.json has.
    {
      type: "message",
      subtype: "bot_message",
      bot_id: richExport.bots.ci,
      username: "CI",
      text: "Build #7 passed",
      ts: ts(day1 + 700),
    },
    {
      type: "message",
      subtype: "bot_add",
      user: u.ada,
      text: `added an integration to this channel: <https://acme.slack.com/services/B0CI|ci>`,
      ts: ts(day1 + 701),
    },
    {
      type: "message",
      subtype: "file_share",
      user: u.ada,
      text: "Notes from today",
      ts: ts(day1 + 800),
      files: [
        {
          id: carriedFile.id,
          name: carriedFile.name,
          title: "Meeting notes",
          mimetype: "text/plain",
          filetype: "text",
          size: carriedFile.text.length,
          url_private: `https://files.slack.com/files-pri/T0ACME-${carriedFile.id}/${carriedFile.name}`,
        },
        {
          id: "F0LINKED",
          name: "diagram.png",
          title: "Architecture diagram",
          mimetype: "image/png",
          filetype: "png",
          size: 2048,
          url_private: "https://files.slack.com/files-pri/T0ACME-F0LINKED/diagram.png",
        },
      ],
    },
    { type: "message", user: u.ken, text: "Last day, bye all", ts: ts(day1 + 900) },
    {
      type: "message",
      user: u.linus,
      text: `Mentioning <@U0STRANGER> and <!channel>`,
      ts: ts(day1 + 1000),
    },
    {
      type: "message",
      subtype: "channel_leave",
      user: u.ken,
      text: `<@${u.ken}> has left the channel`,
      ts: ts(day1 + 1100),
    },
    {
      type: "message",
      user: u.margaret,
      text: "Sounds good",
      ts: ts(day2 + 10),
      thread_ts: root,
      parent_user_id: u.grace,
    },
    { type: "message", user: u.grace, text: "Second day", ts: ts(day2 + 20) },
  ];
  return {
    channels: [
      {
        id: c.general,
        name: "general",
        created: day1 - 86400,
        creator: u.ada,
        is_archived: false,
        is_general: true,
        members: everyone,
        topic: topic("Company-wide"),
        purpose: topic("Everyone"),
        messages: general,
      },
      {
        id: c.random,
        name: "random",
        created: day1 - 86400,
        creator: u.grace,
        is_archived: false,
        is_general: false,
        members: [u.ada, u.grace, u.margaret],
        topic: topic(""),
        purpose: topic(""),
        messages: [
          { type: "message", user: u.grace, text: "Random thought", ts: ts(day1 + 30) },
          {
            type: "message",
            user: u.ada,
            text: "Ditto",
            ts: ts(day1 + 31),
            reactions: [{ name: "eyes", users: [u.grace], count: 1 }],
          },
        ],
      },
      {
        id: c.archive,
        name: "old-news",
        created: day1 - 86400 * 30,
        creator: u.ada,
        is_archived: true,
        is_general: false,
        members: [u.ada],
        messages: [
          { type: "message", user: u.ada, text: "Archived long ago", ts: ts(day1 - 86400 * 20) },
        ],
      },
    ],
    groups: [
      {
        id: c.secret,
        name: "secret-plans",
        created: day1 - 3600,
        creator: u.grace,
        is_archived: false,
        members: [u.grace, u.ada],
        messages: [
          {
            type: "message",
            subtype: "group_join",
            user: u.ada,
            text: "joined",
            ts: ts(day1 - 10),
          },
          { type: "message", user: u.grace, text: "Only us here", ts: ts(day1 + 5) },
          { type: "message", user: u.ada, text: "Indeed", ts: ts(day1 + 6) },
        ],
      },
    ],
    dms: [
      {
        id: c.dm,
        created: day1 - 60,
        members: [u.ada, u.grace],
        messages: [
          { type: "message", user: u.ada, text: "Coffee?", ts: ts(day1 + 1) },
          { type: "message", user: u.grace, text: "Yes", ts: ts(day1 + 2) },
        ],
      },
    ],
    mpims: [
      {
        id: c.mpim,
        name: "mpdm-ada--grace--margaret-1",
        created: day1 - 60,
        creator: u.ada,
        is_archived: false,
        members: [u.ada, u.grace, u.margaret],
        messages: [
          { type: "message", user: u.margaret, text: "Lunch at one", ts: ts(day1 + 3) },
          { type: "message", user: u.grace, text: "Works for me", ts: ts(day2 + 3) },
        ],
      },
    ],
  };
}

/** A small deterministic generator, so that the same options write the same export. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const words =
  "the build deploy release review merge branch test flaky green red ship friday coffee lunch plan design api schema migrate index query latency bug fix patch docs meeting notes idea".split(
    " ",
  );

/** Writes a Slack export zip at `path`. */
export async function writeSlackExport(
  path: string,
  options: SlackExportOptions = {},
): Promise<void> {
  const zip = new ZipWriter(path, options.level ?? 6);
  const indent = options.bulk ? undefined : 4;
  const rich = options.bulkOnly ? undefined : richChannels();
  const users = options.bulkOnly ? [richUsers()[1] as SlackUser] : richUsers();
  const bulkUsers = options.bulk ? (options.bulk.users ?? 50) : 0;
  for (let i = 0; i < bulkUsers; i++) {
    const name = `member${String(i).padStart(4, "0")}`;
    users.push({
      id: `U0B${i}`,
      name,
      real_name: `Member ${i}`,
      deleted: false,
      is_bot: false,
      profile: { real_name: `Member ${i}`, email: `${name}@bulk.example.com` },
    });
  }
  await zip.add("users.json", JSON.stringify(users, null, indent));
  const strip = (chat: SlackChannel & { messages?: SlackMessage[] }): SlackChannel => {
    const { messages: _, ...rest } = chat;
    return rest;
  };
  const bulkChannels: SlackChannel[] = [];
  for (let i = 0; i < (options.bulk?.channels ?? 0); i++)
    bulkChannels.push({
      id: `C0B${i}`,
      name: `bulk-${String(i).padStart(4, "0")}`,
      created: day1,
      creator: users[0]?.id,
      is_archived: false,
      is_general: false,
      members: users.map((user) => user.id),
    });
  await zip.add(
    "channels.json",
    JSON.stringify([...(rich?.channels.map(strip) ?? []), ...bulkChannels], null, indent),
  );
  if (rich) {
    await zip.add("groups.json", JSON.stringify(rich.groups.map(strip), null, indent));
    await zip.add("dms.json", JSON.stringify(rich.dms.map(strip), null, indent));
    await zip.add("mpims.json", JSON.stringify(rich.mpims.map(strip), null, indent));
    // Day files of one chat are not next to each other: readers must not rely on an order.
    const days = new Map<string, SlackMessage[]>();
    for (const chat of [...rich.channels, ...rich.groups, ...rich.dms, ...rich.mpims])
      for (const message of chat.messages) {
        const day = new Date(Number.parseFloat(message.ts) * 1000).toISOString().slice(0, 10);
        const key = `${chat.name ?? chat.id}/${day}.json`;
        days.set(key, [...(days.get(key) ?? []), message]);
      }
    for (const [name, messages] of [...days].reverse())
      await zip.add(name, JSON.stringify(messages, null, indent));
    await zip.add(`__uploads/${carriedFile.id}/${carriedFile.name}`, carriedFile.text);
    await zip.add(
      "integration_logs.json",
      JSON.stringify(
        [{ service_type: "Incoming WebHooks", change_type: "added", date: String(day1) }],
        null,
        indent,
      ),
    );
  }
  if (options.bulk) await writeBulk(zip, options.bulk, bulkChannels, users);
  await zip.close();
}

/** Plain traffic: per channel, day files of up to 500 messages, a tenth of them thread replies. */
async function writeBulk(
  zip: ZipWriter,
  bulk: { messages: number; channels: number },
  channels: SlackChannel[],
  users: SlackUser[],
): Promise<void> {
  const next = random(27);
  const perChannel = Math.ceil(bulk.messages / bulk.channels);
  let left = bulk.messages;
  for (const channel of channels) {
    let count = Math.min(perChannel, left);
    left -= count;
    let second = day1;
    let dayIndex = 0;
    const roots: string[] = [];
    while (count > 0) {
      const inDay = Math.min(500, count);
      count -= inDay;
      const messages: SlackMessage[] = [];
      for (let i = 0; i < inDay; i++) {
        second += 1 + Math.floor(next() * 100);
        const stamp = ts(second, Math.floor(next() * 999_999));
        const user = users[Math.floor(next() * users.length)]?.id as string;
        const mention = users[Math.floor(next() * users.length)]?.id as string;
        const length = 4 + Math.floor(next() * 16);
        let text = "";
        for (let w = 0; w < length; w++) text += `${words[Math.floor(next() * words.length)]} `;
        const message: SlackMessage = {
          type: "message",
          user,
          text: `${text}<@${mention}> *done*`,
          ts: stamp,
        };
        if (roots.length > 0 && next() < 0.1)
          message.thread_ts = roots[Math.floor(next() * roots.length)];
        else if (next() < 0.05) roots.push(stamp);
        if (next() < 0.05) message.reactions = [{ name: "+1", users: [user], count: 1 }];
        messages.push(message);
      }
      // Day files by the day of their first message, a new day every file (Slack cuts at UTC midnight).
      const day = new Date((day1 + dayIndex++ * 86400) * 1000).toISOString().slice(0, 10);
      second = Math.max(second, day1 + dayIndex * 86400);
      await zip.add(`${channel.name}/${day}.json`, JSON.stringify(messages));
    }
  }
}
