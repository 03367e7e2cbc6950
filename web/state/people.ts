// The rules of people and administration the views show: who may do what, a status that has
// expired, invite links and what they fill in, and the audit log in words. Plain functions.
import type { AuditEntry } from "../../src/features/people/model.ts";
import type { Chat, State, User } from "./store.ts";

export const isAdmin = (user: User): boolean => user.role === "owner" || user.role === "admin";

/** A status past its `until` is no status: the server clears it lazily, the view at once. */
export function currentStatus(user: User, now: number): User["status"] {
  const status = user.status;
  if (!status) return null;
  if (status.until !== null && Date.parse(status.until) <= now) return null;
  return status;
}

/** Whether the caller may archive or unarchive the chat: channels only, by their owner or admins. */
export function mayArchive(state: State, chat: Chat): boolean {
  const channel = chat.type === "public_channel" || chat.type === "private_channel";
  return channel && (chat.ownerId === state.me.id || isAdmin(state.me));
}

/** Whether the open chat takes new messages and changes from here. */
export const isReadOnly = (chat: Chat): boolean => chat.archived;

/**
 * The link that opens the sign-up with the invite filled in; the sign-up asks the server which
 * workspace it opens (GET /api/invites/{code}). An older link that also names the workspace works.
 */
export function inviteLink(origin: string, code: string): string {
  const query = new URLSearchParams({ invite: code });
  return `${origin}/?${query}`;
}

/** What an invite link fills in on the sign-up form, if the address is one. */
export function invitedTo(search: string): { invite: string; workspace: string } | undefined {
  const query = new URLSearchParams(search);
  const invite = query.get("invite");
  if (!invite) return undefined;
  return { invite, workspace: query.get("workspace") ?? "" };
}

/** When a status set now for `choice` ends: null keeps it until cleared. */
export function statusUntil(choice: "never" | "1h" | "4h" | "today", now: Date): string | null {
  if (choice === "never") return null;
  if (choice === "today") {
    const end = new Date(now);
    end.setHours(23, 59, 59, 999);
    return end.toISOString();
  }
  const hours = choice === "1h" ? 1 : 4;
  return new Date(now.getTime() + hours * 3_600_000).toISOString();
}

const actions: Record<string, string> = {
  "user.role_changed": "changed the role of",
  "user.deactivated": "deactivated",
  "user.reactivated": "reactivated",
  "user.reset_code_created": "made a password reset code for",
  "invite.created": "made an invite",
  "invite.revoked": "revoked an invite",
  "workspace.settings_changed": "changed the workspace's settings",
  "workspace.renamed": "renamed the workspace",
  "chat.archived": "archived a chat",
  "chat.unarchived": "unarchived a chat",
  "message.deleted": "deleted a message of",
  "bot.created": "made the bot",
  "bot.revoked": "revoked the bot",
};

/** An audit entry in words: "Alice deactivated Bob". */
export function auditSentence(entry: AuditEntry, users: Record<number, User>): string {
  const name = (id: unknown) =>
    typeof id === "number" || typeof id === "string"
      ? (users[Number(id)]?.fullname ?? `user ${id}`)
      : "someone";
  const actor = entry.actorId === null ? "The server" : name(entry.actorId);
  const what = actions[entry.action] ?? entry.action;
  if (entry.targetType === "user") return `${actor} ${what} ${name(entry.targetId)}`;
  if (entry.action === "message.deleted") return `${actor} ${what} ${name(entry.details.senderId)}`;
  return `${actor} ${what}`;
}

/** The workspace's people for the directory: active first, by name; a search matches name or title. */
export function directory(state: State, search: string): User[] {
  const needle = search.trim().toLowerCase();
  return Object.values(state.users)
    .filter(
      (user) =>
        !needle ||
        user.fullname.toLowerCase().includes(needle) ||
        user.title.toLowerCase().includes(needle),
    )
    .sort(
      (a, b) =>
        Number(a.deactivated) - Number(b.deactivated) || a.fullname.localeCompare(b.fullname),
    );
}

/** The time where someone is, "14:05", if their time zone is known (and valid). */
export function localTime(user: User, now: Date): string | undefined {
  if (!user.timezone) return undefined;
  try {
    return now.toLocaleTimeString([], {
      timeZone: user.timezone,
      hour: "2-digit",
      minute: "2-digit",
    });
  } catch {
    return undefined;
  }
}
