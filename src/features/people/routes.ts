import { Elysia, t } from "elysia";
import { ErrorBody, errorResponses } from "../../errors.ts";
import { rateLimits } from "../../rate-limit.ts";
import { type AuthDeps, authenticated, tokens } from "../accounts/auth.ts";
import { Invite, Session, User, Workspace } from "../accounts/model.ts";
import { IdParams } from "../chats/model.ts";
import {
  AuditEntry,
  AuditQuery,
  CodeParams,
  CreateInviteBody,
  InviteInfo,
  InvitePreview,
  PasswordResetBody,
  ResetCode,
  UpdateMeBody,
  UpdateUserBody,
  UpdateWorkspaceBody,
} from "./model.ts";
import {
  createInvite,
  createResetCode,
  getWorkspace,
  listAudit,
  listInvites,
  previewInvite,
  resetPassword,
  revokeInvite,
  updateMe,
  updateUser,
  updateWorkspace,
} from "./service.ts";

const adminErrors = { 403: ErrorBody, ...errorResponses } as const;

export const peopleRoutes = (deps: AuthDeps) =>
  new Elysia({ name: "people", prefix: "/api", detail: { tags: ["People"] } })
    .use(tokens(deps))
    .use(rateLimits(deps))
    .get("/invites/:code", ({ params }) => previewInvite(deps, params.code), {
      params: CodeParams,
      // Codes are long and random; a per-IP limit (sign-up's) still keeps anyone from trying many.
      limit: "signup",
      response: { 200: InvitePreview, ...errorResponses },
      detail: {
        summary: "The workspace an invite opens (no token)",
        description:
          "For the sign-up an invite link (`/?invite=CODE`) shows: the workspace's name while the invite still opens it. An unknown, expired, revoked or used-up code is 404. Limited per IP (`limits.signup`).",
        security: [],
      },
    })
    .post("/password/reset", ({ body, jwt }) => resetPassword(deps, body, jwt), {
      body: PasswordResetBody,
      // A code is 32 random characters; a per-IP limit (sign-up's: it has no account to key
      // on) keeps guessing pointless all the same.
      limit: "signup",
      response: { 200: Session, 403: ErrorBody, ...errorResponses },
      detail: {
        summary: "Set a new password with a reset code",
        description:
          "The code (from `POST /api/users/{id}/reset` or `chat reset-password`) is single-use and valid for one hour; an unknown, used or expired code, or a deactivated user's, is 403. Every other token of the user ends; the answer is a new session. Limited per IP (`limits.signup`).",
        security: [],
      },
    })
    .use(authenticated(deps))
    .patch("/me", ({ ctx, body }) => updateMe(ctx, body), {
      body: UpdateMeBody,
      response: { 200: User, ...errorResponses },
      detail: {
        summary: "Change the caller's profile",
        description:
          "Any of `fullname`, `title`, `timezone` (an IANA name, or null), `avatar` (an uploaded PNG, JPEG, WebP or GIF, or null) and `status` (`{text, emoji, until}` or null; served as null once `until` has passed). A change sends `user.updated` to the workspace; one that changes nothing sends nothing.",
      },
    })
    .patch("/users/:id", ({ ctx, params, body }) => updateUser(ctx, Number(params.id), body), {
      params: IdParams,
      body: UpdateUserBody,
      response: { 200: User, ...adminErrors },
      detail: {
        summary: "Change a user's role, or deactivate or reactivate them (owner and admins)",
        description:
          "Only the owner makes and unmakes admins, and only the owner deactivates an admin (403 for an admin). Nobody changes the owner or themselves, and `role: owner` is never given (422). Deactivation ends every token and open connection of the user at once, on every instance; reactivation lets them sign in again, while the ended tokens stay ended. Sends `user.updated`; recorded in the audit log.",
      },
    })
    .get("/workspace", ({ ctx }) => getWorkspace(ctx), {
      response: { 200: Workspace, ...errorResponses },
      detail: { summary: "The caller's workspace, with its settings" },
    })
    .patch("/workspace", ({ ctx, body }) => updateWorkspace(ctx, body), {
      body: UpdateWorkspaceBody,
      response: { 200: Workspace, 409: ErrorBody, ...adminErrors },
      detail: {
        summary: "Rename the workspace or change its settings (owner and admins)",
        description:
          "`settings` is merged key by key. `invites: admins` lets only the owner and admins invite; `channelCreation: admins` lets only them create channels; with `retentionDays` set, messages older than that many days are removed for good by the hourly job (with their edits, reactions, mentions and the files nothing else carries; no event; a root with replies still kept stays as a tombstone). A name another workspace has (compared case-insensitively) is 409. Sends `workspace.updated`; recorded in the audit log.",
      },
    })
    .post(
      "/invites",
      async ({ ctx, body, set }) => {
        const invite = await createInvite(ctx, body ?? {});
        set.status = 201;
        return invite;
      },
      {
        body: t.Optional(CreateInviteBody),
        response: { 201: Invite, ...adminErrors },
        detail: {
          summary: "Make an invite code",
          description:
            "For the caller's workspace only. `maxUses` 1–1000 (default: unlimited), `expiresInDays` 1–30 (default 7). With the workspace setting `invites: admins`, members get 403. The link `/?invite=CODE` opens the sign-up with it. Recorded in the audit log.",
        },
      },
    )
    .get("/invites", ({ ctx }) => listInvites(ctx), {
      response: { 200: t.Array(InviteInfo), ...errorResponses },
      detail: {
        summary: "The unexpired invites the caller may revoke",
        description: "A member's own; every invite of the workspace for the owner and admins.",
      },
    })
    .delete(
      "/invites/:code",
      async ({ ctx, params, set }) => {
        await revokeInvite(ctx, params.code);
        set.status = 204;
      },
      {
        params: CodeParams,
        response: { 204: t.Void(), ...adminErrors },
        detail: {
          summary: "Revoke an invite (its creator, the owner and admins)",
          description:
            "It opens nothing from then on. Another workspace's or an unknown code is 404. Recorded in the audit log.",
        },
      },
    )
    .post(
      "/users/:id/reset",
      async ({ ctx, params, set }) => {
        const code = await createResetCode(ctx, Number(params.id));
        set.status = 201;
        return code;
      },
      {
        params: IdParams,
        body: t.Optional(t.Object({})),
        response: { 201: ResetCode, ...adminErrors },
        detail: {
          summary: "Make a password reset code for a user (owner and admins)",
          description:
            "At least 16 URL-safe characters, single-use, valid for one hour: the user sets a new password with `POST /api/password/reset`. Only the owner resets an admin; nobody resets the owner or themselves (422). Recorded in the audit log.",
        },
      },
    )
    .get("/audit", ({ ctx, query }) => listAudit(ctx, query), {
      query: AuditQuery,
      response: { 200: t.Array(AuditEntry), ...adminErrors },
      detail: {
        summary: "The workspace's audit log, newest first (owner and admins)",
        description:
          "Role changes, deactivations, invites made and revoked, reset codes, settings changes, archives. Page backwards with `before` (an entry id, exclusive); `limit` 1–100, default 50. Never editable through the API.",
      },
    });
