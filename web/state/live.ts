// The live connection: one WebSocket, resumed with `since` after any drop, and an outbox of
// messages that are sent with a clientId until acknowledged, so nothing typed is lost or doubled.
import type { Event, Message, PendingMessage } from "./store.ts";

export type LiveHandlers = {
  /** `fresh`: state must be (re)loaded over HTTP (first connection, or the server said reset). */
  ready(fresh: boolean): Promise<void> | void;
  event(event: Event): void;
  ack(message: Message): void;
  refused(clientId: string, reason: string): void;
  typing(chatId: number, userId: number): void;
  presence(userId: number, status: "online" | "offline"): void;
  status(connection: "connecting" | "live" | "offline"): void;
};

type Frame = { type: string; [key: string]: unknown };

// Errors a retry cannot fix: the message is kept, marked, and not sent again.
const finalCodes = new Set(["validation_failed", "forbidden", "not_found", "payload_too_large"]);

export class LiveConnection {
  private socket: WebSocket | undefined;
  private lastEventId: number | undefined;
  private closedByUs = false;
  private retryMs = 250;
  private outbox: PendingMessage[] = [];
  /** Events that arrive while state is being (re)loaded are applied after it. */
  private held: Event[] | undefined;

  constructor(
    /** A fresh single-use ticket for each connection. */
    private readonly ticket: () => Promise<string>,
    private readonly handlers: LiveHandlers,
  ) {}

  connect(): void {
    this.closedByUs = false;
    this.handlers.status("connecting");
    this.ticket().then(
      (ticket) => {
        if (!this.closedByUs) this.open(ticket);
      },
      () => {
        // The server cannot be reached (or signed us out, which closes this connection).
        this.handlers.status("offline");
        if (!this.closedByUs) this.retry(false);
      },
    );
  }

  private retry(afterWorking: boolean): void {
    // Back off while the server is unreachable, quickly after a connection that had worked.
    const delay = afterWorking ? 250 : this.retryMs;
    this.retryMs = afterWorking ? 250 : Math.min(this.retryMs * 2, 5000);
    setTimeout(() => this.connect(), delay);
  }

  private open(ticket: string): void {
    const url = new URL("/api/ws", location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("ticket", ticket);
    if (this.lastEventId !== undefined) url.searchParams.set("since", String(this.lastEventId));
    const socket = new WebSocket(url);
    this.socket = socket;
    let sawReady = false;
    socket.onmessage = async (message) => {
      const frame = JSON.parse(String(message.data)) as Frame;
      if (frame.type === "ready") {
        sawReady = true;
        const fresh = this.lastEventId === undefined;
        this.lastEventId = (frame.lastEventId as number) ?? 0;
        // A resumed connection replays what was missed as ordinary events.
        if (fresh) await this.reload();
        else this.live();
      } else if (frame.type === "reset") {
        // Too far behind to replay: load the state again, as at the start.
        await this.reload();
      } else this.receive(frame);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.handlers.status("offline");
      if (this.closedByUs) return;
      this.retry(sawReady);
    };
  }

  close(): void {
    this.closedByUs = true;
    this.socket?.close();
  }

  /** Drops the socket as a network failure would; it reconnects and resumes by itself. */
  drop(): void {
    this.socket?.close(4000, "dropped");
  }

  send(pending: PendingMessage): void {
    this.outbox.push(pending);
    this.flush();
  }

  /** Messages left from an earlier page load: sent again, safely, with their clientIds. */
  restore(pending: PendingMessage[]): void {
    for (const message of pending) if (!message.failed) this.outbox.push(message);
    this.flush();
  }

  typing(chatId: number): void {
    if (this.isLive()) this.socket?.send(JSON.stringify({ type: "typing", chatId }));
  }

  private async reload(): Promise<void> {
    this.held = [];
    try {
      await this.handlers.ready(true);
    } catch {
      // The state could not be loaded (the network went away again): start over on a new
      // connection, which will load it again.
      this.held = undefined;
      this.lastEventId = undefined;
      this.socket?.close(4001, "reload failed");
      return;
    }
    const held = this.held ?? [];
    this.held = undefined;
    for (const event of held) this.handlers.event(event);
    this.live();
  }

  private live(): void {
    this.handlers.status("live");
    this.retryMs = 250;
    this.flush();
  }

  private isLive(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Sends every unacknowledged message; resending after a drop is safe (same clientId). */
  private flush(): void {
    if (!this.isLive()) return;
    for (const pending of this.outbox) {
      this.socket?.send(
        JSON.stringify({
          type: "send",
          chatId: pending.chatId,
          content: pending.content,
          files: pending.files,
          clientId: pending.clientId,
          ...(pending.threadId !== undefined && { threadId: pending.threadId }),
        }),
      );
    }
  }

  private settle(clientId: string): void {
    this.outbox = this.outbox.filter((p) => p.clientId !== clientId);
  }

  private receive(frame: Frame): void {
    switch (frame.type) {
      case "ack": {
        const message = frame.data as Message;
        if (message.clientId) this.settle(message.clientId);
        this.handlers.ack(message);
        return;
      }
      case "error": {
        const clientId = frame.clientId as string | undefined;
        const error = frame.error as { code: string; message: string };
        if (clientId && finalCodes.has(error.code)) {
          this.settle(clientId);
          this.handlers.refused(clientId, error.message);
        }
        return;
      }
      case "typing": {
        const data = frame.data as { chatId: number; userId: number };
        this.handlers.typing(data.chatId, data.userId);
        return;
      }
      case "presence": {
        const data = frame.data as { userId: number; status: "online" | "offline" };
        this.handlers.presence(data.userId, data.status);
        return;
      }
      case "pong":
        return;
    }
    if (typeof frame.id === "number") {
      const event = frame as unknown as Event;
      this.lastEventId = Math.max(this.lastEventId ?? 0, event.id);
      if (this.held) this.held.push(event);
      else this.handlers.event(event);
    }
  }
}
