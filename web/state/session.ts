// One signed-in session: the state, the API, the live connection, and the verbs the views call.
import { Api } from "./api.ts";
import { LiveConnection } from "./live.ts";
import type { Chat, Draft, FileInfo, PendingMessage, State } from "./store.ts";
import * as rules from "./store.ts";

export const historyPage = 50;

type Listener = (state: State) => void;

export class Session {
  readonly api: Api;
  private readonly live: LiveConnection;
  private current: State;
  private readonly listeners = new Set<Listener>();
  private readonly outboxKey: string;
  private readonly draftsKey: string;

  constructor(
    readonly token: string,
    me: rules.User,
    workspace: rules.Workspace,
    private readonly signOut: () => void,
    openChatId?: number,
  ) {
    this.current = rules.initialState(me, workspace, openChatId);
    this.outboxKey = `chat.outbox.${me.id}`;
    this.draftsKey = `chat.drafts.${me.id}`;
    this.api = new Api(token, signOut);
    this.live = new LiveConnection(() => this.api.ticket(), {
      ready: () => this.reload(),
      event: (event) => {
        this.update((s) => rules.applyEvent(s, event));
        if (rules.unknownUsers(this.current, event).length > 0) this.refreshUsers();
      },
      ack: (message) => this.update((s) => rules.acknowledged(s, message)),
      refused: (clientId, reason) => this.update((s) => rules.refused(s, clientId, reason)),
      typing: (chatId, userId) =>
        this.update((s) => rules.typingSeen(s, chatId, userId, Date.now())),
      presence: (userId, status) => {
        this.update((s) => rules.presenceChanged(s, userId, status));
        // Someone new in the workspace shows up first by coming online.
        if (!this.current.users[userId]) this.refreshUsers();
      },
      status: (connection) => this.update((s) => rules.connectionChanged(s, connection)),
    });
  }

  get state(): State {
    return this.current;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    // Messages typed before a reload (or while offline when the tab closed) are sent now.
    const saved = JSON.parse(localStorage.getItem(this.outboxKey) ?? "[]") as PendingMessage[];
    for (const pending of saved) this.update((s) => rules.queued(s, pending));
    // Drafts, like the outbox, outlive the page.
    const drafts = JSON.parse(localStorage.getItem(this.draftsKey) ?? "{}") as Record<
      number,
      Draft
    >;
    this.update((s) => rules.draftsRestored(s, drafts));
    this.live.restore(saved);
    this.live.connect();
  }

  stop(): void {
    this.live.close();
  }

  /** Runs a view's action; a failure becomes a notice the user sees, never an uncaught error. */
  attempt(action: () => Promise<unknown>): void {
    action().catch((error: Error) => this.update((s) => rules.noticed(s, error.message)));
  }

  dismissNotice(): void {
    this.update((s) => rules.noticed(s, undefined));
  }

  /** For tests and for "reconnect now": drop the socket as a network failure would. */
  dropConnection(): void {
    this.live.drop();
  }

  async openChat(chatId: number | undefined): Promise<void> {
    this.update((s) => rules.openChat(s, chatId));
    const open = this.current.openChatId;
    if (open !== undefined && !this.current.messages[open]) await this.loadHistory(open, false);
  }

  async loadOlder(chatId: number): Promise<void> {
    const list = this.current.messages[chatId];
    if (!list?.hasOlder) return;
    await this.loadHistory(chatId, true);
  }

  draft(chatId: number, text: string): void {
    this.update((s) => rules.drafted(s, chatId, text));
  }

  removeFile(chatId: number, url: string): void {
    this.update((s) => rules.fileRemoved(s, chatId, url));
  }

