// Conversations (issue #23): the requests/s of a realistic mix (sends, replies, reactions,
// edits, history reads) against sends alone, on the same members and chats; and history pages
// of 50 messages carrying reactions, attachments and reply counts against pages of plain ones.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../db/sqlite/store.ts";
import {
  count,
  mintToken,
  oursFromSource,
  runLoad,
  seedChatsOfTen,
  startOurs,
  withServer,
} from "../lib.ts";
import type { Scenario } from "../scenario.ts";

/**
 * A history database: `chats` chats of one reader holding plain messages, and as many whose
 * messages each carry three reactions of several users, an attachment and replies.
 */
async function seedRichHistory(path: string, chats: number, perChat: number) {
  const store = openSqliteStore(`sqlite://${path}`, { synchronous: "NORMAL" });
  const { user } = await store.createUser({
    fullname: "Reader",
    email: "reader@bench.test",
    passwordHash: "not used",
    workspace: { name: "Conversation history" },
  });
  const newChat = async (name: string) =>
    (
      await store.createChat({
        workspaceId: user.workspaceId,
        type: "private_channel",
        name,
        ownerId: user.id,
        memberIds: [user.id],
      })
    ).value.id;
  const plain: number[] = [];
  const rich: number[] = [];
  for (let c = 0; c < chats; c++) {
    plain.push(await newChat(`plain-${c}`));
    rich.push(await newChat(`rich-${c}`));
  }
  const url = `/api/files/${user.workspaceId}/ab/cd/abcd${"0".repeat(60)}.png`;
  const reactions = JSON.stringify([
    { emoji: "tada", userIds: [1, 2, 3, 4] },
    { emoji: "+1", userIds: [2, 5] },
    { emoji: "eyes", userIds: [7] },
  ]);
  const attachments = JSON.stringify([
    { url, name: "diagram.png", size: 48213, type: "image/png" },
  ]);
  const insert = store.sqlite.prepare(
    `insert into messages (chat_id, sender_id, content, files, client_id, created_at, reply_count,
       last_reply_at, reactions, mentions, attachments)
     values (?, ?, ?, ?, null, ?, ?, ?, ?, ?, ?)`,
  );
  store.sqlite.transaction(() => {
    for (let m = 0; m < perChat; m++) {
      for (const chatId of plain) {
        insert.run(
          chatId,
          user.id,
          `plain message ${m}`,
          "[]",
          Date.now(),
          0,
          null,
          "[]",
          "[]",
          "[]",
        );
      }
      for (const chatId of rich) {
        insert.run(
          chatId,
          user.id,
          `**rich** message ${m} for <@${user.id}>`,
          JSON.stringify([url]),
          Date.now(),
          3,
          Date.now(),
          reactions,
          JSON.stringify([user.id]),
          attachments,
        );
      }
    }
  })();
  await store.close();
  return { plain, rich, token: await mintToken(user.id) };
}

export const conversation: Scenario = async ({ full, log }) => {
  const people = full ? 1000 : 100;
  const seconds = full ? 20 : 6;
  log(`conversation: ${people} members in chats of ten, mix vs sends alone`);
  const runMix = async (mix: boolean, reads = true) => {
    const database = join(mkdtempSync(join(tmpdir(), "chat-bench-conversation-")), "chat.db");
    const store = openSqliteStore(`sqlite://${database}`, { synchronous: "NORMAL" });
    const clients = await seedChatsOfTen(store, people, "conversation.test");
    await store.close();
    return withServer(
      () => startOurs(oursFromSource, { database }),
      (server) =>
        runLoad<{ perSecond: number; p50: number; p99: number }>(
          "conversation.ts",
          { url: server.url, clients, seconds, mix, reads },
          server.pid,
        ),
    );
  };
  const alone = await runMix(false);
  const mixed = await runMix(true);
  const writes = await runMix(true, false);

  const chats = full ? 1000 : 100;
  const perChat = full ? 200 : 100;
  const path = join(mkdtempSync(join(tmpdir(), "chat-bench-rich-")), "chat.db");
  const { plain, rich, token } = await seedRichHistory(path, chats, perChat);
  const reads = (chatIds: number[]) =>
    withServer(
      () => startOurs(oursFromSource, { database: path }),
      (server) =>
        runLoad<{ perSecond: number; p50: number; p99: number }>(
          "history.ts",
          { url: server.url, token, chatIds, connections: 50, seconds },
          server.pid,
        ),
    );
  const plainReads = await reads(plain);
  const richReads = await reads(rich);
  log(
    `conversation: mix ${Math.round(mixed.perSecond)}/s, writes ${Math.round(writes.perSecond)}/s vs sends ${Math.round(alone.perSecond)}/s; rich pages ${Math.round(richReads.perSecond)}/s vs plain ${Math.round(plainReads.perSecond)}/s`,
  );
  return {
    rows: [
      {
        scenario: "conversation mix",
        measure: "requests/s",
        ours: mixed.perSecond,
        reference: alone.perSecond,
        referenceName: "sends alone, same members",
        target: 0.85,
        serverCpu: mixed.serverCpuShare,
        loadCpu: mixed.loadCpuShare,
        note: `${count(people)} members in chats of ten, closed loop; the mix is 55% sends, 15% replies, 15% reactions (on and off), 5% edits, 10% history pages of 50; p99 ${mixed.p99.toFixed(1)} ms (sends alone: ${alone.p99.toFixed(1)} ms)`,
      },
      {
        scenario: "conversation writes",
        measure: "requests/s",
        ours: writes.perSecond,
        reference: alone.perSecond,
        referenceName: "sends alone, same members",
        target: 0.85,
        serverCpu: writes.serverCpuShare,
        loadCpu: writes.loadCpuShare,
        note: `the mix without its history reads: 61% sends, 17% replies, 17% reactions, 5% edits; p99 ${writes.p99.toFixed(1)} ms. A history page of 50 messages costs the server several sends, so the mix with reads above stays under sends alone whatever the writes cost`,
      },
      {
        scenario: "rich history pages",
        measure: "reads/s",
        ours: richReads.perSecond,
        reference: plainReads.perSecond,
        referenceName: "pages of plain messages",
        target: 0.8,
        serverCpu: richReads.serverCpuShare,
        loadCpu: richReads.loadCpuShare,
        note: `pages of 50 messages each carrying three reactions, an attachment, a mention and replies; p99 ${richReads.p99.toFixed(1)} ms against ${plainReads.p99.toFixed(1)} ms`,
      },
    ],
  };
};
