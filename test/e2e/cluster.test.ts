// Three real server processes on one PostgreSQL database and one Redis, as behind a load
// balancer: what one instance commits reaches sockets on the others, in order, once; a client
// resumes on any instance; retries racing on two instances store one message; presence, typing,
// files and deactivation work across instances. A Redis of the test's own is restarted under two instances.
import { afterAll, describe, expect, test } from "bun:test";
import { createECDH, randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ece from "http_ece";
import { type LiveFrame, type LiveWebSocket, openWebSocket } from "../support/live.ts";
import { createDatabase } from "../support/postgres.ts";
import {
  freePort,
  postJson,
  type ServerProcess,
  type SignedUp,
  signupAt,
  startServerProcess,
} from "../support/process.ts";
import { type AppClient, type Bot, openApp, textOf } from "../support/slack.ts";

const main = join(import.meta.dir, "../../src/main.ts");
const database = await createDatabase();
const sharedFiles = mkdtempSync(join(tmpdir(), "chat-cluster-files-"));
const started: ServerProcess[] = [];
const sockets: LiveWebSocket[] = [];
const redisServers: Bun.Subprocess[] = [];
afterAll(async () => {
  for (const socket of sockets) socket.socket.close();
  for (const server of started) server.child.kill("SIGKILL");
  for (const redis of redisServers) redis.kill("SIGKILL");
  await Promise.all(started.map((server) => server.child.exited));
  await database.drop();
});

function startInstance(pubsubUrl: string) {
  return startServerProcess([process.execPath, main], {
    yaml: (dir, port) =>
      [
        "server:\n  host: 127.0.0.1",
        `  port: ${port}`,
        `database:\n  url: ${database.url}`,
        `pubsub:\n  url: ${pubsubUrl}`,
        `files:\n  dir: ${sharedFiles}`,
        `auth:\n  secret: cluster-test-secret-long-enough-for-hs256`,
        "limits:\n  signin: 0\n  signup: 0\n  messages: 0\n  uploads: 0\n  connects: 0",
        "push:\n  allowHttp: true",
        `# ${dir}`,
      ].join("\n"),
  }).then((server) => {
    started.push(server);
    return server;
  });
}

const [instanceA, instanceB, instanceC] = (await Promise.all(
  [1, 2, 3].map(() => startInstance("redis://127.0.0.1:6379")),
)) as [ServerProcess, ServerProcess, ServerProcess];

type Person = SignedUp;

// Each person signs up through a different instance: accounts are shared too.
const alice = await signupAt(instanceA.url, "Alice", "Acme");
const code = (await postJson(instanceB.url, "/api/invites", alice.token, {})).body.code;
const bob = await signupAt(instanceB.url, "Bob", "Acme", code);
const carol = await signupAt(instanceC.url, "Carol", "Acme", code);
const mallory = await signupAt(instanceC.url, "Mallory", "Globex");
const channel = (
  await postJson(instanceA.url, "/api/chat", alice.token, {
    type: "private_channel",
    name: "cluster",
    members: [bob.user.id, carol.user.id],
  })
).body;

async function connect(on: ServerProcess, person: Person, since?: number) {
  const socket = await openWebSocket(on.url, person.token, since);
  sockets.push(socket);
  const ready = await socket.take();
  expect(ready.type).toBe("ready");
  return socket;
}

const messageIds = (frames: LiveFrame[]) =>
  frames.filter((frame) => frame.type === "message.created").map((frame) => frame.id as number);

describe("delivery across instances", () => {
  test("a message sent through A reaches members on B and C, and not the outsider", async () => {
    const bobOnB = await connect(instanceB, bob);
    const carolOnC = await connect(instanceC, carol);
    const malloryOnC = await connect(instanceC, mallory);
    const aliceOnA = await connect(instanceA, alice);
    aliceOnA.send({ type: "send", chatId: channel.id, content: "hello, cluster", clientId: "x1" });
    const ack = await aliceOnA.takeUntil((frame) => frame.type === "ack");
    const id = ack.at(-1)?.data.id;
    for (const socket of [bobOnB, carolOnC]) {
      const [event] = await socket.takeUntil((frame) => frame.type === "message.created");
      expect(event?.data).toMatchObject({ id, content: "hello, cluster" });
    }
    // What A committed is on C by now; C would have delivered it to mallory before this pong.
    await carolOnC.barrier();
    expect(await malloryOnC.barrier()).toEqual([]);
    for (const socket of [bobOnB, carolOnC, malloryOnC, aliceOnA]) await socket.close();
  });

  test("senders on three instances at once: every member sees the same events, in id order, once", async () => {
    const watchers = await Promise.all([
      connect(instanceA, bob),
      connect(instanceB, carol),
      connect(instanceC, alice),
    ]);
    const senders = [
      [instanceA, alice],
      [instanceB, bob],
      [instanceC, carol],
    ] as const;
    const perSender = 40;
    await Promise.all(
      senders.map(async ([on, person], n) => {
        for (let i = 0; i < perSender; i++) {
          const reply = await postJson(on.url, `/api/chat/${channel.id}`, person.token, {
            content: `${n}:${i}`,
          });
          expect(reply.status).toBe(201);
        }
      }),
    );
    const seen = await Promise.all(
      watchers.map(async (socket) => {
        const frames: LiveFrame[] = [];
        while (messageIds(frames).length < senders.length * perSender) {
          frames.push(await socket.take());
        }
        return messageIds(frames);
      }),
    );
    const first = seen[0] as number[];
    expect(first).toEqual([...first].sort((x, y) => x - y));
    expect(new Set(first).size).toBe(first.length);
    for (const ids of seen) expect(ids).toEqual(first);
    for (const socket of watchers) expect(await socket.barrier()).toEqual([]);
    for (const socket of watchers) await socket.close();
  });

  test("replies, edits, reactions and pins made on three instances at once reach every member in id order, once, ending on the stored state", async () => {
    const roots: number[] = [];
    for (let i = 0; i < 10; i++) {
      const reply = await postJson(instanceA.url, `/api/chat/${channel.id}`, alice.token, {
        content: `root ${i}`,
      });
      roots.push(reply.body.id);
    }
    const watchers = await Promise.all([
      connect(instanceA, bob),
      connect(instanceB, carol),
      connect(instanceC, alice),
    ]);
    const call = async (
      on: ServerProcess,
      person: Person,
      method: string,
      path: string,
      body?: unknown,
    ) => {
      const reply = await fetch(`${on.url}/api/chat/${channel.id}${path}`, {
        method,
        headers: { authorization: `Bearer ${person.token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect(reply.status).toBeLessThan(300);
      await reply.body?.cancel();
    };
    await Promise.all([
      (async () => {
        for (const id of roots)
          await call(instanceA, alice, "PATCH", `/messages/${id}`, { content: `edited ${id}` });
      })(),
      (async () => {
        for (const id of roots) {
          await call(instanceB, bob, "PUT", `/messages/${id}/reactions/tada`);
          await call(instanceB, bob, "POST", "", { content: "bob's reply", threadId: id });
        }
      })(),
      (async () => {
        for (const id of roots) {
          await call(instanceC, carol, "POST", "", { content: "carol's reply", threadId: id });
          await call(instanceC, carol, "PUT", `/pins/${id}`);
        }
      })(),
    ]);
    // Per root: an edit, a reaction, a pin, and two replies with their roots' updates.
    const expected = roots.length * 7;
    const seen = await Promise.all(
      watchers.map(async (socket) => {
        const frames: LiveFrame[] = [];
        while (frames.filter((f) => typeof f.id === "number").length < expected) {
          frames.push(await socket.take());
        }
        return frames.filter((f) => typeof f.id === "number");
      }),
    );
    const ids = (seen[0] as LiveFrame[]).map((f) => f.id as number);
    expect(ids).toEqual([...new Set(ids)].sort((x, y) => x - y));
    for (const frames of seen) expect(frames).toEqual(seen[0] as LiveFrame[]);
    const last = new Map<number, unknown>();
    for (const frame of seen[0] as LiveFrame[]) {
      if (frame.type === "message.updated") last.set(frame.data.id, frame.data);
    }
    for (const id of roots) {
      const stored = await fetch(`${instanceB.url}/api/chat/${channel.id}/messages/${id}`, {
        headers: { authorization: `Bearer ${bob.token}` },
      });
      const message = await stored.json();
      expect(message).toMatchObject({ content: `edited ${id}`, replyCount: 2, pinned: true });
      expect(last.get(id)).toEqual(message);
    }
    for (const socket of watchers) expect(await socket.barrier()).toEqual([]);
    for (const socket of watchers) await socket.close();
  });

  test("resuming on another instance replays exactly what was missed, then goes live", async () => {
    const bobOnA = await connect(instanceA, bob);
    bobOnA.send({ type: "send", chatId: channel.id, content: "before leaving", clientId: "r0" });
    const [seenLast] = await bobOnA.takeUntil((frame) => frame.type === "message.created");
    expect(seenLast?.data.content).toBe("before leaving");
    await bobOnA.close();

    const missed: number[] = [];
    for (const [on, person] of [
      [instanceB, alice],
      [instanceC, carol],
      [instanceA, alice],
    ] as const) {
      const reply = await postJson(on.url, `/api/chat/${channel.id}`, person.token, {
        content: `while away on ${on.port}`,
      });
      missed.push(reply.body.id);
    }
    const bobOnC = await connect(instanceC, bob, seenLast?.id);
    const replayed = await bobOnC.takeUntil((frame) => frame.data?.id === missed.at(-1));
    expect(replayed.map((frame) => frame.data.id)).toEqual(missed);
    expect(messageIds(replayed)).toEqual(
      [...messageIds(replayed)].sort((x, y) => x - y).filter((id) => id > (seenLast?.id ?? 0)),
    );

    const live = await postJson(instanceB.url, `/api/chat/${channel.id}`, carol.token, {
      content: "and live again",
    });
    const [next] = await bobOnC.takeUntil((frame) => frame.type === "message.created");
    expect(next?.data.id).toBe(live.body.id);
    expect(await bobOnC.barrier()).toEqual([]);
    await bobOnC.close();
  });

  test("the same clientId sent to two instances at once is stored once", async () => {
    const carolOnC = await connect(instanceC, carol);
    for (let round = 0; round < 10; round++) {
      const body = { content: `retry ${round}`, clientId: `dup-${round}` };
      const replies = await Promise.all(
        [instanceA, instanceB, instanceA, instanceB].map((on) =>
          postJson(on.url, `/api/chat/${channel.id}`, alice.token, body),
        ),
      );
      expect(new Set(replies.map((reply) => reply.body.id)).size).toBe(1);
      expect(replies.map((reply) => reply.status).sort()).toEqual([200, 200, 200, 201]);
    }
    const frames = await carolOnC.takeUntil((frame) => frame.data?.clientId === "dup-9");
    expect(frames.map((frame) => frame.data.clientId)).toEqual(
      Array.from({ length: 10 }, (_, round) => `dup-${round}`),
    );
    expect(await carolOnC.barrier()).toEqual([]);
    await carolOnC.close();
  });
});

describe("presence, typing and files across instances", () => {
  test("presence and typing reach other instances; /api/presence counts every instance", async () => {
    const bobOnB = await connect(instanceB, bob);
    const aliceOnA = await connect(instanceA, alice);
    const [online] = await bobOnB.takeUntil(
      (frame) => frame.type === "presence" && frame.data.userId === alice.user.id,
      { presence: true },
    );
    expect(online?.data.status).toBe("online");
    const presence = await fetch(`${instanceC.url}/api/presence`, {
      headers: { authorization: `Bearer ${carol.token}` },
    }).then((response) => response.json() as Promise<any>);
    expect(presence.online).toEqual([alice.user.id, bob.user.id].sort((x, y) => x - y));

    aliceOnA.send({ type: "typing", chatId: channel.id });
    const [typing] = await bobOnB.takeUntil((frame) => frame.type === "typing");
    expect(typing?.data).toEqual({ chatId: channel.id, userId: alice.user.id });
    // Never back to the typist, on any instance.
    expect(await aliceOnA.barrier()).toEqual([]);

    await aliceOnA.close();
    const offline = await bobOnB.takeUntil(
      (frame) => frame.type === "presence" && frame.data.userId === alice.user.id,
      { presence: true },
    );
    expect(offline.at(-1)?.data.status).toBe("offline");
    await bobOnB.close();
  });

  test("a file uploaded and sent through one instance downloads through another", async () => {
    const form = new FormData();
    form.append("files", new File(["shared bytes"], "note.txt", { type: "text/plain" }));
    const upload = await fetch(`${instanceA.url}/api/upload`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.token}` },
      body: form,
    }).then((response) => response.json() as Promise<any>);
    const url = upload[0]?.url;
    expect(typeof url).toBe("string");
    // A file is private until a message carries it where bob can read it.
    const hidden = await fetch(`${instanceB.url}${url}`, {
      headers: { authorization: `Bearer ${bob.token}` },
    });
    expect(hidden.status).toBe(404);
    const sent = await postJson(instanceA.url, `/api/chat/${channel.id}`, alice.token, {
      content: "",
      files: [url],
    });
    expect(sent.status).toBe(201);
    const download = await fetch(`${instanceB.url}${url}`, {
      headers: { authorization: `Bearer ${bob.token}` },
    });
    expect(download.status).toBe(200);
    expect(await download.text()).toBe("shared bytes");
  });
});

describe("pushes across instances", () => {
  test("each push is sent once, by whichever instance claims it, and never to someone connected on another instance", async () => {
    // A push service that decrypts what it gets (RFC 8291) with dave's browser keys.
    const ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    const auth = randomBytes(16);
    const received: number[] = [];
    const service = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: async (request) => {
        const plain = ece.decrypt(Buffer.from(await request.arrayBuffer()), {
          version: "aes128gcm",
          privateKey: ecdh,
          authSecret: auth.toString("base64url"),
        });
        received.push(JSON.parse(plain.toString()).messageId);
        return new Response(null, { status: 201 });
      },
    });
    try {
      // Someone no earlier test left connected.
      const dave = await signupAt(instanceA.url, "Dave", "Acme", code);
      const room = (
        await postJson(instanceA.url, "/api/chat", alice.token, {
          type: "private_channel",
          name: "pushes",
          members: [dave.user.id],
        })
      ).body;
      const subscribed = await postJson(instanceB.url, "/api/push/subscriptions", dave.token, {
        endpoint: `http://127.0.0.1:${service.port}/dave`,
        keys: {
          p256dh: ecdh.getPublicKey().toString("base64url"),
          auth: auth.toString("base64url"),
        },
      });
      expect(subscribed.status).toBe(201);
      // Each instance asks whether anyone has a subscription at most every 2 s.
      await Bun.sleep(2100);
      const mention = async (on: ServerProcess, n: number) =>
        (
          await postJson(on.url, `/api/chat/${room.id}`, alice.token, {
            content: `<@${dave.user.id}> ${n}`,
          })
        ).body.id as number;
      // Dave connected on C: a mention sent through A finds him online.
      const daveOnC = await connect(instanceC, dave);
      // Presence reaches the other instances through Redis: wait until A knows.
      const onlineOn = async (instance: ServerProcess) =>
        (
          (await (
            await fetch(`${instance.url}/api/presence`, {
              headers: { authorization: `Bearer ${alice.token}` },
            })
          ).json()) as { online: number[] }
        ).online.includes(dave.user.id);
      while (!(await onlineOn(instanceA))) await Bun.sleep(20);
      const whileOnline = await mention(instanceA, 0);
      await daveOnC.takeUntil((f) => f.type === "message.created" && f.data.id === whileOnline);
      await daveOnC.close();
      // Gone from C: the others learn it through Redis.
      for (const instance of [instanceA, instanceB, instanceC]) {
        while (await onlineOn(instance)) await Bun.sleep(20);
      }
      const sent: number[] = [];
      for (let n = 1; n <= 12; n++)
        sent.push(await mention([instanceA, instanceB, instanceC][n % 3] as ServerProcess, n));
      const deadline = Date.now() + 15_000;
      while (!sent.every((id) => received.includes(id)) && Date.now() < deadline)
        await Bun.sleep(50);
      await Bun.sleep(500);
      expect(received.filter((id) => id === whileOnline)).toEqual([]);
      for (const id of sent) expect(received.filter((r) => r === id)).toEqual([id]);
    } finally {
      service.stop(true);
    }
  }, 40_000);
});

