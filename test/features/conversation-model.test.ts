// A property of the whole protocol: random sequences of sends, replies, edits, deletes, reactions,
// pins, joins, leaves and reconnections (with `since`) by several users. Afterwards, the state each
// client rebuilt from its event stream is what the HTTP API answers, and no one ever received an
// event of a chat they were not a member of when it happened. Runs on either store.
// A fixed seed and a few runs keep `npm test` bounded; for more, run for example
// `CONVERSATION_RUNS=200 CONVERSATION_SEED=$RANDOM bun test test/features/conversation-model.test.ts`.
import { expect, test } from "bun:test";
import fc from "fast-check";
import type { Message } from "../../src/features/messages/model.ts";
import { startTestApp } from "../support/app.ts";
import { type Person, people } from "../support/fixtures.ts";

const runs = Number(process.env.CONVERSATION_RUNS ?? 6);
const seed = Number(process.env.CONVERSATION_SEED ?? 2326);
const app = await startTestApp({ limits: { messages: 0 } });
const team = (await people(app, ["Carol"])) as Awaited<ReturnType<typeof people>> & {
  carol: Person;
};
const members = [team.alice, team.bob, team.carol];
const everyone = [...members, team.mallory];

type Frame = { type: string; id?: number; chatId?: number; data?: any };

/** One user's client: a socket that resumes with the last id it saw, and the state it rebuilt. */
class Client {
  lastId = 0;
  readonly received: Frame[] = [];
  readonly problems: string[] = [];
  /** chat id → message id → the message as the events left it. */
  readonly chats = new Map<number, Map<number, Message>>();
  private socket: WebSocket | undefined;

  constructor(readonly person: Person) {}

  async connect(): Promise<void> {
    const url = new URL("/api/ws", app.url.replace(/^http/, "ws"));
    url.searchParams.set("token", this.person.token);
    if (this.lastId > 0) url.searchParams.set("since", String(this.lastId));
    const socket = new WebSocket(url);
    this.socket = socket;
    const ready = Promise.withResolvers<void>();
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(String(event.data)) as Frame;
      if (frame.type === "ready") {
        if (this.lastId === 0) this.lastId = frame.data?.lastEventId ?? (frame as any).lastEventId;
        ready.resolve();
      } else if (frame.type === "reset") this.problems.push("reset on resume");
      else if (typeof frame.id === "number") this.apply(frame);
    });
    socket.addEventListener("error", () => ready.reject(new Error("socket failed")));
    await ready.promise;
  }

  async reconnect(): Promise<void> {
    const socket = this.socket;
    if (socket) {
      const closed = new Promise((resolve) => socket.addEventListener("close", resolve));
      socket.close();
      await closed;
    }
    await this.connect();
  }

  close() {
    this.socket?.close();
  }

  private apply(frame: Frame) {
    if ((frame.id as number) <= this.lastId) {
      this.problems.push(`event ${frame.id} again or out of order after ${this.lastId}`);
      return;
    }
    this.lastId = frame.id as number;
    this.received.push(frame);
    const chatId = frame.chatId as number;
    if (frame.type === "chat.created") this.chats.set(chatId, new Map());
    else if (frame.type === "chat.removed") this.chats.delete(chatId);
    else if (frame.type === "message.created" || frame.type === "message.updated") {
      this.chats.get(chatId)?.set(frame.data.id, frame.data);
    }
  }

  /** Waits until every event the server holds for this user has arrived. */
  async catchUp(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while ((await app.db.eventsSince(this.person.user.id, this.lastId, 1)).length > 0) {
      if (Date.now() > deadline) throw new Error(`${this.person.user.fullname} never caught up`);
      await Bun.sleep(5);
    }
  }
}

const user = fc.integer({ min: 0, max: members.length - 1 });
const pick = fc.nat();
const action = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("send"), user, chat: pick, pick }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("reply"), user, chat: pick, pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("edit"), user, chat: pick, pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete"), user, chat: pick, pick }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("react"),
      user,
      chat: pick,
      pick,
      emoji: fc.constantFrom("tada", "+1", "eyes"),
      add: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("pin"), user, chat: pick, pick, add: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("join"), user }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("leave"), user }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reconnect"), user }) },
);
type Action = typeof action extends fc.Arbitrary<infer T> ? T : never;

let channels = 0;

