// Slack's ts, on both stores: every message gets one as it is stored, by a send, a batch of
// sends or a reply, unique in its chat, growing with the id, its seconds the message's time.
import { expect, test } from "bun:test";
import type { Store } from "../../db/store.ts";
import { bothStores, seedStore } from "../support/store.ts";

const stores = await bothStores();

const send = (store: Store, chatId: number, senderId: number, content: string) =>
  store.insertMessage({ chatId, senderId, content, files: [], clientId: null });

for (const [name, store] of stores) {
  test(`${name}: each message's ts is unique in its chat, grows with its id, and its seconds are its time`, async () => {
    const { user, chat } = await seedStore(store);
    const { value: other } = await store.createChat({
      workspaceId: user.workspaceId,
      type: "private_channel",
      name: "other",
      ownerId: user.id,
      memberIds: [user.id],
    });
    // Bursts in one turn share a millisecond and a batch: their ts must still differ.
    const sent = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        send(store, i % 3 ? chat.id : other.id, user.id, `m${i}`),
      ),
    );
    const root = sent[1]?.value;
    if (!root) throw new Error("no root");
    const replies = [];
    for (let i = 0; i < 5; i++) {
      const reply = await store.insertReply({
        chatId: chat.id,
        senderId: user.id,
        content: `r${i}`,
        files: [],
        clientId: null,
        threadId: root.id,
      });
      if (!reply || !("value" in reply)) throw new Error("reply refused");
      replies.push(reply.value);
    }
    const messages = [...sent.map((s) => s?.value), ...replies].filter((m) => m !== undefined);
    const ts = await store.messageTs(messages.map((m) => m.id));
    expect(ts.size).toBe(65);
    for (const chatId of [chat.id, other.id]) {
      const inChat = messages.filter((m) => m.chatId === chatId).sort((a, b) => a.id - b.id);
      const stamps = inChat.map((m) => ts.get(m.id) as number);
      for (let i = 1; i < stamps.length; i++) {
        expect(stamps[i] as number).toBeGreaterThan(stamps[i - 1] as number);
      }
      for (const message of inChat) {
        const stamp = ts.get(message.id) as number;
        expect(Math.floor(stamp / 1_000_000)).toBe(
          Math.floor(Date.parse(message.createdAt) / 1000),
        );
        expect((await store.findMessageByTs(chatId, stamp))?.id).toBe(message.id);
      }
    }
    // A ts names a message of its own chat only: the same ts in another chat is another message.
    for (const message of messages.filter((m) => m.chatId === chat.id)) {
      const found = await store.findMessageByTs(other.id, ts.get(message.id) as number);
      expect(found === undefined || found.chatId === other.id).toBe(true);
    }
  });
}
