// The verbs both stores share, written once over the shared SQL (db/queries.ts) and the plans
// (db/plan.ts). A dialect supplies how a prepared statement runs, how a plan is written in one
// transaction, and what only it can do: the group commit of sends, the event log's counter,
// backups, sizes. Reads stay plain prepared SQL: no query builder on any path.
import type { User, Workspace, WorkspaceSettings } from "../src/features/accounts/model.ts";
import type { Chat } from "../src/features/chats/model.ts";
import type { Edit, Message } from "../src/features/messages/model.ts";
import type { StoredEvent } from "./events.ts";
import {
  type AuditEntry,
  expiryReads,
  messageChangeReads,
  newBotReads,
  newUserReads,
  newWebhookReads,
  type Plan,
  planAudit,
  planChatArchive,
  planChatChange,
  planChatDeletion,
  planExpiry,
  planMessageChange,
  planNewBot,
  planNewChat,
  planNewUser,
  planNewWebhook,
  planRead,
  planReply,
  planUnsentUploads,
  planUserChange,
  planWorkspaceChange,
  type ReadOutcome,
  type Reads,
  readReads,
  replyReads,
  type State,
  type UserChange,
} from "./plan.ts";
import type { Param, Query } from "./queries.ts";
import {
  type ChatRow,
  type EventRow,
  foldCase,
  iso,
  type MessageRow,
  membersByChat,
  messageJson,
  pairKey,
  rowToMessage,
  toChat,
  toStoredEvent,
  toUser,
  toWorkspace,
  type UserRow,
  type WorkspaceRow,
} from "./rows.ts";
import { ftsQuery, tsQuery } from "./search.ts";
import type {
  Account,
  AuditRecord,
  ChangeOutcome,
  ChatAccess,
  ChatChange,
  DecidedPush,
  Dialect,
  FileRef,
  ImportedMessage,
  InviteRecord,
  MemberState,
  MessageChange,
  MessageSearch,
  NewBot,
  NewChat,
  NewMessage,
  NewUpload,
  NewUser,
  NewWebhook,
  NotifyLevel,
  PushBatch,
  PushCandidate,
  PushJob,
  PushSubscriptionRecord,
  ReplyOutcome,
  Sent,
  SlackIdKind,
  SlackImportRecord,
  Store,
  Ticket,
  UserRecord,
  Webhook,
  Written,
} from "./store.ts";
import { RowNotFound } from "./store.ts";

const maxInt32 = 2 ** 31 - 1;

export abstract class SqlStore implements Store {
  abstract readonly dialect: Dialect;
  /** The migrations this open applied, for `chat migrate`. */
  appliedMigrations: string[] = [];

  /** Runs one of the shared statements, prepared once, and returns its rows. */
  protected abstract rows<T>(query: Query, params: Param[]): Promise<T[]>;
  /** The first row of one of the shared statements, if any. */
  protected abstract row<T>(query: Query, params: Param[]): Promise<T | undefined>;
  /** Runs one of the shared statements that return no rows; the number of rows it changed. */
  protected abstract run(query: Query, params: Param[]): Promise<number>;
  /** Reads what `reads` asks, plans, and writes the plan's rows, in one transaction. */
  protected abstract write<T>(reads: Reads, plan: (state: State) => Plan<T>): Promise<Written<T>>;

  abstract insertMessage(input: NewMessage): Promise<Sent | undefined>;
  abstract latestEventId(): Promise<number>;
  abstract backup(path: string): Promise<void>;
  abstract sizeBytes(): Promise<number>;
  abstract close(): Promise<void>;

  async keepSetting(key: string, value: string): Promise<string> {
    await this.run("keepSetting", [key, value]);
    return (await this.row<{ value: string }>("setting", [key]))?.value ?? value;
  }

  async findSetting(key: string): Promise<string | undefined> {
    return (await this.row<{ value: string }>("setting", [key]))?.value;
  }

  async swapSetting(
    key: string,
    from: string | undefined,
    to: string | undefined,
  ): Promise<boolean> {
    if (from === undefined)
      return to !== undefined && (await this.run("keepSetting", [key, to])) > 0;
    if (to === undefined) return (await this.run("dropSetting", [key, from])) > 0;
    return (await this.run("swapSetting", [key, from, to])) > 0;
  }

