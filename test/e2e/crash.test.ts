// Nothing acknowledged is ever lost: clients send over HTTP and WebSocket with clientIds, edit and
// react to what was sent, and change a profile and the workspace's settings (workspace-wide
// events), while the server is killed with SIGKILL at random moments; after each restart they
// retry what was not acknowledged, and a listener resumes with `since`. Then the database is
// checked. A second test kills the server with pushes still undecided: they arrive after the
// restart.
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import {
  postJson,
  type ServerProcess,
  signupPair,
  startServerProcess,
} from "../support/process.ts";
import { PushService } from "../support/push-service.ts";

const kills = Number(process.env.CRASH_KILLS ?? 5);
const perSender = Number(process.env.CRASH_MESSAGES ?? 120);
const main = join(import.meta.dir, "../../src/main.ts");
let server: ServerProcess | undefined;
afterAll(() => server?.child.kill("SIGKILL"));

type Acked = Map<string, number>;

/** Sends one message after another, each retried with its clientId until it is acknowledged. */
async function httpSender(name: string, token: string, chatId: number, acked: Acked) {
  for (let n = 0; n < perSender; n++) {
    const clientId = `${name}-${n}`;
    while (true) {
      try {
        const reply = await postJson(server?.url as string, `/api/chat/${chatId}`, token, {
          content: clientId,
          clientId,
        });
        if (reply.status === 201 || reply.status === 200) {
          acked.set(clientId, reply.body.id);
          break;
        }
      } catch {}
      await Bun.sleep(20);
    }
  }
}

/** Keeps up to 5 sends in flight on a socket; after a drop, resends every unacknowledged one. */
async function socketSender(name: string, token: string, chatId: number, acked: Acked) {
  const all = Array.from({ length: perSender }, (_, n) => `${name}-${n}`);
  let next = 0;
  while (acked.size < all.length || all.some((id) => !acked.has(id))) {
    await new Promise<void>((resolve) => {
      const socket = new WebSocket(`${server?.url.replace("http", "ws")}/api/ws?token=${token}`);
      const inFlight = new Set<string>();
      const fill = () => {
        for (const clientId of all) {
          if (inFlight.size >= 5) break;
          if (acked.has(clientId) || inFlight.has(clientId)) continue;
          if (all.indexOf(clientId) >= next + 5) break;
          inFlight.add(clientId);
          socket.send(JSON.stringify({ type: "send", chatId, content: clientId, clientId }));
        }
      };
      socket.onmessage = (event) => {
        const frame = JSON.parse(String(event.data));
        if (frame.type === "ready") fill();
        if (frame.type === "ack") {
          acked.set(frame.clientId, frame.data.id);
          inFlight.delete(frame.clientId);
          while (next < all.length && acked.has(all[next] as string)) next++;
          if (next >= all.length) socket.close();
          else fill();
        }
      };
      socket.onclose = () => resolve();
      socket.onerror = () => {};
    });
    if (all.every((id) => acked.has(id))) return;
    await Bun.sleep(20);
  }
}

/**
 * Edits and reacts to each message of one HTTP sender once it is acknowledged, each change
 * retried until it is: both are idempotent (the same content, the same reaction).
 */
async function changer(name: string, token: string, chatId: number, acked: Acked) {
  const changed = new Set<number>();
  for (let n = 0; n < perSender; n++) {
    let id = acked.get(`${name}-${n}`);
    while (id === undefined) {
      await Bun.sleep(10);
      id = acked.get(`${name}-${n}`);
    }
    const on = `/api/chat/${chatId}/messages/${id}`;
    const changes: [string, string, unknown][] = [
      ["PATCH", on, { content: `${name}-${n} edited` }],
      ["PUT", `${on}/reactions/%2B1`, undefined],
    ];
    for (const [method, path, body] of changes) {
      while (true) {
        try {
          const reply = await fetch(`${server?.url}${path}`, {
            method,
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          await reply.body?.cancel();
          if (reply.status === 200) break;
        } catch {}
        await Bun.sleep(20);
      }
    }
    changed.add(id);
  }
  return changed;
}

/**
 * Marks the chat read up to the newest acknowledged message as one sender's go by, each read
 * retried until 200.
 */
async function reader(name: string, token: string, chatId: number, acked: Acked) {
  let highest = 0;
  for (let n = 0; n < perSender; n += 5) {
    while (!acked.has(`${name}-${n}`)) await Bun.sleep(10);
    const id = Math.max(...acked.values());
    while (true) {
      try {
        const reply = await fetch(`${server?.url}/api/chat/${chatId}/read`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ messageId: id }),
        });
        await reply.body?.cancel();
        if (reply.status === 200) break;
      } catch {}
      await Bun.sleep(20);
    }
    highest = Math.max(highest, id);
  }
  return highest;
}