  /** Uploads files into the chat's draft; they are sent with it, never with another message. */
  async attach(chatId: number, files: File[]): Promise<void> {
    const id = crypto.randomUUID();
    this.update((s) => rules.uploadStarted(s, { id, chatId, fraction: 0 }));
    let uploaded: FileInfo[] = [];
    try {
      uploaded = await this.api.upload(files, (fraction) =>
        this.update((s) => rules.uploadProgressed(s, id, fraction)),
      );
    } finally {
      this.update((s) => rules.uploadFinished(s, id, uploaded));
    }
  }

  /** Sends the chat's draft, unless it is empty or a file of it is still uploading. */
  send(chatId: number): boolean {
    if (!rules.canSend(this.current, chatId)) return false;
    const draft = this.current.drafts[chatId] ?? rules.emptyDraft;
    const pending: PendingMessage = {
      clientId: crypto.randomUUID(),
      chatId,
      content: draft.text.trim(),
      files: draft.files.map((file) => file.url),
      createdAt: new Date().toISOString(),
    };
    this.update((s) => rules.sent(s, pending));
    this.live.send(pending);
    return true;
  }

  discard(clientId: string): void {
    this.update((s) => rules.discardPending(s, clientId));
  }

  typing(chatId: number): void {
    this.live.typing(chatId);
  }

  /** Creates a chat (or finds the existing direct message) and opens it. */
  async startChat(body: { type?: Chat["type"]; name?: string; members: number[] }): Promise<Chat> {
    const chat = await this.api.createChat(body);
    this.update((s) => ({ ...s, chats: { ...s.chats, [chat.id]: chat } }));
    await this.openChat(chat.id);
    return chat;
  }

  async join(chatId: number): Promise<void> {
    const chat = await this.api.joinChat(chatId);
    this.update((s) => ({ ...s, chats: { ...s.chats, [chat.id]: chat } }));
    await this.openChat(chat.id);
  }

  async leave(chatId: number): Promise<void> {
    await this.api.leaveChat(chatId);
    this.update((s) =>
      rules.applyEvent(s, {
        id: s.lastEventId,
        type: "chat.removed",
        chatId,
        data: { id: chatId },
      }),
    );
  }

  async changeChat(
    chatId: number,
    body: { name?: string | null; members?: number[] },
  ): Promise<void> {
    const chat = await this.api.updateChat(chatId, body);
    this.update((s) => ({ ...s, chats: { ...s.chats, [chat.id]: chat } }));
  }

  signOutNow(): void {
    this.stop();
    this.signOut();
  }

  private refreshing: Promise<void> | undefined;

  private refreshUsers(): void {
    this.refreshing ??= this.api
      .users()
      .then((users) => this.update((s) => rules.usersLoaded(s, users)))
      .catch(() => {})
      .finally(() => {
        this.refreshing = undefined;
      });
  }

  private async reload(): Promise<void> {
    const [users, chats, presence] = await Promise.all([
      this.api.users(),
      this.api.chats(),
      this.api.presence(),
      this.api.refreshDownloadToken(),
    ]);
    this.update((s) => rules.loaded(s, users, chats, presence.online));
    const open = this.current.openChatId;
    if (open !== undefined) await this.loadHistory(open, false);
  }

  private async loadHistory(chatId: number, older: boolean): Promise<void> {
    // A tab left open for a day still shows its images: the token is renewed before it ends.
    await this.api.refreshDownloadToken();
    const before = older ? this.current.messages[chatId]?.items[0]?.id : undefined;
    const page = await this.api.history(chatId, { before, limit: historyPage });
    this.update((s) => rules.historyLoaded(s, chatId, page, { older, limit: historyPage }));
  }

  private update(change: (state: State) => State): void {
    const before = this.current;
    this.current = change(before);
    if (this.current === before) return;
    if (this.current.pending !== before.pending) {
      localStorage.setItem(
        this.outboxKey,
        JSON.stringify(this.current.pending.filter((p) => !p.failed)),
      );
    }
    if (this.current.drafts !== before.drafts) {
      localStorage.setItem(this.draftsKey, JSON.stringify(this.current.drafts));
    }
    for (const listener of this.listeners) listener(this.current);
  }
}