describe("deactivation across instances", () => {
  test("deactivating through A closes the user's sockets and event streams on B and C at once, and their token everywhere", async () => {
    const dan = await signupAt(instanceC.url, "Dan", "Acme", code);
    const onB = await connect(instanceB, dan);
    const onC = await connect(instanceC, dan);
    const stream = await fetch(`${instanceB.url}/api/events?token=${dan.token}`);
    expect(stream.status).toBe(200);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const watcher = await connect(instanceC, bob);
    const changed = await fetch(`${instanceA.url}/api/users/${dan.user.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", authorization: `Bearer ${alice.token}` },
      body: JSON.stringify({ deactivated: true }),
    });
    expect(changed.status).toBe(200);
    expect((await onB.closed).code).toBe(1008);
    expect((await onC.closed).code).toBe(1008);
    // The stream ends: read until done (the ready frame and comments come first).
    while (!(await reader.read()).done) {}
    for (const instance of [instanceA, instanceB, instanceC]) {
      const me = await fetch(`${instance.url}/api/me`, {
        headers: { authorization: `Bearer ${dan.token}` },
      });
      expect(me.status).toBe(401);
    }
    const seen = await watcher.takeUntil((frame) => frame.type === "user.updated");
    expect(seen.at(-1)?.data).toMatchObject({ id: dan.user.id, deactivated: true });
  });
});

describe("Slack Socket Mode across instances", () => {
  test("an app with a socket on A and one on B hears each message once; when the delivering socket closes, the other gets what was not acknowledged and what follows", async () => {
    const bot = (await postJson(instanceA.url, "/api/bots", alice.token, { name: "Relay" }))
      .body as Bot;
    const chatId = (
      await postJson(instanceB.url, "/api/chat", alice.token, {
        type: "public_channel",
        name: "socket-cluster",
        members: [bot.user.id],
      })
    ).body.id as number;
    const onA = await openApp(instanceA.url, bot.appToken);
    const onB = await openApp(instanceB.url, bot.appToken);
    const say = async (on: ServerProcess, content: string) =>
      expect((await postJson(on.url, `/api/chat/${chatId}`, alice.token, { content })).status).toBe(
        201,
      );

    // Sent through both instances; whichever holds the lease delivers every one, once.
    const texts = ["one", "two", "three", "four", "five", "six"];
    for (const [index, text] of texts.entries()) {
      await say(index % 2 === 0 ? instanceA : instanceB, text);
    }
    const heard = new Map<AppClient, string[]>([
      [onA, []],
      [onB, []],
    ]);
    const deadline = Date.now() + 10_000;
    while ([...heard.values()].flat().length < texts.length && Date.now() < deadline) {
      for (const [client, got] of heard) {
        const frame = await client.frames.take({ timeoutMs: 100 }).catch(() => undefined);
        if (!frame) continue;
        expect(frame.type).toBe("events_api");
        client.ack(frame);
        got.push(textOf(frame));
      }
    }
    const [holder, other] = (heard.get(onA)?.length ?? 0) > 0 ? [onA, onB] : [onB, onA];
    expect(heard.get(holder)).toEqual(texts);
    expect(heard.get(other)).toEqual([]);
    // Nothing comes twice, on either socket.
    await holder.nothingFor(500);
    await other.nothingFor(10);

    // The holder is sent one more, does not acknowledge it, and closes: its instance saves the
    // cursor and releases the lease, and the other instance takes over from that cursor.
    await say(instanceA, "not acknowledged");
    const pending = await holder.next();
    expect(textOf(pending)).toBe("not acknowledged");
    await holder.close();
    await say(instanceB, "after one");
    await say(instanceA, "after two");
    const again = await other.received(15_000);
    expect(again.envelope_id).toBe(pending.envelope_id);
    expect(textOf(again)).toBe("not acknowledged");
    expect(textOf(await other.received())).toBe("after one");
    expect(textOf(await other.received())).toBe("after two");
    await say(instanceB, "live");
    expect(textOf(await other.received())).toBe("live");
    await other.nothingFor(500);
    await other.close();
  }, 60_000);

  test("revoking the app closes its sockets on both instances, the delivering one and the one standing by, with disconnect", async () => {
    const bot = (await postJson(instanceA.url, "/api/bots", alice.token, { name: "Doomed" }))
      .body as Bot;
    const clients = [
      await openApp(instanceA.url, bot.appToken),
      await openApp(instanceB.url, bot.appToken),
    ];
    const revoked = await fetch(`${instanceB.url}/api/bots/${bot.user.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(revoked.status).toBe(204);
    for (const client of clients) {
      expect(await client.next()).toMatchObject({ type: "disconnect", reason: "link_disabled" });
      expect((await client.closed).code).toBe(1008);
    }
  });
});

describe("when Redis restarts", () => {
  test("what was committed meanwhile still arrives, and delivery goes on live", async () => {
    const port = await freePort();
    const startRedis = () => {
      const redis = Bun.spawn(
        ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", ""],
        { stdout: "ignore", stderr: "ignore" },
      );
      redisServers.push(redis);
      return redis;
    };
    const waitForRedis = async () => {
      for (let i = 0; i < 200; i++) {
        const socket = await Bun.connect({
          hostname: "127.0.0.1",
          port,
          socket: { data() {} },
        }).catch(() => undefined);
        if (socket) return socket.end();
        await Bun.sleep(25);
      }
      throw new Error("redis did not start");
    };
    let redis = startRedis();
    await waitForRedis();
    const [instanceD, instanceE] = (await Promise.all(
      [1, 2].map(() => startInstance(`redis://127.0.0.1:${port}`)),
    )) as [ServerProcess, ServerProcess];
    const bobOnE = await connect(instanceE, bob);

    const before = await postJson(instanceD.url, `/api/chat/${channel.id}`, alice.token, {
      content: "before the restart",
    });
    const [first] = await bobOnE.takeUntil((frame) => frame.type === "message.created");
    expect(first?.data.id).toBe(before.body.id);

    redis.kill("SIGKILL");
    await redis.exited;
    // Acknowledged while Redis is down: committed, so it must reach bob all the same.
    const during = await postJson(instanceD.url, `/api/chat/${channel.id}`, alice.token, {
      content: "while Redis is down",
    });
    expect(during.status).toBe(201);

    redis = startRedis();
    await waitForRedis();
    const [missed] = await bobOnE.takeUntil((frame) => frame.type === "message.created", {
      timeoutMs: 15_000,
    });
    expect(missed?.data.id).toBe(during.body.id);

    // Live again through the restarted Redis (ioredis resubscribed by itself).
    const deadline = Date.now() + 15_000;
    let after: number | undefined;
    while (after === undefined && Date.now() < deadline) {
      const reply = await postJson(instanceD.url, `/api/chat/${channel.id}`, alice.token, {
        content: "after the restart",
      });
      const [frame] = await bobOnE.takeUntil((f) => f.type === "message.created");
      expect(frame?.data.id).toBe(reply.body.id);
      after = frame?.data.id;
    }
    expect(after).toBeGreaterThan(during.body.id);
    expect(await bobOnE.barrier()).toEqual([]);
    await bobOnE.close();
  }, 60_000);
});