/** A PATCH retried until it is answered 200: each value is new, so each answer is one change. */
async function patchUntilDone(token: string, path: string, body: unknown) {
  while (true) {
    try {
      const response = await fetch(`${server?.url}${path}`, {
        method: "PATCH",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      if (response.status === 200) return;
    } catch {}
    await Bun.sleep(20);
  }
}

/** Changes alice's title, and every fifth time the workspace's retention, each a new value. */
async function profileChanger(token: string, titles: string[], retentions: number[]) {
  for (let n = 0; n < perSender / 4; n++) {
    await patchUntilDone(token, "/api/me", { title: `title-${n}` });
    titles.push(`title-${n}`);
    if (n % 5 === 0) {
      await patchUntilDone(token, "/api/workspace", { settings: { retentionDays: n + 1 } });
      retentions.push(n + 1);
    }
  }
}

/** Receives every event, resuming with the last id it saw after every drop. */
function listener(token: string) {
  const seen: {
    id: number;
    messageId?: number;
    title?: string;
    retention?: number;
    read?: number;
  }[] = [];
  /** Each message as its last message.updated carried it. */
  const updated = new Map<number, { content: string; reactions: unknown }>();
  const resets: number[] = [];
  let stopped = false;
  let socket: WebSocket | undefined;
  const loop = (async () => {
    while (!stopped) {
      await new Promise<void>((resolve) => {
        // From the very first event, then from the last one seen: nothing may be skipped.
        const since = seen.at(-1)?.id ?? 0;
        socket = new WebSocket(
          `${server?.url.replace("http", "ws")}/api/ws?token=${token}&since=${since}`,
        );
        socket.onmessage = (event) => {
          const frame = JSON.parse(String(event.data));
          // A reset would mean events were lost; recorded, since a throw here would be swallowed.
          if (frame.type === "reset") resets.push(since);
          if (frame.type === "message.updated") updated.set(frame.data.id, frame.data);
          if (typeof frame.id === "number")
            seen.push({
              id: frame.id,
              messageId: frame.type === "message.created" ? frame.data.id : undefined,
              title: frame.type === "user.updated" ? frame.data.title : undefined,
              retention:
                frame.type === "workspace.updated" ? frame.data.settings.retentionDays : undefined,
              read: frame.type === "chat.read" ? frame.data.lastReadMessageId : undefined,
            });
        };
        socket.onclose = () => resolve();
        socket.onerror = () => {};
      });
      if (!stopped) await Bun.sleep(20);
    }
  })();
  return {
    seen,
    updated,
    resets,
    async stop() {
      stopped = true;
      socket?.close();
      await loop;
    },
  };
}

test(`${kills} SIGKILLs during sends, edits, reactions and reads: every acknowledged change is stored once, retries make one copy, resumes see every event once`, async () => {
  server = await startServerProcess([process.execPath, main]);
  const { alice, bob } = await signupPair(server.url, "Crash");
  const chat = (
    await postJson(server?.url as string, "/api/chat", alice.token, { members: [bob.user.id] })
  ).body;

  const watch = listener(bob.token);
  const acked: Acked = new Map();
  const titles: string[] = [];
  const retentions: number[] = [];
  const senders = Promise.all([
    profileChanger(alice.token, titles, retentions),
    httpSender("http-a", alice.token, chat.id, acked),
    // Bob only reads: his own sends would move his marker ahead of his reads, and a run where
    // every read found it there already would see no chat.read to check.
    httpSender("http-b", alice.token, chat.id, acked),
    httpSender("http-c", alice.token, chat.id, acked),
    socketSender("ws-a", alice.token, chat.id, acked),
    socketSender("ws-b", alice.token, chat.id, acked),
  ]);
  const changes = changer("http-a", alice.token, chat.id, acked);
  const reads = reader("http-a", bob.token, chat.id, acked);

  let survived = 0;
  for (let i = 0; i < kills; i++) {
    await Bun.sleep(150 + Math.random() * 400);
    server.child.kill("SIGKILL");
    await server.child.exited;
    await server.restart();
    survived++;
  }
  await senders;
  const changed = await changes;
  const highestRead = await reads;
  const total = 5 * perSender;
  expect(acked.size).toBe(total);

  // The listener catches up on everything stored.
  const deadline = Date.now() + 20_000;
  const caughtUp = () =>
    watch.seen.filter((e) => e.messageId).length >= total &&
    [...changed].every(
      (id) =>
        watch.updated.get(id)?.reactions !== undefined &&
        JSON.stringify(watch.updated.get(id)?.reactions) !== "[]",
    ) &&
    watch.seen.some((e) => e.title === titles.at(-1));
  while (!caughtUp() && Date.now() < deadline) await Bun.sleep(50);
  await watch.stop();
  server.child.kill("SIGTERM");
  await server.child.exited;

  const db = new Database(join(server.dir, "store/chat.db"), { readonly: true });
  expect(db.query("pragma integrity_check").get()).toEqual({ integrity_check: "ok" });
  const rows = db
    .query<{ id: number; client_id: string; content: string; reactions: string }, [number]>(
      "select id, client_id, content, reactions from messages where chat_id = ?",
    )
    .all(chat.id);
  const marker = db
    .query<{ lastRead: number }, [number, number]>(
      `select last_read_message_id as "lastRead" from chat_members
        where chat_id = ? and user_id = ? and until_event_id is null`,
    )
    .get(chat.id, bob.user.id);
  db.close();
  // Bob's marker holds every acknowledged read, and each chat.read the listener saw moved it
  // forward (the first read moves it from nothing, so there is at least one).
  expect(marker?.lastRead).toBeGreaterThanOrEqual(highestRead);
  const readsSeen = watch.seen.flatMap((e) => (e.read ? [e.read] : []));
  expect(readsSeen.length).toBeGreaterThan(0);
  expect(readsSeen).toEqual([...new Set(readsSeen)].sort((a, b) => a - b));
  expect(readsSeen.at(-1)).toBeLessThanOrEqual(marker?.lastRead ?? 0);
  // Exactly one stored message per clientId, and it is the one that was acknowledged.
  expect(rows).toHaveLength(total);
  const stored = new Map(rows.map((row) => [row.client_id, row.id]));
  for (const [clientId, id] of acked) expect(stored.get(clientId)).toBe(id);
  // Every acknowledged edit and reaction is stored, and the listener's last message.updated of
  // each message is the message as stored.
  expect(changed.size).toBe(perSender);
  for (const row of rows.filter((r) => changed.has(r.id))) {
    expect(row.content).toBe(`${row.client_id} edited`);
    expect(JSON.parse(row.reactions)).toEqual([{ emoji: "+1", userIds: [alice.user.id] }]);
    expect(watch.updated.get(row.id)).toMatchObject({
      content: row.content,
      reactions: JSON.parse(row.reactions),
    });
  }

  // Every acknowledged change of the profile and the workspace reached the listener, once each
  // (a retry of a change that had committed changes nothing and sends nothing).
  expect(titles).toHaveLength(perSender / 4);
  const seenTitles = watch.seen.filter((e) => e.title?.startsWith("title-")).map((e) => e.title);
  expect(seenTitles).toEqual(titles);
  expect(watch.seen.filter((e) => e.retention).map((e) => e.retention)).toEqual(retentions);

  // Every event once, in order, across every drop and restart.
  expect(watch.resets).toEqual([]);
  const ids = watch.seen.map((e) => e.id);
  expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
  expect(new Set(watch.seen.map((e) => e.messageId).filter(Boolean))).toEqual(
    new Set(rows.map((r) => r.id)),
  );
  expect(survived).toBe(kills);
  console.log(
    `crash test: ${kills} SIGKILLs survived, ${total} messages and ${titles.length} profile changes checked, ${ids.length} events resumed`,
  );
}, 120_000);

test("sends acknowledged just before a SIGKILL, whose pushes were not yet queued, are pushed once each after the restart", async () => {
  const service = new PushService();
  const pushed = await startServerProcess([process.execPath, main], {
    yaml: (dir, port) =>
      `server:\n  host: 127.0.0.1\n  port: ${port}\ndatabase:\n  url: sqlite://${dir}/store/chat.db\nfiles:\n  dir: ${dir}/files\npush:\n  allowHttp: true\n`,
  });
  server = pushed;
  try {
    const { alice, bob } = await signupPair(pushed.url, "Pushed");
    const chat = (await postJson(pushed.url, "/api/chat", alice.token, { members: [bob.user.id] }))
      .body;
    const subscribed = await postJson(
      pushed.url,
      "/api/push/subscriptions",
      bob.token,
      service.subscription("/bob"),
    );
    expect(subscribed.status).toBe(201);
    // The push decisions' cursor is held still, so the process dies with them undecided: the
    // sends are stored and acknowledged, and nothing is queued for them.
    const db = new Database(join(pushed.dir, "store/chat.db"));
    db.run("pragma busy_timeout = 5000");
    db.run(`create trigger hold_push_cursor before update on settings
              when old.key = 'push.cursor' begin select raise(abort, 'held by the test'); end`);
    const sent: number[] = [];
    for (let n = 0; n < 5; n++) {
      const reply = await postJson(pushed.url, `/api/chat/${chat.id}`, alice.token, {
        content: `while held ${n}`,
      });
      expect(reply.status).toBe(201);
      sent.push(reply.body.id);
    }
    await Bun.sleep(300);
    expect(db.query("select count(*) as queued from push_queue").get()).toEqual({ queued: 0 });
    pushed.child.kill("SIGKILL");
    await pushed.child.exited;
    expect(service.deliveries).toEqual([]);
    db.run("drop trigger hold_push_cursor");
    db.close();

    await pushed.restart();
    for (const id of sent) await service.delivered((d) => d.payload.messageId === id, 10_000);
    // A send after the restart, pushed too: what came before it has been sent by then.
    const after = (
      await postJson(pushed.url, `/api/chat/${chat.id}`, alice.token, { content: "after" })
    ).body;
    await service.delivered((d) => d.payload.messageId === after.id, 10_000);
    for (const id of [...sent, after.id]) {
      expect(service.forMessage(id)).toHaveLength(1);
    }
    expect(service.forMessage(sent[0] as number)[0]?.payload).toEqual({
      type: "message",
      chatId: chat.id,
      messageId: sent[0],
      title: "Alice",
      body: "while held 0",
    });
  } finally {
    service.server.stop(true);
  }
}, 60_000);
