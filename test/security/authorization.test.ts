// Every route the OpenAPI document lists × every kind of caller, against the status each must get.
// A route with no row here fails the test, so a new route cannot ship without its access rules.
import { describe, expect, test } from "bun:test";
import { createECDH, randomBytes } from "node:crypto";
import { zipSync } from "fflate";
import { SignJWT } from "jose";
import { startTestApp } from "../support/app.ts";
import { type Person, people } from "../support/fixtures.ts";

const app = await startTestApp();
const { alice, bob, mallory, carol, dave, erin, frank } = (await people(app, [
  "Carol",
  "Dave",
  "Erin",
  "Frank",
])) as Awaited<ReturnType<typeof people>> & Record<"carol" | "dave" | "erin" | "frank", Person>;
// Dave is an admin of acme; Erin was deactivated, her token kept; Frank is whom admins manage.
await app.request("PATCH", `/api/users/${dave.user.id}`, {
  token: alice.token,
  body: { role: "admin" },
});
await app.request("PATCH", `/api/users/${erin.user.id}`, {
  token: alice.token,
  body: { deactivated: true },
});

const identities = [
  "none",
  "garbage",
  "expired",
  "otherSecret",
  "algNone",
  "outsider",
  "nonMember",
  "member",
  "owner",
  "admin",
  "deactivated",
  "download",
  "ticket",
  "bot",
  "appToken",
  "revokedBot",
] as const;
type Identity = (typeof identities)[number];

// A bot of acme in no chat, which answers like the non-member unless a row says otherwise; its
// app token opens no route of the API, and a revoked bot's token none at all.
const makeBot = async (name: string) =>
  (await app.request("POST", "/api/bots", { token: alice.token, body: { name } })).body as {
    user: { id: number };
    token: string;
    appToken: string;
  };
const bot = await makeBot("Matrix bot");
const revokedBot = await makeBot("Revoked bot");
await app.request("DELETE", `/api/bots/${revokedBot.user.id}`, { token: alice.token });

const secret = new TextEncoder().encode(app.config.auth.secret);
const now = Math.floor(Date.now() / 1000);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
const tokens: Record<Identity, string | undefined> = {
  none: undefined,
  garbage: "not.a.token",
  expired: await new SignJWT({ sub: String(alice.user.id), ver: 0 })
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime(now - 10)
    .sign(secret),
  otherSecret: await new SignJWT({ sub: String(alice.user.id), ver: 0 })
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode("another secret, not this server's")),
  algNone: `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: String(alice.user.id), ver: 0, exp: now + 600 })}.`,
  outsider: mallory.token,
  nonMember: carol.token,
  member: bob.token,
  owner: alice.token,
  admin: dave.token,
  deactivated: erin.token,
  download: undefined,
  ticket: undefined,
  bot: bot.token,
  appToken: bot.appToken,
  revokedBot: revokedBot.token,
};

// A download token opens downloads only; a ticket opens one WebSocket or event stream only.
const downloadToken = async (token: string) =>
  (await app.request("POST", "/api/files/token", { token, body: {} })).body.token as string;
const ticket = async (token: string) =>
  (await app.request("POST", "/api/tickets", { token, body: {} })).body.ticket as string;
tokens.download = await downloadToken(bob.token);

// The objects the routes act on: alice's private channel with bob, and a file alice sent there.
let channelCount = 0;
const newChannel = async () =>
  (
    await app.request("POST", "/api/chat", {
      token: alice.token,
      body: { type: "private_channel", name: `matrix-${++channelCount}`, members: [bob.user.id] },
    })
  ).body.id as number;
const sharedChat = await newChannel();
const form = new FormData();
form.append("files", new Blob(["matrix"]), "matrix.txt");
const fileUrl = (await app.request("POST", "/api/upload", { token: alice.token, body: form }))
  .body[0].url as string;
await app.request("POST", `/api/chat/${sharedChat}`, {
  token: alice.token,
  body: { content: "", files: [fileUrl] },
});

// A message alice sent there, which the v2 routes act on; deletes take a new one each.
const sendToShared = async (content: string) =>
  (
    await app.request("POST", `/api/chat/${sharedChat}`, {
      token: alice.token,
      body: { content },
    })
  ).body.id as number;
const sharedMessage = await sendToShared("matrix message");
const onMessage = `/api/chat/${sharedChat}/messages/${sharedMessage}`;

