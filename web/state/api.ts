// The HTTP side of the contract, for the browser. Every failure becomes an ApiError carrying the
// server's code and sentence, which the views show as they are.

import type {
  DownloadToken,
  Invite,
  Me,
  NewToken,
  Session,
  Status,
  Ticket,
  WorkspaceSettings,
} from "../../src/features/accounts/model.ts";
import type { FileInfo } from "../../src/features/files/model.ts";
import type { ImportJob, NewBot } from "../../src/features/integrations/model.ts";
import type { NewWebhook, Webhook } from "../../src/features/integrations/webhook-model.ts";
import type { Edit } from "../../src/features/messages/model.ts";
import type {
  AuditEntry,
  InviteInfo,
  InvitePreview,
  ResetCode,
} from "../../src/features/people/model.ts";
import type { SearchAnswer, SearchQuery } from "../../src/features/search/model.ts";
import type { Chat, Message, User, Workspace } from "./store.ts";

export type {
  AuditEntry,
  Edit,
  FileInfo,
  ImportJob,
  Invite,
  InviteInfo,
  NewBot,
  NewWebhook,
  SearchAnswer,
  SearchQuery,
  Session,
  Status,
  Webhook,
  WorkspaceSettings,
};

/** What a profile change may set (PATCH /api/me). */
export type ProfileChange = {
  fullname?: string;
  title?: string;
  timezone?: string | null;
  avatar?: string | null;
  status?: Status | null;
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class Api {
  constructor(
    private readonly token: string,
    /** Told the server's sentence when a request answers 401 (signed out, deactivated). */
    private readonly onUnauthorized: (reason: string) => void = () => {},
  ) {}

  me = () => this.call<Me>("GET", "/api/me");
  users = () => this.call<User[]>("GET", "/api/users");
  chats = () => this.call<Chat[]>("GET", "/api/chat");
  channels = () => this.call<Chat[]>("GET", "/api/channels");
  presence = () => this.call<{ online: number[] }>("GET", "/api/presence");
  invite = () => this.call<Invite>("POST", "/api/invites", {});
  createChat = (body: { type?: Chat["type"]; name?: string; members: number[] }) =>
    this.call<Chat>("POST", "/api/chat", body);
  updateChat = (id: number, body: { name?: string | null; members?: number[] }) =>
    this.call<Chat>("PATCH", `/api/chat/${id}`, body);
  deleteChat = (id: number) => this.call<void>("DELETE", `/api/chat/${id}`);
  joinChat = (id: number) => this.call<Chat>("POST", `/api/chat/${id}/join`);
  leaveChat = (id: number) => this.call<void>("POST", `/api/chat/${id}/leave`);
  /** A page of the chat's top-level messages, or with `thread` of that message's replies. */
  history = (id: number, page: { before?: number; limit: number; thread?: number }) =>
    this.call<Message[]>(
      "GET",
      `/api/chat/${id}/messages?limit=${page.limit}${page.before ? `&before=${page.before}` : ""}${
        page.thread ? `&thread=${page.thread}` : ""
      }`,
    );
  /** The page of top-level messages around one (a reply stands for its root), newest first. */
  historyAround = (id: number, messageId: number, limit: number) =>
    this.call<Message[]>("GET", `/api/chat/${id}/messages?around=${messageId}&limit=${limit}`);
  search = (query: SearchQuery) =>
    this.call<SearchAnswer>(
      "GET",
      `/api/search?${new URLSearchParams(
        Object.entries(query).flatMap(([key, value]): [string, string][] =>
          value === undefined ? [] : [[key, String(value)]],
        ),
      )}`,
    );
  message = (id: number, messageId: number) =>
    this.call<Message>("GET", `/api/chat/${id}/messages/${messageId}`);
  edit = (id: number, messageId: number, content: string) =>
    this.call<Message>("PATCH", `/api/chat/${id}/messages/${messageId}`, { content });
  edits = (id: number, messageId: number) =>
    this.call<Edit[]>("GET", `/api/chat/${id}/messages/${messageId}/edits`);
  deleteMessage = (id: number, messageId: number) =>
    this.call<void>("DELETE", `/api/chat/${id}/messages/${messageId}`);
  react = (id: number, messageId: number, emoji: string, on: boolean) =>
    this.call<Message>(
      on ? "PUT" : "DELETE",
      `/api/chat/${id}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`,
    );
  pin = (id: number, messageId: number, on: boolean) =>
    this.call<Message>(on ? "PUT" : "DELETE", `/api/chat/${id}/pins/${messageId}`);
  pins = (id: number) => this.call<Message[]>("GET", `/api/chat/${id}/pins`);
  archive = (id: number, archived: boolean) =>
    this.call<Chat>("POST", `/api/chat/${id}/${archived ? "archive" : "unarchive"}`);

  // People and administration.
  updateMe = (change: ProfileChange) => this.call<User>("PATCH", "/api/me", change);
  updateUser = (id: number, change: { role?: "admin" | "member"; deactivated?: boolean }) =>
    this.call<User>("PATCH", `/api/users/${id}`, change);
  workspace = () => this.call<Workspace>("GET", "/api/workspace");
  updateWorkspace = (change: { name?: string; settings?: Partial<WorkspaceSettings> }) =>
    this.call<Workspace>("PATCH", "/api/workspace", change);
  invites = () => this.call<InviteInfo[]>("GET", "/api/invites");
  createInvite = (options: { maxUses?: number; expiresInDays?: number }) =>
    this.call<Invite>("POST", "/api/invites", options);
  revokeInvite = (code: string) =>
    this.call<void>("DELETE", `/api/invites/${encodeURIComponent(code)}`);
  audit = (before?: number) =>
    this.call<AuditEntry[]>("GET", `/api/audit?limit=50${before ? `&before=${before}` : ""}`);
  // Integrations (issue #27).
  bots = () => this.call<User[]>("GET", "/api/bots");
  createBot = (name: string) => this.call<NewBot>("POST", "/api/bots", { name });
  revokeBot = (id: number) => this.call<void>("DELETE", `/api/bots/${id}`);
  webhooks = (chatId: number) => this.call<Webhook[]>("GET", `/api/chat/${chatId}/webhooks`);
  createWebhook = (chatId: number, name: string) =>
    this.call<NewWebhook>("POST", `/api/chat/${chatId}/webhooks`, { name });
  revokeWebhook = (id: number) => this.call<void>("DELETE", `/api/webhooks/${id}`);
  resetCode = (userId: number) => this.call<ResetCode>("POST", `/api/users/${userId}/reset`, {});
  changePassword = (currentPassword: string, newPassword: string) =>
    this.call<NewToken>("POST", "/api/me/password", { currentPassword, newPassword });
  signOut = () => this.call<void>("POST", "/api/signout", {});
  signOutEverywhere = () => this.call<void>("POST", "/api/signout/everywhere", {});
  // Read state and notifications (issue #24).
  chat = (id: number) => this.call<Chat>("GET", `/api/chat/${id}`);
  read = (id: number, messageId: number) =>
    this.call<{ lastReadMessageId: number; unreadCount: number; mentionCount: number }>(
      "POST",
      `/api/chat/${id}/read`,
      { messageId },
    );
  setNotify = (id: number, level: "all" | "mentions" | "none") =>
    this.call<Chat>("PUT", `/api/chat/${id}/notify`, { level });
  pushKey = () => this.call<{ publicKey: string }>("GET", "/api/push/key");
  subscribePush = (subscription: unknown) =>
    this.call<void>("POST", "/api/push/subscriptions", subscription);

  /** Uploads with progress (fetch cannot report upload progress; XMLHttpRequest can). */
  upload(files: File[], onProgress: (fraction: number) => void): Promise<FileInfo[]> {
    return this.send<FileInfo[]>("/api/upload", files, 201, onProgress);
  }

  /** A Slack export zip, uploaded with progress; the import then runs on the server. */
  startImport(file: File, onProgress: (fraction: number) => void): Promise<ImportJob> {
    return this.send<ImportJob>("/api/admin/import", [file], 202, onProgress);
  }
  importJob = (id: number) => this.call<ImportJob>("GET", `/api/admin/import/${id}`);

  private send<T>(
    path: string,
    files: File[],
    expected: number,
    onProgress: (fraction: number) => void,
  ): Promise<T> {
    const form = new FormData();
    for (const file of files) form.append("files", file, file.name);
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", path);
      request.setRequestHeader("authorization", `Bearer ${this.token}`);
      request.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      };
      request.onload = () => {
        const body = parse(request.responseText);
        if (request.status === expected) resolve(body as T);
        else reject(toError(request.status, body));
      };
      request.onerror = () =>
        reject(new ApiError(0, "network", "the upload could not reach the server"));
      request.send(form);
    });
  }

  /** A single-use ticket that opens one WebSocket: the session token never goes in a URL. */
  ticket = async () => (await this.call<Ticket>("POST", "/api/tickets", {})).ticket;

  private download: DownloadToken | undefined;

  /**
   * Keeps a download token that outlives the next hour: images and links carry it, and it opens
   * nothing but downloads, so a copied link never carries the login.
   */
  async refreshDownloadToken(): Promise<void> {
    const hourMs = 3_600_000;
    if (this.download && Date.parse(this.download.expiresAt) - Date.now() > hourMs) return;
    this.download = await this.call<DownloadToken>("POST", "/api/files/token", {});
  }

  /** A URL a browser element can load directly (images, downloads). */
  fileUrl(url: string): string {
    return this.download ? `${url}?download=${encodeURIComponent(this.download.token)}` : url;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined && { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch(() => {
      throw new ApiError(0, "network", "the server cannot be reached; check your connection");
    });
    if (response.status === 204) return undefined as T;
    const parsed = parse(await response.text());
    if (response.status === 401) this.onUnauthorized(toError(401, parsed).message);
    if (!response.ok) throw toError(response.status, parsed);
    return parsed as T;
  }
}

/** Sign-up, sign-in and a password reset with an admin's code, before there is a token. */
export async function authenticate(
  kind: "signup" | "signin" | "password/reset",
  body: Record<string, string>,
): Promise<Session> {
  const response = await fetch(`/api/${kind}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  }).catch(() => {
    throw new ApiError(0, "network", "the server cannot be reached; check your connection");
  });
  const parsed = parse(await response.text());
  if (!response.ok) throw toError(response.status, parsed);
  return parsed as Session;
}

/** The workspace an invite link opens, before there is a token. */
export async function previewInvite(code: string): Promise<InvitePreview> {
  const response = await fetch(`/api/invites/${encodeURIComponent(code)}`).catch(() => {
    throw new ApiError(0, "network", "the server cannot be reached; check your connection");
  });
  const parsed = parse(await response.text());
  if (!response.ok) throw toError(response.status, parsed);
  return parsed as InvitePreview;
}

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

function toError(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return new ApiError(
    status,
    error?.code ?? "unknown",
    error?.message ?? `the server answered ${status}`,
  );
}
