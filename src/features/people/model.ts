// Wire models of people and administration: profiles, roles, invites, resets, the audit log.
import { Type } from "@sinclair/typebox";
import { t } from "elysia";
import { Name, WorkspaceSettings } from "../accounts/model.ts";

export const UpdateMeBody = t.Object({
  fullname: t.Optional(Name(64, "Shown to others")),
  title: t.Optional(t.String({ maxLength: 100, description: "May be empty" })),
  timezone: t.Optional(
    t.Nullable(t.String({ maxLength: 64, description: "An IANA name such as Asia/Shanghai" })),
  ),
  avatar: t.Optional(
    t.Nullable(
      t.String({
        maxLength: 512,
        description:
          "A URL from POST /api/upload of a PNG, JPEG, WebP or GIF image; null removes it",
      }),
    ),
  ),
  status: t.Optional(
    t.Nullable(
      t.Object(
        {
          text: t.String({ maxLength: 100 }),
          emoji: t.Optional(t.String({ maxLength: 64, description: "Default: none" })),
          until: t.Optional(
            t.Nullable(
              t.String({
                format: "date-time",
                description: "After this time the status is null. Default: null (no end)",
              }),
            ),
          ),
        },
        { description: "null, or a text with empty text and emoji, clears the status" },
      ),
    ),
  ),
});
export type UpdateMeBody = typeof UpdateMeBody.static;

export const UpdateUserBody = t.Object({
  role: t.Optional(
    t.Union([t.Literal("owner"), t.Literal("admin"), t.Literal("member")], {
      description: "admin or member, by the owner only; owner is 422",
    }),
  ),
  deactivated: t.Optional(t.Boolean()),
});
export type UpdateUserBody = typeof UpdateUserBody.static;

export const UpdateWorkspaceBody = t.Object({
  name: t.Optional(Name(64, "Unique server-wide, compared case-insensitively")),
  settings: t.Optional(t.Partial(WorkspaceSettings)),
});
export type UpdateWorkspaceBody = typeof UpdateWorkspaceBody.static;

export const CreateInviteBody = t.Object({
  maxUses: t.Optional(
    Type.Integer({ minimum: 1, maximum: 1000, description: "Default: any number of times" }),
  ),
  expiresInDays: t.Optional(Type.Integer({ minimum: 1, maximum: 30, description: "Default 7" })),
});
export type CreateInviteBody = typeof CreateInviteBody.static;

export const InviteInfo = t.Object(
  {
    code: t.String(),
    creatorId: Type.Integer({ minimum: 1 }),
    expiresAt: t.String({ format: "date-time" }),
    maxUses: t.Nullable(Type.Integer({ minimum: 1 })),
    uses: Type.Integer({ minimum: 0 }),
  },
  { $id: "#/components/schemas/InviteInfo" },
);
export type InviteInfo = typeof InviteInfo.static;

export const ResetCode = t.Object(
  {
    code: t.String({ description: "Single-use, URL-safe; give it to the user out of band" }),
    expiresAt: t.String({ format: "date-time", description: "One hour on" }),
  },
  { $id: "#/components/schemas/ResetCode" },
);
export type ResetCode = typeof ResetCode.static;

export const PasswordResetBody = t.Object({
  code: t.String({ maxLength: 256 }),
  password: t.String({ minLength: 8, maxLength: 128 }),
});
export type PasswordResetBody = typeof PasswordResetBody.static;

export const AuditEntry = t.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    at: t.String({ format: "date-time" }),
    actorId: t.Nullable(
      Type.Integer({ minimum: 1, description: "null: the server's own command line" }),
    ),
    action: t.String({ examples: ["user.role_changed"] }),
    targetType: t.String({ examples: ["user", "chat", "invite", "workspace"] }),
    targetId: t.Nullable(t.String()),
    details: t.Record(t.String(), t.Unknown()),
  },
  { $id: "#/components/schemas/AuditEntry" },
);
export type AuditEntry = typeof AuditEntry.static;

export const AuditQuery = t.Object({
  before: t.Optional(
    t.Numeric({ minimum: 1, multipleOf: 1, description: "An entry id, exclusive" }),
  ),
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 100, multipleOf: 1, default: 50 })),
});

export const UserIdParams = t.Object({ id: t.String() });
/** What an invite link shows before sign-up: the workspace it opens. */
export const InvitePreview = t.Object(
  {
    workspace: t.String({ description: "The name of the workspace the invite opens" }),
    expiresAt: t.String({ format: "date-time" }),
  },
  { $id: "#/components/schemas/InvitePreview" },
);
export type InvitePreview = typeof InvitePreview.static;

export const CodeParams = t.Object({ code: t.String({ maxLength: 256 }) });