type Call = { path: string; body?: unknown; headers?: Record<string, string> };
type Row = {
  call: () => Promise<Call> | Call;
  expect: Partial<Record<Identity, number>> & { valid?: number };
  /** Each valid identity signs in anew and calls with that session (sign-out ends it). */
  freshSession?: boolean;
};

// Download tokens and tickets are no session tokens: 401 wherever a row does not say otherwise.
const invalidTokens: Identity[] = [
  "none",
  "garbage",
  "expired",
  "otherSecret",
  "algNone",
  "deactivated",
  "download",
  "ticket",
  "appToken",
  "revokedBot",
];
/** What every authenticated route answers a caller without a valid token. */
const authenticated = (valid: Row["expect"] | number): Row["expect"] =>
  typeof valid === "number" ? { valid } : valid;
/** A public route: every caller, whatever credential it holds, gets the same status. */
const everyone = (status: number) =>
  Object.fromEntries(invalidTokens.map((identity) => [identity, status]));
/** On alice's private channel with bob: the admin, who is not in it, cannot see it either. */
const onChat = (owner: number, member: number, nonMember: number, outsider = 404) =>
  authenticated({ owner, member, nonMember, outsider, admin: nonMember });
/** A route for the workspace's owner and admins: the outsider is owner of globex. */
const adminOnly = (owner: number, outsider = owner) =>
  authenticated({ owner, admin: owner, member: 403, nonMember: 403, outsider });
/** The people whose fresh sessions the sign-out rows end, by identity. */
const persons: Partial<Record<Identity, Person>> = {
  outsider: mallory,
  nonMember: carol,
  member: bob,
  owner: alice,
  admin: dave,
};
const publicChannel = async (archived = false) => {
  const id = (
    await app.request("POST", "/api/chat", {
      token: alice.token,
      body: { type: "public_channel", name: `open-${++channelCount}`, members: [bob.user.id] },
    })
  ).body.id as number;
  if (archived) await app.request("POST", `/api/chat/${id}/archive`, { token: alice.token });
  return id;
};

const makeWebhook = async () =>
  (
    await app.request("POST", `/api/chat/${sharedChat}/webhooks`, {
      token: alice.token,
      body: { name: "matrix hook" },
    })
  ).body as { id: number; url: string };

const multipart = () => {
  const body = new FormData();
  body.append("files", new Blob(["x"]), "x.txt");
  return body;
};

/** The smallest Slack export: nobody, no chat; importing it changes nothing. */
const emptyExport = () => {
  const body = new FormData();
  const zip = zipSync({
    "users.json": new TextEncoder().encode("[]"),
    "channels.json": new TextEncoder().encode("[]"),
  });
  body.append("files", new Blob([zip]), "empty.zip");
  return body;
};
const importJob = (
  await app.request("POST", "/api/admin/import", { token: alice.token, body: emptyExport() })
).body.id as number;

/** A browser's push subscription: a P-256 public key and a 16-byte secret. */
const browserSubscription = () => {
  const ecdh = createECDH("prime256v1");
  return {
    endpoint: `https://push.example.test/${crypto.randomUUID()}`,
    keys: {
      p256dh: ecdh.generateKeys().toString("base64url"),
      auth: randomBytes(16).toString("base64url"),
    },
  };
};

