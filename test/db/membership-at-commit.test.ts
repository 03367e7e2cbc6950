// A message is stored only if its sender is a member as it commits, whatever races it: rounds of
// sends made together with a member being added or removed, on both stores. Read back through
// the event log, every message.created falls inside its sender's membership, and every send was
// either stored (and answered with it) or refused (and left nothing).
import { expect, test } from "bun:test";
import fc from "fast-check";
import { bothStores, seedStore } from "../support/store.ts";

const stores = await bothStores();

/** One round: who sends (by index), and whose membership flips meanwhile (never the owner's). */
const round = fc.record({
  senders: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 6 }),
  flip: fc.integer({ min: 1, max: 2 }),
});

for (const [name, store] of stores) {
  test(`${name}: every stored message's sender was a member when it committed, and no send is lost or half done`, async () => {
    const { user: owner, chat } = await seedStore(store);
    const others = [];
    for (const who of ["b", "c"]) {
      const created = await store.createUser({
        fullname: who,
        email: `${who}-${chat.id}@x.test`,
        passwordHash: "h",
        workspace: { id: owner.workspaceId },
      });
      others.push(created.user);
    }
    const people = [owner, ...others];
    const members = new Set([owner.id]);
    const from = await store.latestEventId();
    const answers = new Map<string, boolean>();
    let sends = 0;

    await fc.assert(
      fc.asyncProperty(fc.array(round, { minLength: 1, maxLength: 8 }), async (rounds) => {
        for (const { senders, flip } of rounds) {
          const flipped = people[flip]?.id as number;
          const change = members.has(flipped) ? { remove: [flipped] } : { add: [flipped] };
          await Promise.all([
            store.changeChat(chat.id, change),
            ...senders.map(async (index) => {
              const clientId = `s-${sends++}`;
              const sent = await store.insertMessage({
                chatId: chat.id,
                senderId: people[index]?.id as number,
                content: clientId,
                files: [],
                clientId,
              });
              answers.set(clientId, sent !== undefined);
              if (sent) expect(sent.value.clientId).toBe(clientId);
            }),
          ]);
          if (members.has(flipped)) members.delete(flipped);
          else members.add(flipped);
        }
      }),
      { numRuns: 15 },
    );

    // Membership as the log records it from `from` on (the owner's began before): chat.created
    // opens a user's period, chat.removed ends it.
    const current = new Set([owner.id]);
    const stored = new Set<string>();
    for (const event of await store.eventsAfter(from, 100_000)) {
      if (event.chatId !== chat.id) continue;
      if (event.type === "chat.created") current.add(event.userId as number);
      if (event.type === "chat.removed") current.delete(event.userId as number);
      if (event.type !== "message.created") continue;
      const message = JSON.parse(event.json).data as { senderId: number; clientId: string };
      expect({ sender: message.senderId, member: current.has(message.senderId) }).toEqual({
        sender: message.senderId,
        member: true,
      });
      stored.add(message.clientId);
    }
    // Stored if and only if answered with the message; some of each, or the test proves little.
    const accepted = [...answers].filter(([, ok]) => ok).map(([clientId]) => clientId);
    expect([...stored].sort()).toEqual(accepted.sort());
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThan(answers.size);
  });
}
