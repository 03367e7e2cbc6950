// Reads that arrive together (issue #24): on SQLite they share the sends' group commit, and one
// member's reads of one chat in it make a single chat.read saying where the last left the
// marker; on PostgreSQL each is a transaction of its own. On both, the marker ends at the
// furthest message read, every chat.read stored is one a client may apply in order, and each
// read answers where it left the marker.
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReadOutcome } from "../../db/plan.ts";
import { openSqliteStore } from "../../db/sqlite/store.ts";
import type { Store } from "../../db/store.ts";
import { bothStores } from "../support/store.ts";

/** In a new workspace: a reader, three messages of a chat of theirs, one of another chat. */
async function setUp(store: Store, name: string) {
  const { user: sender } = await store.createUser({
    fullname: "S",
    email: `sender-${name}@x.test`,
    passwordHash: "h",
    workspace: { name },
  });
  const { value: chat } = await store.createChat({
    workspaceId: sender.workspaceId,
    type: "private_channel",
    name: "c",
    ownerId: sender.id,
    memberIds: [sender.id],
  });
  const { user: reader } = await store.createUser({
    fullname: "R",
    email: `reader-${name}@x.test`,
    passwordHash: "h",
    workspace: { id: sender.workspaceId },
  });
  await store.changeChat(chat.id, { add: [reader.id] });
  const send = async (chatId: number) => {
    const sent = await store.insertMessage({
      chatId,
      senderId: sender.id,
      content: "x",
      files: [],
      clientId: null,
    });
    if (!sent) throw new Error("not stored");
    return sent.value.id;
  };
  const [m1, m2, m3] = [await send(chat.id), await send(chat.id), await send(chat.id)];
  const { value: other } = await store.createChat({
    workspaceId: sender.workspaceId,
    type: "private_channel",
    name: "other",
    ownerId: sender.id,
    memberIds: [sender.id],
  });
  const elsewhere = await send(other.id);
  const after = await store.latestEventId();
  const reads = async () =>
    (await store.eventsSince(reader.id, after, 100))
      .filter((event) => event.type === "chat.read" && event.chatId === chat.id)
      .map((event) => JSON.parse(event.json).data.lastReadMessageId as number);
  const marker = async () =>
    (await store.chatStates(reader.id, [chat.id]))[0]?.lastReadMessageId as number;
  return { chat, reader, m1, m2, m3, elsewhere, reads, marker };
}

const markerOf = (outcome: ReadOutcome) =>
  "lastReadMessageId" in outcome ? outcome.lastReadMessageId : outcome.refused;

for (const [name, store] of await bothStores()) {
  describe(name, () => {
    test("reads sent together leave the marker at the furthest, and their chat.read events end there", async () => {
      const { chat, reader, m1, m2, m3, elsewhere, reads, marker } = await setUp(store, "a");
      const read = (messageId: number) => store.markRead(chat.id, reader.id, messageId);
      const answers = await Promise.all([read(m2), read(elsewhere), read(m3), read(m1)]);
      expect(await marker()).toBe(m3);
      const events = await reads();
      expect(events.at(-1)).toBe(m3);
      expect(events).toEqual([...new Set(events)].sort((a, b) => a - b));
      // Each answers where it left the marker; the message of another chat is refused.
      expect(markerOf(answers[1].value)).toBe("not_in_chat");
      for (const [i, messageId] of [m2, m3, m1].entries()) {
        const left = markerOf(
          ([answers[0], answers[2], answers[3]][i] as (typeof answers)[0]).value,
        );
        expect(left).toBeGreaterThanOrEqual(messageId);
        expect(left).toBeLessThanOrEqual(m3);
      }
      // Whatever the callers publish is what was stored.
      const published = answers.flatMap((answer) => answer.events);
      expect(published.map((event) => JSON.parse(event.json).data.lastReadMessageId)).toEqual(
        events,
      );
    });
  });
}

describe("SQLite's group commit", () => {
  const path = join(mkdtempSync(join(tmpdir(), "chat-reads-")), "chat.db");
  const store = openSqliteStore(`sqlite://${path}`, { synchronous: "NORMAL" });
  const observer = new Database(path, { readonly: true });
  const commitsSoFar = () =>
    (observer.query("pragma data_version").get() as { data_version: number }).data_version;

  test("one member's reads of a chat in one commit make one chat.read, with the final marker", async () => {
    const { chat, reader, m1, m2, m3, reads, marker } = await setUp(store, "b");
    const read = (messageId: number) => store.markRead(chat.id, reader.id, messageId);
    const before = commitsSoFar();
    const [second, third, first] = await Promise.all([read(m2), read(m3), read(m1)]);
    expect(commitsSoFar() - before).toBe(1);
    expect(await marker()).toBe(m3);
    expect(await reads()).toEqual([m3]);
    expect([second.value, third.value, first.value]).toEqual([
      { lastReadMessageId: m2 },
      { lastReadMessageId: m3 },
      { lastReadMessageId: m3 },
    ]);
    // The first read to move the marker publishes the one event, rewritten to the last.
    expect(second.events.map((event) => JSON.parse(event.json))).toEqual([
      {
        id: expect.any(Number),
        type: "chat.read",
        chatId: chat.id,
        data: { chatId: chat.id, lastReadMessageId: m3 },
      },
    ]);
    expect([...third.events, ...first.events]).toEqual([]);
  });

  test("a change between two reads in one commit keeps each its own chat.read", async () => {
    const { chat, reader, m1, m2, reads } = await setUp(store, "c");
    await Promise.all([
      store.markRead(chat.id, reader.id, m1),
      store.changeChat(chat.id, { name: "renamed" }),
      store.markRead(chat.id, reader.id, m2),
    ]);
    expect(await reads()).toEqual([m1, m2]);
  });
});