  /** Asked on every authenticated request: one statement. */
  async findAccount(id: number, sessionId: string | null): Promise<Account | undefined> {
    const row = await this.row<UserRow & { tokenVersion: number; sessionOpen: number }>("account", [
      id,
      sessionId,
    ]);
    return (
      row && {
        user: toUser(row),
        tokenVersion: row.tokenVersion,
        sessionOpen: row.sessionOpen === 1,
      }
    );
  }

  async findUser(id: number): Promise<User | undefined> {
    // User ids are 32-bit on PostgreSQL: a larger one names nobody.
    if (id > maxInt32) return undefined;
    const row = await this.row<UserRow>("userById", [id]);
    return row && toUser(row);
  }

  changeUser(id: number, change: UserChange, audit?: AuditEntry[]): Promise<Written<User>> {
    return this.write({ user: id }, (state) => planUserChange(state, change, audit));
  }

  changeWorkspace(
    id: number,
    change: { name?: string; settings?: Partial<WorkspaceSettings> },
    actorId: number,
  ): Promise<Written<Workspace>> {
    return this.write({ workspace: id }, (state) => planWorkspaceChange(state, change, actorId));
  }

  archiveChat(chatId: number, archived: boolean, actorId: number): Promise<Written<Chat>> {
    return this.write({ chat: chatId }, (state) => planChatArchive(state, archived, actorId));
  }

  async appendAudit(workspaceId: number, entry: AuditEntry): Promise<void> {
    await this.write({}, (state) => planAudit(state, workspaceId, entry));
  }

  async listAudit(workspaceId: number, page: { before?: number; limit: number }) {
    // Audit ids are 32-bit integers on PostgreSQL: a larger `before` means "from the newest".
    const before = Math.min(page.before ?? maxInt32, maxInt32);
    const rows = await this.rows<AuditRecord>("audit", [workspaceId, before, page.limit]);
    return rows.map((row) => ({ ...row, at: Number(row.at) }));
  }

  async createSession(session: { id: string; userId: number; expiresAt: number }) {
    await this.run("insertSession", [session.id, session.userId, session.expiresAt, Date.now()]);
  }

  async endSession(id: string, userId: number): Promise<boolean> {
    return (await this.run("deleteSession", [id, userId])) > 0;
  }

  async endAllSessions(userId: number): Promise<void> {
    await this.write({}, () => ({
      value: undefined,
      rows: [
        { kind: "user.sessions.end", userId },
        { kind: "user.tokens.end", userId },
        { kind: "bot.tokens.delete", userId },
      ],
      events: [],
    }));
  }

  async endBotToken(id: string, userId: number): Promise<boolean> {
    return (await this.run("deleteBotToken", [id, userId])) > 0;
  }

  async createResetCode(code: { id: string; userId: number; expiresAt: number }) {
    await this.run("insertResetCode", [code.id, code.userId, code.expiresAt, Date.now()]);
  }

  async consumeResetCode(id: string) {
    const row = await this.row<{ userId: number; expiresAt: number }>("consumeResetCode", [id]);
    return row && { userId: row.userId, expiresAt: Number(row.expiresAt) };
  }

  async changePassword(userId: number, passwordHash: string): Promise<number> {
    const row = await this.row<{ tokenVersion: number }>("changePassword", [userId, passwordHash]);
    if (!row) throw new RowNotFound("user");
    return row.tokenVersion;
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    const row = await this.row<UserRow & { passwordHash: string; tokenVersion: number }>(
      "userByEmail",
      [foldCase(email)],
    );
    return (
      row && { ...toUser(row), passwordHash: row.passwordHash, tokenVersion: row.tokenVersion }
    );
  }

  async findWorkspace(id: number): Promise<Workspace | undefined> {
    const row = await this.row<WorkspaceRow>("workspaceById", [id]);
    return row && toWorkspace(row);
  }

  async findWorkspaceByName(name: string): Promise<Workspace | undefined> {
    const row = await this.row<WorkspaceRow>("workspaceByName", [foldCase(name)]);
    return row && toWorkspace(row);
  }

