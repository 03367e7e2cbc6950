// The real-time protocol, the same for WebSocket and event stream: ready, replay, live; and the
// frames a WebSocket client may send (send, typing, ping).
import type { TSchema } from "@sinclair/typebox";
import { type TypeCheck, TypeCompiler } from "@sinclair/typebox/compiler";
import { nulPath } from "../../body.ts";
import type { Ctx } from "../../context.ts";
import { AppError, badRequest, invalid, notFound, toAppError } from "../../errors.ts";
import { errorLine } from "../../ops/logging.ts";
import { sendMessage } from "../messages/service.ts";
import { frame, PingFrame, SendFrame, TypingFrame } from "./events.ts";
import type { Connection, LocalHub } from "./hub.ts";

export type RealtimeCtx = Ctx & { hub: LocalHub };

const replayPage = 500;

// Compiled once: checking each frame by walking its schema was ~2% of a send's time.
const sendFrame = TypeCompiler.Compile(SendFrame);
const typingFrame = TypeCompiler.Compile(TypingFrame);
const pingFrame = TypeCompiler.Compile(PingFrame);

/** `since` as a client sent it: a non-negative integer, or anything else (not honoured). */
export function parseSince(since: string | null | undefined): number | null | undefined {
  if (since === undefined || since === null || since === "") return undefined;
  return /^[0-9]{1,15}$/.test(since) ? Number(since) : null;
}

/**
 * Opens a connection: `ready` first, with the id from which this connection is complete; then
 * `reset` if `since` cannot be honoured; then every stored event the user may see after that id,
 * in order; then live. The hub buffers what is published meanwhile, so nothing is lost between.
 */
export async function openConnection(
  ctx: RealtimeCtx,
  connection: Connection,
  since: number | null | undefined,
): Promise<void> {
  try {
    await catchUp(ctx, connection, since);
  } catch (error) {
    // The database failed mid-replay (or closed under a stopping server): the client is told to
    // come back and resume, rather than left on a connection that would silently miss events.
    if (connection.state === "closed") return;
    ctx.logger(errorLine("a connection could not be caught up", error));
    connection.transport.close(1011, "could not replay: resume with since");
  }
}

async function catchUp(
  ctx: RealtimeCtx,
  connection: Connection,
  since: number | null | undefined,
): Promise<void> {
  const isFirst = ctx.hub.attach(connection);
  // Deactivation closes the connections it finds attached; one whose token was checked just
  // before it committed, and attached just after, is closed here instead.
  if ((await ctx.db.findUser(connection.user.id))?.deactivated !== false) {
    connection.transport.close(1008, "the account was deactivated");
    return;
  }
  const latest = await ctx.db.latestEventId();
  const oldest = await ctx.db.oldestEventId();
  // Resumable: from just before the oldest event kept (or the newest, when none is) up to now.
  const honoured =
    typeof since === "number" && since <= latest && since >= (oldest ?? latest + 1) - 1;
  let cursor = honoured ? since : latest;
  connection.send(frame("ready", { lastEventId: cursor }));
  if (since !== undefined && !honoured) connection.send(frame("reset"));
  ctx.hub.joinWorkspace(connection, isFirst);

  for (const chatId of await ctx.db.listChatIdsOf(connection.user.id)) connection.chats.add(chatId);
  // Replayed events also move membership on, so the chats set ends up as of the last one.
  // The replay must reach at least every event committed before the chats were read; what
  // commits later is in the hub's buffer. A client already up to date costs no replay query.
  const committed = await ctx.db.latestEventId();
  while (connection.state === "catching-up" && cursor < committed) {
    const page = await ctx.db.eventsSince(connection.user.id, cursor, replayPage);
    for (const event of page) {
      connection.sendEvent(event);
      cursor = event.id;
    }
    if (page.length < replayPage) break;
    // A long replay yields between pages so that other requests are not held up behind it;
    // the hub buffers whatever they publish meanwhile.
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Events the replay read may not have reached this instance's hub yet (PostgreSQL: they
  // arrive from other writers in any order); going live only after they have means they are
  // not sent twice.
  await ctx.hub.whenDelivered(cursor);
  ctx.hub.goLive(connection, cursor);
}

/** Who in the caller's workspace is online now; `presence` events tell what changes after. */
export function listOnline(ctx: RealtimeCtx): { online: number[] } {
  return { online: ctx.hub.onlineIn(ctx.user.workspaceId) };
}

export function closeConnection(hub: LocalHub, connection: Connection): void {
  hub.detach(connection);
}

/** One frame from a WebSocket client. Bad frames get an error frame; the socket stays open. */
export async function handleFrame(
  ctx: RealtimeCtx,
  connection: Connection,
  message: unknown,
): Promise<void> {
  const type = isObject(message) ? message.type : undefined;
  const clientId =
    isObject(message) && typeof message.clientId === "string" ? message.clientId : undefined;
  try {
    // A chat id that is not a positive integer names no chat: not_found, as on the HTTP route.
    if ((type === "send" || type === "typing") && isObject(message) && !isId(message.chatId)) {
      throw notFound("no such chat");
    }
    if (type === "ping" && pingFrame.Check(message)) {
      connection.send(frame("pong"));
    } else if (type === "send") {
      if (!sendFrame.Check(message)) throw invalidFrame(sendFrame, message);
      const nul = nulPath(message);
      if (nul !== undefined) throw invalid(`${nul}: text may not contain the character U+0000`);
      // The frame is the message body with two fields more, which sendMessage does not read.
      const sent = await sendMessage(ctx, message.chatId, message);
      // Where a sequencer orders events (several instances), the message's event may be held a
      // moment: the ack follows it, so a client never sees an ack before the message it stored.
      if (sent.eventId !== undefined) await ctx.hub.whenDelivered(sent.eventId);
      const stored = sent.message;
      ctx.hub.reply(connection, frame("ack", { clientId: stored.clientId, data: stored }));
    } else if (type === "typing") {
      if (!typingFrame.Check(message)) throw invalidFrame(typingFrame, message);
      await sendTyping(ctx, connection, message.chatId);
    } else {
      throw badRequest(
        isObject(message)
          ? `unknown frame type ${JSON.stringify(type)}: expected send, typing or ping`
          : "frames are JSON objects with a type",
      );
    }
  } catch (error) {
    const appError = toAppError(error, "UNKNOWN");
    if (appError.code === "internal" || appError.code === "unavailable") {
      ctx.logger(errorLine("unexpected error", error, { frame: type }));
    }
    connection.send(
      frame("error", { ...(clientId !== undefined && { clientId }), ...appError.toBody() }),
    );
  }
}

async function sendTyping(ctx: RealtimeCtx, connection: Connection, chatId: number) {
  const members = await ctx.db.listMembersByJoinOrder(chatId);
  if (!members.includes(connection.user.id)) throw notFound("no such chat");
  ctx.hub.typing(connection.user.id, chatId, members);
}

function invalidFrame(check: TypeCheck<TSchema>, message: unknown): AppError {
  const first = check.Errors(message).First();
  const field = first?.path.replace(/^\//, "") || "frame";
  return new AppError("validation_failed", `${field}: ${first?.message ?? "is invalid"}`);
}

const isId = (value: unknown) => Number.isSafeInteger(value) && (value as number) > 0;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
