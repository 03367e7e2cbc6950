// The HTTP side of the contract, for the browser. Every failure becomes an ApiError carrying the
// server's code and sentence, which the views show as they are.

import type {
  DownloadToken,
  Invite,
  Me,
  Session,
  Ticket,
} from "../../src/features/accounts/model.ts";
import type { FileInfo } from "../../src/features/files/model.ts";
import type { Edit } from "../../src/features/messages/model.ts";
import type { Chat, Message, User } from "./store.ts";

export type { Edit, FileInfo, Invite, Session };

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
    private readonly onUnauthorized: () => void = () => {},
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
    const form = new FormData();
    for (const file of files) form.append("files", file, file.name);
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", "/api/upload");
      request.setRequestHeader("authorization", `Bearer ${this.token}`);
      request.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      };
      request.onload = () => {
        const body = parse(request.responseText);
        if (request.status === 201) resolve(body as FileInfo[]);
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
    if (response.status === 401) this.onUnauthorized();
    if (response.status === 204) return undefined as T;
    const parsed = parse(await response.text());
    if (!response.ok) throw toError(response.status, parsed);
    return parsed as T;
  }
}

/** Sign-up and sign-in, before there is a token. */
export async function authenticate(
  kind: "signup" | "signin",
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