  async createUser(input: NewUser) {
    const { value, events } = await this.write(newUserReads(input), (state) =>
      planNewUser(state, input),
    );
    return { ...value, events };
  }

  async createBot(input: NewBot): Promise<Written<User>> {
    return this.write(newBotReads(), (state) => planNewBot(state, input));
  }

  async listBots(workspaceId: number): Promise<User[]> {
    return (await this.rows<UserRow>("bots", [workspaceId])).map(toUser);
  }

  async findTokenAccount(hash: string, kind: "bot" | "app"): Promise<Account | undefined> {
    const row = await this.row<UserRow & { tokenVersion: number }>("tokenAccount", [hash, kind]);
    return row && { user: toUser(row), tokenVersion: row.tokenVersion, sessionOpen: false };
  }

  async messageTs(ids: number[]): Promise<Map<number, number>> {
    if (ids.length === 0) return new Map();
    const rows = await this.rows<{ id: number; ts: number }>("messageTs", [JSON.stringify(ids)]);
    return new Map(rows.map((row) => [Number(row.id), Number(row.ts)]));
  }

  async findMessageByTs(chatId: number, ts: number): Promise<Message | undefined> {
    const row = await this.row<MessageRow>("messageByTs", [chatId, ts]);
    return row && rowToMessage(row);
  }

  async findAppCursor(userId: number): Promise<number | undefined> {
    const row = await this.row<{ ackedEventId: number }>("appCursor", [userId]);
    return row && Number(row.ackedEventId);
  }

  async keepAppCursor(userId: number, ackedEventId: number): Promise<void> {
    await this.run("keepAppCursor", [userId, ackedEventId, Date.now()]);
  }

  createWebhook(input: NewWebhook): Promise<Written<Webhook>> {
    return this.write(newWebhookReads(input.chatId), (state) => planNewWebhook(state, input));
  }

  async listWebhooks(chatId: number): Promise<Webhook[]> {
    return (await this.rows<WebhookRow>("webhooksOfChat", [chatId])).map(toWebhook);
  }

  async findWebhook(id: number): Promise<Webhook | undefined> {
    const row = await this.row<WebhookRow>("webhookById", [id]);
    return row && toWebhook(row);
  }

  async findWebhookBySecret(
    secretHash: string,
  ): Promise<{ webhook: Webhook; user: User } | undefined> {
    const row = await this.row<WebhookRow & UserRow & { userCreatedAt: number }>(
      "webhookBySecret",
      [secretHash],
    );
    if (!row) return undefined;
    const user = toUser({
      ...row,
      id: Number(row.userId),
      workspaceId: Number(row.workspaceId),
      createdAt: row.userCreatedAt,
    });
    return { webhook: toWebhook(row), user };
  }

  async listWorkspaceChats(workspaceId: number): Promise<Chat[]> {
    return this.toChats(await this.rows<ChatRow>("workspaceChats", [workspaceId]));
  }

  async listChatMessagesAfter(
    chatId: number,
    afterId: number,
    limit: number,
  ): Promise<(Message & { ts: number })[]> {
    const rows = await this.rows<MessageRow>("chatMessagesAfter", [chatId, afterId, limit]);
    return rows.map((row) => ({ ...rowToMessage(row), ts: Number(row.ts) }));
  }

  async slackIds(workspaceId: number, kind: SlackIdKind): Promise<Map<string, number>> {
    const rows = await this.rows<{ slackId: string; targetId: number }>("slackIdsOf", [
      workspaceId,
      kind,
    ]);
    return new Map(rows.map((row) => [row.slackId, Number(row.targetId)]));
  }

  async recordSlackIds(
    workspaceId: number,
    kind: SlackIdKind,
    entries: [string, number][],
  ): Promise<void> {
    for (const [slackId, targetId] of entries)
      await this.run("insertSlackId", [workspaceId, kind, slackId, targetId]);
  }

  async createSlackImport(input: { createdBy: number | null; progress: string }): Promise<number> {
    const row = await this.row<{ id: number }>("insertSlackImport", [
      input.createdBy,
      input.progress,
      Date.now(),
    ]);
    return Number(row?.id);
  }