async function run(actions: Action[]): Promise<void> {
  const request = (by: Person, method: string, path: string, body?: unknown) =>
    app.request(method, path, { token: by.token, body });
  const clients = everyone.map((person) => new Client(person));
  await Promise.all(clients.map((client) => client.connect()));
  const [alice, bob, carol] = members as [Person, Person, Person];
  const channel = (
    await request(alice, "POST", "/api/chat", {
      type: "public_channel",
      name: `model-${++channels}`,
      members: [bob.user.id],
    })
  ).body;
  const group = (
    await request(alice, "POST", "/api/chat", { members: [bob.user.id, carol.user.id] })
  ).body;
  const chats = [channel.id as number, group.id as number];
  /** Who is a member of each chat, as the answers said; and each member's join floor. */
  const memberOf = new Map<number, Set<number>>([
    [channel.id, new Set([alice.user.id, bob.user.id])],
    [group.id, new Set([alice.user.id, bob.user.id, carol.user.id])],
  ]);
  /** The largest message id when each user last joined a chat: what came before is loaded, not streamed. */
  const floor = new Map<string, number>();
  const messages = new Map<number, number[]>(chats.map((id) => [id, []]));
  const roots = new Map<number, number[]>(chats.map((id) => [id, []]));
  let newestMessage = 0;
  /** After each action, the newest event id and the memberships it left. */
  const steps: { lastEventId: number; members: Map<number, Set<number>> }[] = [];
  const snapshot = () => new Map([...memberOf].map(([id, set]) => [id, new Set(set)]));
  steps.push({ lastEventId: await app.db.latestEventId(), members: snapshot() });

  for (const [n, act] of actions.entries()) {
    const by = members[act.user] as Person;
    const chatId = "chat" in act ? (chats[act.chat % chats.length] as number) : channel.id;
    const list = messages.get(chatId) as number[];
    const target = "pick" in act && list.length > 0 ? list[act.pick % list.length] : undefined;
    const on = `/api/chat/${chatId}`;
    switch (act.kind) {
      case "send":
      case "reply": {
        const threads = roots.get(chatId) as number[];
        const threadId =
          act.kind === "reply" && threads.length > 0
            ? threads[act.pick % threads.length]
            : undefined;
        const mention = (members[act.pick % members.length] as Person).user.id;
        const reply = await request(by, "POST", on, {
          content: `${act.kind} ${n} <@${mention}>`,
          ...(threadId !== undefined && { threadId }),
        });
        if (reply.status === 201) {
          list.push(reply.body.id);
          if (threadId === undefined) threads.push(reply.body.id);
          newestMessage = reply.body.id;
        }
        break;
      }
      case "edit":
        if (target)
          await request(by, "PATCH", `${on}/messages/${target}`, { content: `edit ${n}` });
        break;
      case "delete":
        if (target) await request(by, "DELETE", `${on}/messages/${target}`);
        break;
      case "react":
        if (target) {
          const path = `${on}/messages/${target}/reactions/${encodeURIComponent(act.emoji)}`;
          await request(by, act.add ? "PUT" : "DELETE", path);
        }
        break;
      case "pin":
        if (target) await request(by, act.add ? "PUT" : "DELETE", `${on}/pins/${target}`);
        break;
      case "join": {
        const reply = await request(by, "POST", `/api/chat/${channel.id}/join`);
        const set = memberOf.get(channel.id) as Set<number>;
        if (reply.status === 200 && !set.has(by.user.id)) {
          set.add(by.user.id);
          floor.set(`${by.user.id}:${channel.id}`, newestMessage);
        }
        break;
      }
      case "leave": {
        const reply = await request(by, "POST", `/api/chat/${channel.id}/leave`);
        if (reply.status === 204) memberOf.get(channel.id)?.delete(by.user.id);
        break;
      }
      case "reconnect":
        await clients[act.user]?.reconnect();
        break;
    }
    steps.push({ lastEventId: await app.db.latestEventId(), members: snapshot() });
  }
  await Promise.all(clients.map((client) => client.catchUp()));
  clients.forEach((client) => {
    client.close();
  });

  for (const client of clients) {
    expect(client.problems).toEqual([]);
    const me = client.person.user.id;
    // Never an event of a chat one was not a member of when it happened.
    for (const frame of client.received) {
      if (frame.type === "chat.created" || frame.type === "chat.removed") continue;
      const step = steps.find((s) => s.lastEventId >= (frame.id as number));
      expect(step).toBeDefined();
      const allowed = step?.members.get(frame.chatId as number)?.has(me) ?? false;
      if (!allowed) throw new Error(`user ${me} received ${JSON.stringify(frame)}`);
    }
    if (client.person === team.mallory) expect(client.received).toEqual([]);
  }

  // What each member's client rebuilt is what HTTP answers.
  for (const client of clients.slice(0, members.length)) {
    const me = client.person;
    for (const chatId of chats) {
      if (!memberOf.get(chatId)?.has(me.user.id)) {
        expect(client.chats.has(chatId)).toBe(false);
        continue;
      }
      const held = client.chats.get(chatId) ?? new Map<number, Message>();
      const since = floor.get(`${me.user.id}:${chatId}`) ?? 0;
      for (const [id, message] of held) {
        const served = await request(me, "GET", `/api/chat/${chatId}/messages/${id}`);
        expect(served.body).toEqual(message);
      }
      const history = (await request(me, "GET", `/api/chat/${chatId}/messages?limit=100`))
        .body as Message[];
      expect(history.length).toBeLessThan(100);
      const newer = (list: Message[]) => list.filter((m) => m.id > since).map((m) => m.id);
      const rebuilt = [...held.values()]
        .filter((m) => m.threadId === null && (!m.deleted || m.replyCount > 0))
        .sort((a, b) => b.id - a.id);
      expect(newer(history)).toEqual(newer(rebuilt));
      for (const root of history) {
        const replies = (
          await request(me, "GET", `/api/chat/${chatId}/messages?thread=${root.id}&limit=100`)
        ).body as Message[];
        const rebuiltReplies = [...held.values()]
          .filter((m) => m.threadId === root.id && !m.deleted)
          .sort((a, b) => b.id - a.id);
        expect(newer(replies)).toEqual(newer(rebuiltReplies));
      }
      const pins = (await request(me, "GET", `/api/chat/${chatId}/pins`)).body as Message[];
      const rebuiltPins = [...held.values()].filter((m) => m.pinned);
      expect(newer(pins).sort()).toEqual(newer(rebuiltPins).sort());
    }
  }
}

test("clients that rebuild their state from events, resuming after drops, hold what HTTP answers, and nobody receives events from outside their memberships", async () => {
  await fc.assert(fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 40 }), run), {
    numRuns: runs,
    seed,
    endOnFailure: true,
  });
}, 120_000);
