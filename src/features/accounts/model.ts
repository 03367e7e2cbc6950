// Wire models of accounts and workspaces, as the API contract writes them.
import { Type } from "@sinclair/typebox";
import { t } from "elysia";

// Ids are TypeBox's strict integers: Elysia's t.Integer also takes numeric strings, which the
// contract does not (query strings, which are strings by nature, keep the coercing kind).

/** Visible text: at least one character that is not white space. */
export const Name = (max: number, description: string) =>
  t.String({ minLength: 1, maxLength: max, pattern: "\\S", description });

export const Email = t.String({
  format: "email",
  maxLength: 254,
  description: "Unique server-wide, compared case-insensitively",
  examples: ["alice@acme.test"],
});

export const Role = t.Union([t.Literal("owner"), t.Literal("admin"), t.Literal("member")], {
  description: "The workspace's creator is its owner; the owner makes and unmakes admins",
});
export type Role = typeof Role.static;

export const Status = t.Object(
  {
    text: t.String({ maxLength: 100 }),
    emoji: t.String({ maxLength: 64 }),
    until: t.Nullable(
      t.String({ format: "date-time", description: "After this time the status is null" }),
    ),
  },
  { $id: "#/components/schemas/Status" },
);
export type Status = typeof Status.static;

export const User = t.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    fullname: t.String(),
    email: t.Nullable(t.String({ description: "null for a bot" })),
    workspaceId: Type.Integer({ minimum: 1 }),
    createdAt: t.String({ format: "date-time" }),
    role: Role,
    deactivated: t.Boolean({ description: "Signed out everywhere and unable to sign in" }),
    bot: t.Boolean({
      description: "A bot user (POST /api/bots, or a webhook's): it cannot sign in",
    }),
    title: t.String({ description: "May be empty" }),
    avatarUrl: t.Nullable(t.String({ description: "An uploaded image's file URL" })),
    status: t.Nullable(Status),
    timezone: t.Nullable(t.String({ description: "An IANA name such as Asia/Shanghai" })),
  },
  { $id: "#/components/schemas/User" },
);
export type User = typeof User.static;

export const WorkspaceSettings = t.Object(
  {
    invites: t.Union([t.Literal("members"), t.Literal("admins")], {
      description: "Who may make invites: every member (the default) or the owner and admins",
    }),
    channelCreation: t.Union([t.Literal("members"), t.Literal("admins")], {
      description:
        "Who may create channels, public or private: every member (the default) or the owner and admins",
    }),
    retentionDays: t.Nullable(
      Type.Integer({
        minimum: 1,
        maximum: 36500,
        description: "Messages older than this are removed for good; null keeps them (default)",
      }),
    ),
  },
  { $id: "#/components/schemas/WorkspaceSettings" },
);
export type WorkspaceSettings = typeof WorkspaceSettings.static;

export const Workspace = t.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    name: t.String(),
    ownerId: Type.Integer({ minimum: 1 }),
    createdAt: t.String({ format: "date-time" }),
    settings: WorkspaceSettings,
  },
  { $id: "#/components/schemas/Workspace" },
);
export type Workspace = typeof Workspace.static;

export const SignupBody = t.Object({
  fullname: Name(64, "Shown to others"),
  email: Email,
  password: t.String({ minLength: 8, maxLength: 128 }),
  workspace: Name(64, "A new name creates the workspace; an existing one needs an invite"),
  invite: t.Optional(t.String({ maxLength: 128, description: "Code from POST /api/invites" })),
});
export type SignupBody = typeof SignupBody.static;

export const SigninBody = t.Object({
  email: t.String({ maxLength: 254 }),
  password: t.String({ maxLength: 1024 }),
});
export type SigninBody = typeof SigninBody.static;

export const Session = t.Object(
  {
    token: t.String({ description: "Send as Authorization: Bearer <token>" }),
    user: User,
    workspace: Workspace,
  },
  { $id: "#/components/schemas/Session" },
);
export type Session = typeof Session.static;

export const Me = t.Object({ user: User, workspace: Workspace });
export type Me = typeof Me.static;

export const Invite = t.Object(
  {
    code: t.String({ description: "Opens the workspace to whoever signs up with it" }),
    expiresAt: t.String({ format: "date-time" }),
  },
  { $id: "#/components/schemas/Invite" },
);
export type Invite = typeof Invite.static;

export const ChangePasswordBody = t.Object({
  currentPassword: t.String({ maxLength: 1024 }),
  newPassword: t.String({ minLength: 8, maxLength: 128 }),
});
export type ChangePasswordBody = typeof ChangePasswordBody.static;

export const NewToken = t.Object({
  token: t.String({ description: "Tokens issued before the change no longer work" }),
});
export type NewToken = typeof NewToken.static;

export const Ticket = t.Object(
  {
    ticket: t.String({ description: "Opens one WebSocket or event stream as `?ticket=`" }),
    expiresAt: t.String({
      format: "date-time",
      description: "60 seconds on, or the session's end",
    }),
  },
  { $id: "#/components/schemas/Ticket" },
);
export type Ticket = typeof Ticket.static;

export const DownloadToken = t.Object(
  {
    token: t.String({ description: "Opens file downloads only, as `?download=`" }),
    expiresAt: t.String({ format: "date-time", description: "24 hours on, or the session's end" }),
  },
  { $id: "#/components/schemas/DownloadToken" },
);
export type DownloadToken = typeof DownloadToken.static;