  async updateSlackImport(
    id: number,
    change: {
      workspaceId?: number;
      status: SlackImportRecord["status"];
      progress: string;
      report?: string | null;
    },
  ): Promise<void> {
    await this.run("updateSlackImport", [
      id,
      change.workspaceId ?? null,
      change.status,
      change.progress,
      change.report ?? null,
      Date.now(),
    ]);
  }

  async findSlackImport(id: number): Promise<SlackImportRecord | undefined> {
    const row = await this.row<SlackImportRecord>("slackImportById", [id]);
    return row && slackImportOf(row);
  }

  async listSlackImports(workspaceId: number): Promise<SlackImportRecord[]> {
    return (await this.rows<SlackImportRecord>("slackImportsOf", [workspaceId])).map(slackImportOf);
  }

  async settleImportedChats(chatIds: number[]): Promise<void> {
    for (const chatId of chatIds) {
      await this.run("settleRoots", [chatId]);
      await this.run("settleLastMessage", [chatId]);
      await this.run("settleMarkers", [chatId]);
    }
  }

  abstract reserveMessageIds(count: number): Promise<number>;
  abstract importMessages(messages: ImportedMessage[]): Promise<number>;

  async listUsers(workspaceId: number): Promise<User[]> {
    return (await this.rows<UserRow>("usersOf", [workspaceId])).map(toUser);
  }

  async countUsersIn(workspaceId: number, userIds: number[], activeOnly = false) {
    if (userIds.length === 0) return 0;
    const row = await this.row<{ count: number }>("countUsersIn", [
      workspaceId,
      JSON.stringify(userIds),
      activeOnly ? 1 : 0,
    ]);
    return row?.count ?? 0;
  }

  async createInvite(invite: {
    code: string;
    workspaceId: number;
    createdBy: number;
    expiresAt: number;
    maxUses: number | null;
  }): Promise<void> {
    const { code, workspaceId, createdBy, expiresAt, maxUses } = invite;
    await this.run("createInvite", [code, workspaceId, createdBy, expiresAt, Date.now(), maxUses]);
  }

  async findInvite(code: string): Promise<InviteRecord | undefined> {
    const row = await this.row<InviteRecord>("invite", [code]);
    return row && { ...row, expiresAt: Number(row.expiresAt) };
  }

  async listInvites(workspaceId: number, now: number): Promise<InviteRecord[]> {
    const rows = await this.rows<InviteRecord>("invitesOf", [workspaceId, now]);
    return rows.map((row) => ({ ...row, expiresAt: Number(row.expiresAt) }));
  }

  async useInvite(code: string, workspaceId: number, now: number): Promise<boolean> {
    return (await this.run("useInvite", [code, workspaceId, now])) > 0;
  }

  async deleteInvite(code: string): Promise<void> {
    await this.run("deleteInvite", [code]);
  }

  async findChat(id: number): Promise<Chat | undefined> {
    return (await this.toChats(await this.rows<ChatRow>("chatById", [id])))[0];
  }

  /** Asked before most chat requests. */
  async findChatAccess(chatId: number, userId: number): Promise<ChatAccess | undefined> {
    type Row = Omit<ChatAccess, "isMember" | "archived" | "withDeactivated"> & {
      isMember: number;
      archived: number;
      withDeactivated: number;
    };
    const row = await this.row<Row>("chatAccess", [chatId, userId]);
    return (
      row && {
        ...row,
        isMember: row.isMember === 1,
        archived: row.archived === 1,
        withDeactivated: row.withDeactivated === 1,
      }
    );
  }

  async findSingleChat(workspaceId: number, userIds: [number, number]): Promise<Chat | undefined> {
    const rows = await this.rows<ChatRow>("singleChat", [workspaceId, pairKey(userIds)]);
    return (await this.toChats(rows))[0];
  }

  /** Asked at every connect. */
  async listChatIdsOf(userId: number): Promise<number[]> {
    return (await this.rows<{ chatId: number }>("chatIdsOf", [userId])).map((row) => row.chatId);
  }

