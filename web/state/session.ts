// One signed-in session: the state, the API, the live connection, and the verbs the views call.
import { Api, ApiError, type Edit } from "./api.ts";
import { type EmojiUsage, emojiUsed } from "./emoji.ts";
import { LiveConnection } from "./live.ts";
import type { Notice } from "./notifications.ts";
import type { Chat, Draft, FileInfo, Message, PendingMessage, State } from "./store.ts";
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
  private readonly emojiKey: string;

  constructor(
    readonly token: string,
    me: rules.User,
    workspace: rules.Workspace,
    private readonly signOut: (reason?: string) => void,
    openChatId?: number,
    openThreadId?: number,
  ) {
    this.current = rules.initialState(me, workspace, openChatId, openThreadId);
    this.outboxKey = `chat.outbox.${me.id}`;
    this.draftsKey = `chat.drafts.${me.id}`;
    this.emojiKey = `chat.emoji.${me.id}`;
    this.api = new Api(token, signOut);
    this.live = new LiveConnection(() => this.api.ticket(), {
      ready: () => this.reload(),
      event: (event) => {
        const before = this.current;
        for (const watch of this.watches)
          if (watch.chatId === event.chatId) watch.events.push(event);
        this.update((s) => rules.applyEvent(s, event));
        this.followReadState(before, event);
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
      string,
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

  // Read state and notifications (issue #24).

  private reading = new Map<number, number>();
  private readonly noticeListeners = new Set<(notice: Notice) => void>();

  /** Tells `listener` of each message that notifies me (the contract's rules); returns an unsubscribe. */
  onNotify(listener: (notice: Notice) => void): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  /**
   * The open chat's newest message has been seen (the page visible and focused, the list at its
   * end): the marker moves there, on the server and so on every device.
   */
  async markSeen(chatId: number): Promise<void> {
    const latest = rules.latestMessageId(this.current, chatId);
    const lastRead = this.current.lastRead[chatId] ?? 0;
    if (latest <= lastRead || (this.reading.get(chatId) ?? 0) >= latest) return;
    this.reading.set(chatId, latest);
    try {
      const answer = await this.api.read(chatId, latest);
      this.update((s) => rules.chatStateLoaded(s, chatId, answer));
    } finally {
      if (this.reading.get(chatId) === latest) this.reading.delete(chatId);
    }
  }

  /** Every chat read to its newest message. */
  async markAllRead(): Promise<void> {
    const { chats, unread, mentions } = this.current;
    await Promise.all(
      Object.values(chats)
        .filter((chat) => (unread[chat.id] ?? 0) > 0 || (mentions[chat.id] ?? 0) > 0)
        .map((chat) => this.markSeen(chat.id)),
    );
  }

  async setNotify(chatId: number, level: rules.NotifyLevel): Promise<void> {
    const { state } = await this.api.setNotify(chatId, level);
    if (state) this.update((s) => rules.chatStateLoaded(s, chatId, state));
  }

  /** Counts the events alone cannot tell (a read elsewhere, an edit, a delete) are asked for. */
  private followReadState(before: State, event: rules.Event): void {
    if (event.chatId === null) return;
    const chatId = event.chatId;
    if (event.type === "message.created" && event.id > before.lastEventId) {
      const notice = rules.noticeFor(this.current, event.data as Message);
      if (notice) for (const listener of this.noticeListeners) listener(notice);
    }
    const asked =
      (event.type === "chat.read" &&
        (this.current.unread[chatId] ?? 0) + (this.current.mentions[chatId] ?? 0) > 0) ||
      (event.type === "message.updated" &&
        (event.data as Message).id > (before.lastRead[chatId] ?? 0) &&
        (event.data as Message).senderId !== this.current.me.id);
    if (!asked) return;
    this.api
      .chat(chatId)
      .then(({ state }) => {
        if (state) this.update((s) => rules.chatStateLoaded(s, chatId, state));
      })
      .catch(() => {});
  }

  /** Opens a chat, and with `threadId` that thread beside it (as the URL names them). */
  async openChat(chatId: number | undefined, threadId?: number): Promise<void> {
    this.update((s) => rules.openChat(s, chatId, threadId));
    const open = this.current.openChatId;
    const thread = this.current.openThreadId;
    await Promise.all([
      open !== undefined && !this.current.messages[open] && this.loadHistory(open, false),
      open !== undefined && thread !== undefined && this.loadThread(open, thread, false),
    ]);
  }

  /**
   * Opens a message (a search result) in its chat with the messages around it, and a reply's
   * thread beside it.
   */
  async openMessage(message: Message): Promise<void> {
    const rootId = message.threadId ?? undefined;
    this.update((s) => rules.openChat(s, message.chatId, rootId));
    if (this.current.openChatId !== message.chatId) return;
    await this.api.refreshDownloadToken();
    const [page] = await Promise.all([
      this.api.historyAround(message.chatId, message.id, historyPage),
      rootId !== undefined && this.loadThread(message.chatId, rootId, false),
    ]);
    this.update((s) => rules.historyAround(s, message.chatId, page));
  }

  /** Opens a thread of the open chat beside it; undefined closes it. */
  async openThread(rootId: number | undefined): Promise<void> {
    await this.openChat(this.current.openChatId, rootId);
  }

  async loadOlderReplies(rootId: number): Promise<void> {
    const thread = this.current.threads[rootId];
    if (thread?.hasOlder) await this.loadThread(thread.chatId, rootId, true);
  }

  /** Starts (a message id) or stops (undefined) editing in place. */
  startEditing(messageId: number | undefined): void {
    this.update((s) => rules.editing(s, messageId));
  }

  // The changes below answer with the message as it now is, but the view waits for its
  // `message.updated` instead: an answer can arrive after a newer event about the same message
  // and would undo it, while events arrive in the server's order.

  async saveEdit(message: Message, content: string): Promise<void> {
    if (content.trim() !== message.content.trim()) {
      await this.api.edit(message.chatId, message.id, content.trim());
    }
    this.update((s) => rules.editing(s, undefined));
  }

  async deleteMessage(message: Message): Promise<void> {
    await this.api.deleteMessage(message.chatId, message.id);
  }

  /** Adds the reader's reaction, or takes it back if it is there. */
  async toggleReaction(message: Message, emoji: string): Promise<void> {
    const on = !rules.hasReacted(message, emoji, this.current.me.id);
    if (on) this.emojiChosen(emoji);
    await this.api.react(message.chatId, message.id, emoji, on);
  }

  async togglePin(message: Message): Promise<void> {
    await this.api.pin(message.chatId, message.id, !message.pinned);
  }

  async loadPins(chatId: number): Promise<void> {
    const pinned = await this.api.pins(chatId);
    this.update((s) => rules.pinsLoaded(s, chatId, pinned));
  }

  edits(message: Pick<Message, "chatId" | "id">): Promise<Edit[]> {
    return this.api.edits(message.chatId, message.id);
  }

  /** The reader's emoji, counted so that the picker shows the frequent ones first. */
  emojiUsage(): EmojiUsage {
    try {
      return JSON.parse(localStorage.getItem(this.emojiKey) ?? "{}") as EmojiUsage;
    } catch {
      return {};
    }
  }

  emojiChosen(name: string): void {
    localStorage.setItem(
      this.emojiKey,
      JSON.stringify(emojiUsed(this.emojiUsage(), name, Date.now())),
    );
  }

  async loadOlder(chatId: number): Promise<void> {
    const list = this.current.messages[chatId];
    if (!list?.hasOlder) return;
    await this.loadHistory(chatId, true);
  }

  draft(chatId: number, text: string, threadId?: number): void {
    this.update((s) => rules.drafted(s, chatId, text, threadId));
  }

  removeFile(chatId: number, url: string, threadId?: number): void {
    this.update((s) => rules.fileRemoved(s, chatId, url, threadId));
  }

  /** Uploads files into the draft; they are sent with it, never with another message. */
  async attach(chatId: number, files: File[], threadId?: number): Promise<void> {
    const id = crypto.randomUUID();
    this.update((s) => rules.uploadStarted(s, { id, chatId, threadId, fraction: 0 }));
    let uploaded: FileInfo[] = [];
    try {
      uploaded = await this.api.upload(files, (fraction) =>
        this.update((s) => rules.uploadProgressed(s, id, fraction)),
      );
    } finally {
      this.update((s) => rules.uploadFinished(s, id, uploaded));
    }
  }

  /** Sends the draft (a thread's, with `threadId`), unless empty or a file is still uploading. */
  send(chatId: number, threadId?: number): boolean {
    if (!rules.canSend(this.current, chatId, threadId)) return false;
    const draft = rules.draftOf(this.current, chatId, threadId);
    const pending: PendingMessage = {
      clientId: crypto.randomUUID(),
      chatId,
      content: draft.text.trim(),
      files: draft.files.map((file) => file.url),
      createdAt: new Date().toISOString(),
      ...(threadId !== undefined && { threadId }),
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
    const thread = this.current.openThreadId;
    await Promise.all([
      open !== undefined && this.loadHistory(open, false),
      open !== undefined && thread !== undefined && this.loadThread(open, thread, false),
    ]);
  }

  /** Pages being fetched, each with the events of its chat that arrive meanwhile. */
  private readonly watches = new Set<{ chatId: number; events: rules.Event[] }>();

  /** Runs `fetch`, collecting the chat's events that arrive meanwhile (see `eventsAgain`). */
  private async collecting<T>(
    chatId: number,
    fetch: () => Promise<T>,
  ): Promise<{ value: T; events: rules.Event[] }> {
    const watch = { chatId, events: [] as rules.Event[] };
    this.watches.add(watch);
    try {
      return { value: await fetch(), events: watch.events };
    } finally {
      this.watches.delete(watch);
    }
  }

  /** The thread's root and a page of replies; a root that is not there closes the pane. */
  private async loadThread(chatId: number, rootId: number, older: boolean): Promise<void> {
    await this.api.refreshDownloadToken();
    const before = older ? this.current.threads[rootId]?.items[0]?.id : undefined;
    try {
      const {
        value: [root, page],
        events,
      } = await this.collecting(chatId, () =>
        Promise.all([
          this.api.message(chatId, rootId),
          this.api.history(chatId, { before, limit: historyPage, thread: rootId }),
        ]),
      );
      if (root.threadId !== null || !rules.isListed(root)) {
        this.update((s) => rules.threadMissing(s, rootId));
        return;
      }
      this.update((s) =>
        rules.eventsAgain(rules.threadLoaded(s, root, page, { older, limit: historyPage }), events),
      );
    } catch (error) {
      // A root that is not (or no longer) a message of this chat: the URL was stale.
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      this.update((s) => rules.threadMissing(s, rootId));
    }
  }

  private async loadHistory(chatId: number, older: boolean): Promise<void> {
    // A tab left open for a day still shows its images: the token is renewed before it ends.
    await this.api.refreshDownloadToken();
    const before = older ? this.current.messages[chatId]?.items[0]?.id : undefined;
    const { value: page, events } = await this.collecting(chatId, () =>
      this.api.history(chatId, { before, limit: historyPage }),
    );
    this.update((s) =>
      rules.eventsAgain(
        rules.historyLoaded(s, chatId, page, { older, limit: historyPage }),
        events,
      ),
    );
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
