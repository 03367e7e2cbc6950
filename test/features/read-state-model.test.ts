// A property of read state: after random sequences of sends, replies, mentions added and removed
// by edits, deletes, joins, leaves, <!channel>/<!here> and reads, every member's marker is where
// the contract's rules put it, and the unread and mention counts that GET /api/chat and
// GET /api/chat/{id} answer are a brute-force recount of the messages. Runs on either store.
// For more: `READ_STATE_RUNS=200 READ_STATE_SEED=$RANDOM bun test test/features/read-state-model.test.ts`.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { startTestApp } from "../support/app.ts";
import { type Person, people } from "../support/fixtures.ts";

const runs = Number(process.env.READ_STATE_RUNS ?? 25);
const seed = Number(process.env.READ_STATE_SEED ?? 2424);
const app = await startTestApp({ limits: { messages: 0 } });
const team = (await people(app, ["Carol"])) as Awaited<ReturnType<typeof people>> & {
  carol: Person;
};
const users = [team.alice, team.bob, team.carol];

type Model = {
  id: number;
  sender: number;
  threadId: number | null;
  deleted: boolean;
  mentions: number[];
  mentionsAll: boolean;
};

const mentionsOf = fc.record({
  users: fc.subarray([0, 1, 2]),
  all: fc.constantFrom("", "", "<!channel> ", "<!here> "),
});
const op = fc.oneof(
  fc.record({ kind: fc.constant("send"), by: fc.nat(2), mentions: mentionsOf }),
  fc.record({ kind: fc.constant("reply"), by: fc.nat(2), to: fc.nat(), mentions: mentionsOf }),
  fc.record({ kind: fc.constant("edit"), on: fc.nat(), mentions: mentionsOf }),
  fc.record({ kind: fc.constant("delete"), on: fc.nat() }),
  fc.record({ kind: fc.constant("join"), by: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ kind: fc.constant("leave"), by: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ kind: fc.constant("read"), by: fc.nat(2), on: fc.nat() }),
);

let runCount = 0;
let nonce = 0;
const text = (mentions: { users: number[]; all: string }) =>
  `${mentions.all}${mentions.users.map((i) => `<@${users[i]?.user.id}>`).join(" ")} #${++nonce}`;
const call = (by: Person, method: string, path: string, body?: unknown) =>
  app.request(method, path, { token: by.token, body });

test("markers and counts always equal a brute-force recount", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 30 }), async (ops) => {
      const alice = team.alice;
      const chat = (
        await call(alice, "POST", "/api/chat", {
          type: "public_channel",
          name: `model-${++runCount}`,
          members: [team.bob.user.id],
        })
      ).body;
      const on = (path = "") => `/api/chat/${chat.id}${path}`;
      const members = new Set([alice.user.id, team.bob.user.id]);
      const markers = new Map<number, number>([
        [alice.user.id, 0],
        [team.bob.user.id, 0],
      ]);
      const messages: Model[] = [];
      let lastTopLevel = 0;
      const pick = (n: number) => messages[n % Math.max(1, messages.length)];
      const moveMarker = (userId: number, to: number) =>
        markers.set(userId, Math.max(markers.get(userId) ?? 0, to));

      for (const step of ops) {
        switch (step.kind) {
          case "send":
          case "reply": {
            const by = users[step.by] as Person;
            const root = step.kind === "reply" ? pick(step.to) : undefined;
            if (step.kind === "reply" && !root) break;
            const reply = await call(by, "POST", on(), {
              content: text(step.mentions),
              ...(root && { threadId: root.threadId ?? root.id }),
            });
            if (reply.status !== 201) break;
            const sent = reply.body;
            messages.push({
              id: sent.id,
              sender: by.user.id,
              threadId: sent.threadId,
              deleted: false,
              mentions: sent.mentions ?? [],
              mentionsAll: step.mentions.all !== "",
            });
            if (sent.threadId === null) {
              lastTopLevel = sent.id;
              moveMarker(by.user.id, sent.id);
            }
            break;
          }
          case "edit": {
            const message = pick(step.on);
            if (!message) break;
            const sender = users.find((u) => u.user.id === message.sender) as Person;
            const reply = await call(sender, "PATCH", on(`/messages/${message.id}`), {
              content: text(step.mentions),
            });
            if (reply.status !== 200) break;
            message.mentions = reply.body.mentions ?? [];
            message.mentionsAll = step.mentions.all !== "";
            break;
          }
          case "delete": {
            const message = pick(step.on);
            if (!message) break;
            const sender = users.find((u) => u.user.id === message.sender) as Person;
            const reply = await call(sender, "DELETE", on(`/messages/${message.id}`));
            if (reply.status === 204) message.deleted = true;
            break;
          }
          case "join": {
            const by = users[step.by] as Person;
            if (members.has(by.user.id)) break;
            expect((await call(by, "POST", on("/join"))).status).toBe(200);
            members.add(by.user.id);
            markers.set(by.user.id, lastTopLevel);
            break;
          }
          case "leave": {
            const by = users[step.by] as Person;
            if (!members.has(by.user.id)) break;
            expect((await call(by, "POST", on("/leave"))).status).toBe(204);
            members.delete(by.user.id);
            markers.delete(by.user.id);
            break;
          }
          case "read": {
            const by = users[step.by] as Person;
            const message = pick(step.on);
            if (!message) break;
            const reply = await call(by, "POST", on("/read"), { messageId: message.id });
            expect(reply.status).toBe(members.has(by.user.id) ? 200 : 403);
            if (reply.status === 200) moveMarker(by.user.id, message.id);
            break;
          }
        }
      }

      for (const person of users) {
        const me = person.user.id;
        const fetched = (await call(person, "GET", on())).body.state;
        const listed = ((await call(person, "GET", "/api/chat")).body as any[]).find(
          (c) => c.id === chat.id,
        )?.state;
        if (!members.has(me)) {
          expect(fetched).toBeUndefined();
          expect(listed).toBeUndefined();
          continue;
        }
        const marker = markers.get(me) ?? 0;
        const counted = messages.filter((m) => !m.deleted && m.sender !== me && m.id > marker);
        const expected = {
          lastReadMessageId: marker,
          unreadCount: counted.filter((m) => m.threadId === null).length,
          mentionCount: counted.filter((m) => m.mentionsAll || m.mentions.includes(me)).length,
          notify: "mentions",
        };
        expect(fetched).toEqual(expected);
        expect(listed).toEqual(expected);
      }
    }),
    { numRuns: runs, seed },
  );
}, 120_000);