  async listMembersByJoinOrder(chatId: number): Promise<number[]> {
    const rows = await this.rows<{ userId: number }>("membersByJoinOrder", [chatId]);
    return rows.map((row) => row.userId);
  }

  async listChatsOf(userId: number): Promise<Chat[]> {
    return this.toChats(await this.rows<ChatRow>("chatsOf", [userId]));
  }

  async listPublicChannels(workspaceId: number, archived = false): Promise<Chat[]> {
    const rows = await this.rows<ChatRow>("publicChannels", [workspaceId, archived ? 1 : 0]);
    return this.toChats(rows);
  }

  createChat(input: NewChat): Promise<Written<Chat>> {
    return this.write({ ids: ["chats"] }, (state) => planNewChat(state, input));
  }

  changeChat(chatId: number, change: ChatChange): Promise<Written<Chat>> {
    return this.write({ chat: chatId }, (state) => planChatChange(state, change));
  }

  deleteChat(chatId: number): Promise<Written<void>> {
    return this.write({ chat: chatId }, (state) => planChatDeletion(state, chatId));
  }

  /** The history read: one prepared statement, rows mapped by hand. */
  async listMessages(chatId: number, page: { before?: number; limit: number }): Promise<Message[]> {
    const before = page.before ?? Number.MAX_SAFE_INTEGER;
    return (await this.rows<MessageRow>("history", [chatId, before, page.limit])).map(rowToMessage);
  }

  async listMessagesAround(
    chatId: number,
    id: number,
    page: { older: number; newer: number },
  ): Promise<Message[]> {
    const [newer, older] = await Promise.all([
      this.rows<MessageRow>("historyAfter", [chatId, id, page.newer]),
      this.rows<MessageRow>("history", [chatId, id + 1, page.older + 1]),
    ]);
    return [...newer.reverse(), ...older].map(rowToMessage);
  }

  async listReplies(rootId: number, page: { before?: number; limit: number }): Promise<Message[]> {
    const before = page.before ?? Number.MAX_SAFE_INTEGER;
    return (await this.rows<MessageRow>("replies", [rootId, before, page.limit])).map(rowToMessage);
  }

  async pageJson(
    chatId: number,
    page: { before?: number; limit: number; thread?: number },
  ): Promise<string> {
    const before = page.before ?? Number.MAX_SAFE_INTEGER;
    const rows =
      page.thread === undefined
        ? await this.rows<MessageRow>("history", [chatId, before, page.limit])
        : await this.rows<MessageRow>("replies", [page.thread, before, page.limit]);
    return `[${rows.map(messageJson).join(",")}]`;
  }

  async searchMessages(search: MessageSearch): Promise<Message[]> {
    const match =
      this.dialect === "sqlite"
        ? ftsQuery(search.terms, search.chatId)
        : tsQuery(search.terms, search.chatId);
    const rows = await this.rows<MessageRow>("searchMessages", [
      search.userId,
      search.workspaceId,
      search.chatId ?? null,
      search.senderId ?? null,
      search.after ?? null,
      search.before ?? null,
      match,
      search.beforeId ?? Number.MAX_SAFE_INTEGER,
      search.limit,
    ]);
    return rows.map(rowToMessage);
  }

  async findMessage(id: number): Promise<Message | undefined> {
    const row = await this.row<MessageRow>("messageById", [id]);
    return row && rowToMessage(row);
  }

  async listEdits(messageId: number): Promise<Edit[]> {
    const rows = await this.rows<{ content: string; replacedAt: number }>("edits", [messageId]);
    return rows.map((row) => ({ content: row.content, replacedAt: iso(Number(row.replacedAt)) }));
  }

  async listPins(chatId: number): Promise<Message[]> {
    return (await this.rows<MessageRow>("pins", [chatId])).map(rowToMessage);
  }

  async existingUserIds(workspaceId: number, userIds: number[]): Promise<number[]> {
    if (userIds.length === 0) return [];
    const rows = await this.rows<{ id: number }>("existingUserIds", [
      workspaceId,
      JSON.stringify(userIds),
    ]);
    return rows.map((row) => row.id);
  }