const rows: Record<string, Row> = {
  "post /api/signup": {
    call: () => ({ path: "/api/signup", body: {} }),
    expect: { valid: 422, ...everyone(422) },
  },
  "post /api/signin": {
    call: () => ({ path: "/api/signin", body: { email: "no@x.test", password: "wrong password" } }),
    expect: { valid: 401, ...everyone(401) },
  },
  "get /healthz": {
    call: () => ({ path: "/healthz" }),
    expect: { valid: 200, ...everyone(200) },
  },
  "get /metrics": {
    call: () => ({ path: "/metrics" }),
    expect: { valid: 200, ...everyone(200) },
  },
  "get /api/me": { call: () => ({ path: "/api/me" }), expect: authenticated(200) },
  "post /api/me/password": {
    call: () => ({
      path: "/api/me/password",
      body: { currentPassword: "not the password", newPassword: "irrelevant password" },
    }),
    expect: authenticated(403),
  },
  "post /api/invites": {
    call: () => ({ path: "/api/invites", body: {} }),
    expect: authenticated(201),
  },
  "get /api/users": { call: () => ({ path: "/api/users" }), expect: authenticated(200) },
  "patch /api/me": {
    call: () => ({ path: "/api/me", body: { title: "matrix" } }),
    expect: authenticated(200),
  },
  "patch /api/users/{id}": {
    call: () => ({ path: `/api/users/${frank.user.id}`, body: { deactivated: false } }),
    expect: adminOnly(200, 404),
  },
  "post /api/users/{id}/reset": {
    call: () => ({ path: `/api/users/${frank.user.id}/reset`, body: {} }),
    expect: adminOnly(201, 404),
  },
  "post /api/bots": {
    call: () => ({ path: "/api/bots", body: { name: "matrix" } }),
    expect: adminOnly(201),
  },
  "get /api/bots": { call: () => ({ path: "/api/bots" }), expect: adminOnly(200) },
  "delete /api/bots/{id}": {
    call: async () => ({ path: `/api/bots/${(await makeBot("to revoke")).user.id}` }),
    expect: adminOnly(204, 404),
  },
  // Slack's wire: HTTP 200 whatever the caller holds, `{ok: false}` but for an app token
  // (test/features/socket-mode.test.ts reads the bodies).
  "post /api/slack/apps.connections.open": {
    call: () => ({ path: "/api/slack/apps.connections.open", body: {} }),
    expect: { valid: 200, ...everyone(200) },
  },
  // Only the one-use ticket apps.connections.open answers opens it: no token, whatever its kind.
  "get /api/slack/socket": {
    call: () => ({
      path: "/api/slack/socket",
      headers: {
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    }),
    expect: { valid: 401, ...everyone(401) },
  },
  "post /api/chat/{id}/webhooks": {
    call: () => ({ path: `/api/chat/${sharedChat}/webhooks`, body: { name: "matrix hook" } }),
    expect: onChat(201, 201, 404),
  },
  "get /api/chat/{id}/webhooks": {
    call: () => ({ path: `/api/chat/${sharedChat}/webhooks` }),
    expect: onChat(200, 200, 404),
  },
  // alice's webhook: bob, a member but not its creator, may not revoke it; the admin may.
  "delete /api/webhooks/{id}": {
    call: async () => ({ path: `/api/webhooks/${(await makeWebhook()).id}` }),
    expect: authenticated({ owner: 204, admin: 204, member: 403, nonMember: 404, outsider: 404 }),
  },
  // The secret in the URL is the credential: whatever token comes along changes nothing.
  "post /api/hooks/{secret}": {
    call: async () => ({
      path: new URL((await makeWebhook()).url).pathname,
      body: { text: "matrix webhook" },
    }),
    expect: { valid: 200, ...everyone(200) },
  },
  "post /api/admin/import": {
    call: () => ({ path: "/api/admin/import", body: emptyExport() }),
    expect: adminOnly(202),
  },
  "get /api/admin/import/{id}": {
    call: () => ({ path: `/api/admin/import/${importJob}` }),
    expect: adminOnly(200, 404),
  },
  "get /api/workspace": { call: () => ({ path: "/api/workspace" }), expect: authenticated(200) },
  "patch /api/workspace": {
    call: () => ({ path: "/api/workspace", body: { settings: { invites: "members" } } }),
    expect: adminOnly(200),
  },
  "get /api/invites": { call: () => ({ path: "/api/invites" }), expect: authenticated(200) },
  // Public: what a sign-up from an invite link shows, the same to every caller.
  "get /api/invites/{code}": {
    call: async () => {
      const made = await app.request("POST", "/api/invites", { token: alice.token, body: {} });
      return { path: `/api/invites/${made.body.code}` };
    },
    expect: { valid: 200, ...everyone(200) },
  },
  "delete /api/invites/{code}": {
    call: async () => {
      const made = await app.request("POST", "/api/invites", { token: alice.token, body: {} });
      return { path: `/api/invites/${made.body.code}` };
    },
    expect: adminOnly(204, 404),
  },
  "post /api/password/reset": {
    call: () => ({
      path: "/api/password/reset",
      body: { code: "not-a-reset-code-0123456789", password: "a new password" },
    }),
    expect: { valid: 403, ...everyone(403) },
  },
  "get /api/audit": { call: () => ({ path: "/api/audit" }), expect: adminOnly(200) },
  "post /api/signout": {
    call: () => ({ path: "/api/signout", body: {} }),
    expect: authenticated(204),
    freshSession: true,
  },
  // Ends every token of each caller: ordered last of all rows (below).
  "post /api/signout/everywhere": {
    call: () => ({ path: "/api/signout/everywhere", body: {} }),
    expect: authenticated(204),
  },
  "post /api/chat/{id}/archive": {
    call: async () => ({ path: `/api/chat/${await publicChannel()}/archive`, body: {} }),
    expect: adminOnly(200, 404),
  },
  "post /api/chat/{id}/unarchive": {
    call: async () => ({ path: `/api/chat/${await publicChannel(true)}/unarchive`, body: {} }),
    expect: adminOnly(200, 404),
  },
  "get /api/presence": { call: () => ({ path: "/api/presence" }), expect: authenticated(200) },
  "get /api/chat": { call: () => ({ path: "/api/chat" }), expect: authenticated(200) },
  "post /api/chat": {
    call: () => ({
      path: "/api/chat",
      body: { type: "private_channel", name: `created-${++channelCount}`, members: [] },
    }),
    expect: authenticated(201),
  },
  "get /api/channels": { call: () => ({ path: "/api/channels" }), expect: authenticated(200) },
  "get /api/chat/{id}": {
    call: () => ({ path: `/api/chat/${sharedChat}` }),
    expect: onChat(200, 200, 404),
  },
  "patch /api/chat/{id}": {
    call: () => ({ path: `/api/chat/${sharedChat}`, body: { name: "matrix-1" } }),
    expect: onChat(200, 403, 404),
  },
  "delete /api/chat/{id}": {
    call: async () => ({ path: `/api/chat/${await newChannel()}` }),
    expect: onChat(204, 403, 404),
  },
  "post /api/chat/{id}/join": {
    call: () => ({ path: `/api/chat/${sharedChat}/join` }),
    expect: onChat(200, 200, 404),
  },
  "post /api/chat/{id}/leave": {
    call: async () => ({ path: `/api/chat/${await newChannel()}/leave` }),
    expect: onChat(204, 204, 404),
  },
  "post /api/chat/{id}": {
    call: () => ({ path: `/api/chat/${sharedChat}`, body: { content: "matrix" } }),
    expect: onChat(201, 201, 404),
  },
  "get /api/chat/{id}/messages": {
    call: () => ({ path: `/api/chat/${sharedChat}/messages` }),
    expect: onChat(200, 200, 404),
  },
  "get /api/chat/{id}/messages/{messageId}": {
    call: () => ({ path: onMessage }),
    expect: onChat(200, 200, 404),
  },
  // Only the sender edits, the others who see it get 403.
  "patch /api/chat/{id}/messages/{messageId}": {
    call: () => ({ path: onMessage, body: { content: "matrix message, edited" } }),
    expect: onChat(200, 403, 404),
  },
  "delete /api/chat/{id}/messages/{messageId}": {
    call: async () => ({
      path: `/api/chat/${sharedChat}/messages/${await sendToShared("to delete")}`,
    }),
    expect: onChat(204, 403, 404),
  },
  "get /api/chat/{id}/messages/{messageId}/edits": {
    call: () => ({ path: `${onMessage}/edits` }),
    expect: onChat(200, 200, 404),
  },
  "put /api/chat/{id}/messages/{messageId}/reactions/{emoji}": {
    call: () => ({ path: `${onMessage}/reactions/tada` }),
    expect: onChat(200, 200, 404),
  },
  "delete /api/chat/{id}/messages/{messageId}/reactions/{emoji}": {
    call: () => ({ path: `${onMessage}/reactions/tada` }),
    expect: onChat(200, 200, 404),
  },
  "put /api/chat/{id}/pins/{messageId}": {
    call: () => ({ path: `/api/chat/${sharedChat}/pins/${sharedMessage}` }),
    expect: onChat(200, 200, 404),
  },
  "delete /api/chat/{id}/pins/{messageId}": {
    call: () => ({ path: `/api/chat/${sharedChat}/pins/${sharedMessage}` }),
    expect: onChat(200, 200, 404),
  },
  "get /api/chat/{id}/pins": {
    call: () => ({ path: `/api/chat/${sharedChat}/pins` }),
    expect: onChat(200, 200, 404),
  },
  // Searching is for everyone signed in; a chatId must be a chat the caller can see.
  "get /api/search": {
    call: () => ({ path: `/api/search?q=matrix&chatId=${sharedChat}` }),
    expect: onChat(200, 200, 404),
  },
  // Read state: members only; a public channel not joined is 403.
  "post /api/chat/{id}/read": {
    call: async () => {
      const id = await publicChannel();
      const sent = await app.request("POST", `/api/chat/${id}`, {
        token: alice.token,
        body: { content: "to read" },
      });
      return { path: `/api/chat/${id}/read`, body: { messageId: sent.body.id } };
    },
    expect: onChat(200, 200, 403),
  },
  "put /api/chat/{id}/notify": {
    call: async () => ({
      path: `/api/chat/${await publicChannel()}/notify`,
      body: { level: "none" },
    }),
    expect: onChat(200, 200, 403),
  },
  "get /api/push/key": { call: () => ({ path: "/api/push/key" }), expect: authenticated(200) },
  "post /api/push/subscriptions": {
    call: () => ({ path: "/api/push/subscriptions", body: browserSubscription() }),
    expect: authenticated(201),
  },
  "delete /api/push/subscriptions": {
    call: () => ({
      path: "/api/push/subscriptions",
      body: { endpoint: "https://push.example.test/matrix" },
    }),
    expect: authenticated(204),
  },
  "post /api/upload": {
    call: () => ({ path: "/api/upload", body: multipart() }),
    expect: authenticated(201),
  },
  "post /api/files/token": {
    call: () => ({ path: "/api/files/token", body: {} }),
    expect: authenticated(201),
  },
  "post /api/tickets": {
    call: () => ({ path: "/api/tickets", body: {} }),
    expect: authenticated(201),
  },
  // A file is private to its uploader and whoever can read a message that carries it.
  "get /api/files/*": {
    call: () => ({ path: fileUrl }),
    expect: authenticated({
      owner: 200,
      member: 200,
      nonMember: 404,
      outsider: 404,
      admin: 404,
      download: 200,
    }),
  },
  "get /api/events": {
    call: () => ({ path: "/api/events" }),
    expect: authenticated({ valid: 200, ticket: 200 }),
  },
  // Slack's wire rules: HTTP 200 for every caller, the verdict in `{ok, error}` (checked below).
  "post /api/slack/{method}": {
    call: () => ({ path: "/api/slack/conversations.info", body: { channel: `C${sharedChat}` } }),
    expect: { valid: 200, ...everyone(200) },
  },
  "get /api/slack/{method}": {
    call: () => ({ path: `/api/slack/conversations.info?channel=C${sharedChat}` }),
    expect: { valid: 200, ...everyone(200) },
  },
  "get /api/ws": {
    call: () => ({
      path: "/api/ws",
      headers: {
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    }),
    expect: authenticated({ valid: 101, ticket: 101 }),
  },
};

function expected(row: Row, identity: Identity): number {
  const explicit = row.expect[identity];
  if (explicit !== undefined) return explicit;
  if (invalidTokens.includes(identity)) return 401;
  if (identity === "bot") return expected(row, "nonMember");
  return row.expect.valid as number;
}

/** Where a browser would put each credential on this path: a name for the query, or the header. */
function credentialParameter(path: string, identity: Identity): string | undefined {
  const live = path.startsWith("/api/ws") || path.startsWith("/api/events");
  const download = path.startsWith("/api/files/") && path !== "/api/files/token";
  if (identity === "ticket") return live ? "ticket" : undefined;
  if (identity === "download") return download ? "download" : undefined;
  return live || download ? "token" : undefined;
}

async function signinAgain(person: Person): Promise<string> {
  const reply = await app.request("POST", "/api/signin", {
    body: { email: person.user.email, password: person.password },
  });
  return reply.body.token as string;
}

async function attempt(method: string, row: Row, identity: Identity): Promise<number> {
  const { path, body, headers } = await row.call();
  // A ticket is used up by the attempt that carries it: each attempt gets a new one. A row that
  // ends the caller's token gets a fresh one: a new session, or a new bot (bots never sign in).
  const person = row.freshSession ? persons[identity] : undefined;
  const token =
    identity === "ticket"
      ? await ticket(alice.token)
      : person
        ? await signinAgain(person)
        : row.freshSession && identity === "bot"
          ? (await makeBot("Signing out")).token
          : tokens[identity];
  const parameter = credentialParameter(path, identity);
  const queryToken = parameter !== undefined;
  const url = `${app.url}${path}${queryToken && token ? `?${parameter}=${encodeURIComponent(token)}` : ""}`;
  const response = await fetch(url, {
    method: method.toUpperCase(),
    headers: {
      ...headers,
      ...(!queryToken && token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined &&
        !(body instanceof FormData) && { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
  });
  await response.body?.cancel();
  return response.status;
}

const spec = (await app.request("GET", "/swagger/json")).body;
const documented = Object.entries(spec.paths as Record<string, Record<string, unknown>>).flatMap(
  ([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`),
);

describe("what search finds for each caller", () => {
  const found = async (person: Person, q: string) =>
    (
      (await app.request("GET", `/api/search?q=${q}`, { token: person.token })).body.results as {
        message: { id: number };
      }[]
    ).map((result) => result.message.id);

  test("a private chat's messages reach its members only: not a non-member, an admin or an outsider", async () => {
    const id = await sendToShared("matrixsecret words");
    expect(await found(alice, "matrixsecret")).toEqual([id]);
    expect(await found(bob, "matrixsecret")).toEqual([id]);
    for (const person of [carol, dave, mallory])
      expect(await found(person, "matrixsecret")).toEqual([]);
  });

  test("a public channel's messages reach its workspace, joined or not, never another workspace", async () => {
    const channel = (
      await app.request("POST", "/api/chat", {
        token: alice.token,
        body: { type: "public_channel", name: "matrix-public", members: [] },
      })
    ).body.id as number;
    const id = (
      await app.request("POST", `/api/chat/${channel}`, {
        token: alice.token,
        body: { content: "matrixpublic words" },
      })
    ).body.id as number;
    for (const person of [alice, bob, carol, dave])
      expect(await found(person, "matrixpublic")).toEqual([id]);
    expect(await found(mallory, "matrixpublic")).toEqual([]);
  });

  test("a chat one has left is searched no more", async () => {
    const chat = (
      await app.request("POST", "/api/chat", {
        token: alice.token,
        body: { type: "private_channel", name: "matrix-left", members: [carol.user.id] },
      })
    ).body.id as number;
    await app.request("POST", `/api/chat/${chat}`, {
      token: alice.token,
      body: { content: "matrixleft words" },
    });
    expect(await found(carol, "matrixleft")).toHaveLength(1);
    await app.request("POST", `/api/chat/${chat}/leave`, { token: carol.token });
    expect(await found(carol, "matrixleft")).toEqual([]);
  });
});

describe("the Slack API's verdicts for each caller", () => {
  // What each caller is told about alice's private channel with bob, in Slack's words.
  const verdicts: Record<Identity, string> = {
    none: "not_authed",
    garbage: "invalid_auth",
    expired: "invalid_auth",
    otherSecret: "invalid_auth",
    algNone: "invalid_auth",
    outsider: "channel_not_found",
    nonMember: "channel_not_found",
    member: "ok",
    owner: "ok",
    admin: "channel_not_found",
    deactivated: "invalid_auth",
    download: "invalid_auth",
    ticket: "invalid_auth",
    bot: "channel_not_found",
    appToken: "not_allowed_token_type",
    revokedBot: "invalid_auth",
  };
  test("conversations.info on a private channel: ok for its members, a Slack error for everyone else", async () => {
    const results: Record<string, string> = {};
    for (const identity of identities) {
      const token = identity === "ticket" ? await ticket(alice.token) : tokens[identity];
      const reply = await fetch(`${app.url}/api/slack/conversations.info`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ channel: `C${sharedChat}`, ...(token && { token }) }),
      });
      const body = (await reply.json()) as { ok: boolean; error?: string };
      results[identity] = body.ok ? "ok" : (body.error ?? "");
    }
    expect(results).toEqual(verdicts);
  });
});

describe("the authorization matrix", () => {
  test("every documented route has a row, and every row a documented route", () => {
    expect([...documented].sort()).toEqual(Object.keys(rows).sort());
  });

  // Signing out everywhere ends the fixtures' tokens: it goes last.
  const last = (route: string) => (route.endsWith("/signout/everywhere") ? 1 : 0);
  for (const route of [...documented].sort((a, b) => last(a) - last(b))) {
    test(`${route}: each caller gets exactly its status`, async () => {
      const row = rows[route];
      if (!row) throw new Error(`no row for ${route}: add its expected statuses`);
      const method = route.split(" ")[0] as string;
      const results: Record<string, number> = {};
      const wanted: Record<string, number> = {};
      for (const identity of identities) {
        results[identity] = await attempt(method, row, identity);
        wanted[identity] = expected(row, identity);
      }
      expect(results).toEqual(wanted);
    });
  }
});