  async insertReply(input: NewMessage & { threadId: number }): Promise<ReplyOutcome> {
    return (await this.write(replyReads(input), (state) => planReply(state, input))).value;
  }

  changeMessage(
    chatId: number,
    messageId: number,
    actorId: number,
    change: MessageChange,
  ): Promise<Written<ChangeOutcome>> {
    return this.write(messageChangeReads(chatId, messageId, change), (state) =>
      planMessageChange(state, chatId, actorId, change),
    );
  }

  async expireMessages(workspaceId: number, before: number, afterId: number, limit?: number) {
    const reads = expiryReads(workspaceId, before, afterId, limit);
    return (await this.write(reads, planExpiry)).value;
  }

  async workspacesWithRetention(): Promise<{ id: number; retentionDays: number }[]> {
    const rows = await this.rows<{ id: number; settings: string }>("workspaceSettings", []);
    return rows.flatMap((row) => {
      const days = (JSON.parse(row.settings) as { retentionDays?: number | null }).retentionDays;
      return typeof days === "number" ? [{ id: row.id, retentionDays: days }] : [];
    });
  }

  async fileRemovals(limit: number): Promise<FileRef[]> {
    return this.rows<FileRef>("fileRemovals", [limit]);
  }

  async forgetFileRemoval(file: FileRef): Promise<void> {
    await this.run("forgetFileRemoval", [file.workspaceId, file.hash]);
  }

  async collectUnsentUploads(before: number): Promise<number> {
    await this.write({}, () => planUnsentUploads(before));
    return (await this.fileRemovals(1_000_000)).length;
  }

  async recordUpload(upload: NewUpload): Promise<{ ext: string; type: string }> {
    const { workspaceId, hash, ext, type, size, name, uploadedBy } = upload;
    // The insert is skipped for bytes already stored: the first upload keeps its ext and type.
    await this.run("insertFile", [workspaceId, hash, ext, type, size, Date.now()]);
    const file = await this.row<{ id: number; ext: string; type: string }>("fileId", [
      workspaceId,
      hash,
    ]);
    if (!file) throw new Error("the file row vanished right after its insert");
    await this.run("insertUpload", [file.id, name, uploadedBy, Date.now()]);
    // Bytes a delete had marked for removal are wanted again: they stay.
    await this.run("forgetFileRemoval", [workspaceId, hash]);
    return { ext: file.ext, type: file.type };
  }

  async findFile(workspaceId: number, hash: string) {
    return this.row<{ ext: string; type: string; size: number }>("file", [workspaceId, hash]);
  }

  async findFileKeys(workspaceId: number, hashes: string[]) {
    if (hashes.length === 0) return [];
    const rows = await this.rows<{ hash: string; ext: string; type: string; size: number }>(
      "fileKeys",
      [workspaceId, JSON.stringify(hashes)],
    );
    return rows.map((row) => ({ ...row, size: Number(row.size) }));
  }

  async readableFile(
    userId: number,
    file: FileRef,
  ): Promise<{ name: string | undefined } | undefined> {
    const params = [userId, file.workspaceId, file.hash];
    const own = await this.row<{ name: string }>("ownUploadName", params);
    if (own) return { name: own.name };
    const carried = await this.row<{ attachments: string; position: number }>(
      "readableAttachment",
      params,
    );
    if (carried) {
      const attachments = JSON.parse(carried.attachments) as { name?: unknown }[];
      const name = attachments[Number(carried.position)]?.name;
      return { name: typeof name === "string" ? name : undefined };
    }
    const avatar = await this.row<{ name: string | null }>("avatarFile", [
      file.workspaceId,
      file.hash,
    ]);
    return avatar ? { name: avatar.name ?? undefined } : undefined;
  }

  async createTicket(ticket: Ticket): Promise<void> {
    await this.run("insertTicket", [
      ticket.id,
      ticket.userId,
      ticket.tokenVersion,
      ticket.sessionId,
      ticket.expiresAt,
    ]);
  }

  /** A delete that returns the row: of two instances taking one ticket, one gets it. */
  async consumeTicket(id: string): Promise<Ticket | undefined> {
    const row = await this.row<Ticket>("consumeTicket", [id]);
    return row && { ...row, expiresAt: Number(row.expiresAt) };
  }

  async pruneTickets(now: number): Promise<number> {
    await this.run("pruneSessions", [now]);
    await this.run("pruneResetCodes", [now]);
    return this.run("pruneTickets", [now]);
  }

  async eventsSince(userId: number, afterId: number, limit: number): Promise<StoredEvent[]> {
    return (await this.rows<EventRow>("eventsSince", [userId, afterId, limit])).map(toStoredEvent);
  }

  async eventsAfter(afterId: number, limit: number): Promise<StoredEvent[]> {
    return (await this.rows<EventRow>("eventsAfter", [afterId, limit])).map(toStoredEvent);
  }

  async oldestEventId(): Promise<number | undefined> {
    return (await this.row<{ id: number | null }>("oldestEventId", []))?.id ?? undefined;
  }

  async pruneEvents(olderThan: number): Promise<number> {
    const pruned = await this.run("pruneEvents", [olderThan]);
    await this.run("pruneMemberships", []);
    return pruned;
  }

  async ping(): Promise<void> {
    await this.rows("ping", []);
  }

  // Read state (issue #24).

  markRead(chatId: number, userId: number, messageId: number): Promise<Written<ReadOutcome>> {
    return this.write(readReads(chatId, userId, messageId), (state) =>
      planRead(state, chatId, userId, messageId),
    );
  }

  async listChatsWithStateOf(userId: number): Promise<{ chat: Chat; state: MemberState }[]> {
    const rows = await this.rows<ChatRow & MemberState>("chatsWithStateOf", [userId]);
    const chats = await this.toChats(rows);
    return rows.map((row, i) => ({ chat: chats[i] as Chat, state: toMemberState(row) }));
  }

  async chatStates(userId: number, chatIds?: number[]): Promise<MemberState[]> {
    const ids = chatIds === undefined ? null : JSON.stringify(chatIds);
    return (await this.rows<MemberState>("chatStates", [userId, ids])).map(toMemberState);
  }

  async setNotify(chatId: number, userId: number, level: NotifyLevel | null): Promise<boolean> {
    return (await this.run("setNotify", [chatId, userId, level])) > 0;
  }

  // Web Push (issue #24).

  async addPushSubscription(
    userId: number,
    subscription: PushSubscriptionRecord,
    keep: number,
  ): Promise<void> {
    const { endpoint, p256dh, auth } = subscription;
    await this.run("addPushSubscription", [userId, endpoint, p256dh, auth, Date.now()]);
    await this.run("trimPushSubscriptions", [userId, keep]);
  }

  async removePushSubscription(userId: number, endpoint: string): Promise<boolean> {
    return (await this.run("removePushSubscription", [userId, endpoint])) > 0;
  }

  async dropPushSubscription(id: number): Promise<void> {
    await this.run("dropPushSubscription", [id]);
  }

  async anyPushSubscription(): Promise<boolean> {
    return Number((await this.row<{ found: number }>("anyPushSubscription", []))?.found) === 1;
  }

  async pushBatch(limit: number): Promise<PushBatch | undefined> {
    const cursor = await this.row<{ value: string }>("setting", ["push.cursor"]);
    if (!cursor) return undefined;
    const from = Number(cursor.value);
    // The latest event first: every event up to it has committed (ids commit in id order).
    const latest = await this.latestEventId();
    if (latest <= from) return undefined;
    const rows = await this.rows<{ id: number; data: string }>("newMessageEvents", [
      from,
      latest,
      limit,
    ]);
    const messages = rows.map((row) => ({
      eventId: Number(row.id),
      message: JSON.parse(row.data) as Message,
    }));
    const batch: PushBatch = {
      from,
      to: rows.length === limit ? (messages.at(-1)?.eventId ?? latest) : latest,
      messages,
      candidates: [],
      participants: [],
      people: [],
    };
    if (messages.length === 0 || !(await this.anyPushSubscription())) return batch;
    const list = (ids: (number | null)[]) =>
      JSON.stringify([...new Set(ids.filter((id) => id !== null))]);
    const [candidates, participants, people] = await Promise.all([
      this.rows<PushCandidate>("pushCandidates", [list(messages.map((m) => m.message.chatId))]),
      messages.some((m) => m.message.threadId !== null)
        ? this.rows<PushBatch["participants"][number]>("threadParticipants", [
            list(messages.map((m) => m.message.threadId)),
          ])
        : [],
      this.rows<{ id: number; fullname: string }>("userNames", [
        list(messages.flatMap((m) => [m.message.senderId, ...m.message.mentions])),
      ]),
    ]);
    batch.candidates = candidates.map((row) => ({
      ...row,
      chatId: Number(row.chatId),
      userId: Number(row.userId),
      workspaceId: Number(row.workspaceId),
    }));
    batch.participants = participants.map((row) => ({
      rootId: Number(row.rootId),
      userId: Number(row.userId),
      since: Number(row.since),
    }));
    batch.people = people.map((row) => ({ id: Number(row.id), fullname: row.fullname }));
    return batch;
  }

  abstract queueBatchPushes(
    batch: Pick<PushBatch, "from" | "to">,
    pushes: DecidedPush[],
    dueAt: number,
  ): Promise<boolean>;

  async queuePushes(userIds: number[], payload: string, dueAt: number): Promise<void> {
    if (userIds.length > 0)
      await this.run("queuePushes", [JSON.stringify(userIds), payload, dueAt]);
  }

  async claimPushes(now: number, leaseUntil: number, limit: number): Promise<PushJob[]> {
    const claimed = await this.rows<{ id: number }>("claimPushes", [now, leaseUntil, limit]);
    return this.pushJobs(claimed.map((row) => Number(row.id)));
  }

  protected async pushJobs(ids: number[]): Promise<PushJob[]> {
    if (ids.length === 0) return [];
    const rows = await this.rows<PushJob>("pushJobs", [JSON.stringify(ids)]);
    return rows.map((row) => ({
      ...row,
      id: Number(row.id),
      subscriptionId: Number(row.subscriptionId),
      attempts: Number(row.attempts),
    }));
  }

  async finishPush(id: number): Promise<void> {
    await this.run("finishPush", [id]);
  }

  async retryPush(id: number, dueAt: number): Promise<void> {
    await this.run("retryPush", [id, dueAt]);
  }

  /** Chat rows with their current members, in two queries whatever the number of chats. */
  private async toChats(rows: ChatRow[]): Promise<Chat[]> {
    if (rows.length === 0) return [];
    const members = membersByChat(
      await this.rows<{ chatId: number; userId: number }>("membersOfChats", [
        JSON.stringify(rows.map((row) => row.id)),
      ]),
    );
    return rows.map((row) => toChat(row, members.get(row.id) ?? []));
  }
}

/** PostgreSQL answers counts and bigints as text. */
const toMemberState = (row: MemberState): MemberState => ({
  chatId: Number(row.chatId),
  lastReadMessageId: Number(row.lastReadMessageId),
  notify: row.notify,
  unreadCount: Number(row.unreadCount),
  mentionCount: Number(row.mentionCount),
});

/** A webhook row as both drivers return it (PostgreSQL's int8 may come as a string). */
type WebhookRow = Omit<Webhook, "active" | "createdAt"> & {
  createdAt: number | string;
  active: number | string;
};

const toWebhook = (row: WebhookRow): Webhook => ({
  id: Number(row.id),
  workspaceId: Number(row.workspaceId),
  chatId: Number(row.chatId),
  userId: Number(row.userId),
  createdBy: Number(row.createdBy),
  name: row.name,
  createdAt: Number(row.createdAt),
  active: Number(row.active) === 1,
});

/** PostgreSQL answers bigints as numbers too, but be sure: ids and times are numbers here. */
const slackImportOf = (row: SlackImportRecord): SlackImportRecord => ({
  ...row,
  id: Number(row.id),
  workspaceId: row.workspaceId === null ? null : Number(row.workspaceId),
  createdBy: row.createdBy === null ? null : Number(row.createdBy),
  createdAt: Number(row.createdAt),
  updatedAt: Number(row.updatedAt),
});
