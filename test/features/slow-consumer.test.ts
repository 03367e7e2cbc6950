import { expect, test } from "bun:test";
import type { Socket } from "bun";
import { startTestApp } from "../support/app.ts";
import { people } from "../support/fixtures.ts";
import { openWebSocket } from "../support/live.ts";

const app = await startTestApp({ realtime: { backpressureLimit: 64 * 1024 } });
const { alice, bob } = await people(app);

/** A WebSocket client on a raw TCP socket that completes the handshake, then stops reading. */
async function stalledClient(token: string) {
  const received: Buffer[] = [];
  let ended!: () => void;
  const done = new Promise<void>((resolve) => {
    ended = resolve;
  });
  const socket: Socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: Number(new URL(app.url).port),
    socket: {
      open(s) {
        s.write(
          `GET /api/ws?token=${token} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
        s.pause();
      },
      data(_, chunk) {
        received.push(Buffer.from(chunk));
      },
      close: () => ended(),
      end: () => ended(),
    },
  });
  return {
    /** Reads everything the server sent until it closed the connection; returns the frames. */
    async drain() {
      socket.resume();
      await done;
      return parseFrames(Buffer.concat(received));
    },
  };
}

/** Server frames after the HTTP handshake: unmasked, opcode and payload. */
function parseFrames(bytes: Buffer) {
  let at = bytes.indexOf("\r\n\r\n") + 4;
  const frames: { opcode: number; payload: Buffer }[] = [];
  while (at + 2 <= bytes.length) {
    const opcode = (bytes[at] as number) & 0x0f;
    let length = (bytes[at + 1] as number) & 0x7f;
    at += 2;
    if (length === 126) {
      length = bytes.readUInt16BE(at);
      at += 2;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(at));
      at += 8;
    }
    if (at + length > bytes.length) break;
    frames.push({ opcode, payload: bytes.subarray(at, at + length) });
    at += length;
  }
  return frames;
}

test("a stalled client is closed with 1013 while the others keep receiving everything", async () => {
  const chat = (
    await app.request("POST", "/api/chat", { token: alice.token, body: { members: [bob.user.id] } })
  ).body;
  const stalled = await stalledClient(bob.token);
  const healthy = await openWebSocket(app.url, bob.token);
  await healthy.take();
  while ((await app.connections()) < 2) await Bun.sleep(5);

  // Far more than the limit plus what the kernel buffers on loopback.
  const content = "é".repeat(8000);
  const sent: number[] = [];
  for (let batch = 0; batch < 40 && (await app.connections()) === 2; batch++) {
    const replies = await Promise.all(
      Array.from({ length: 25 }, () =>
        app.request("POST", `/api/chat/${chat.id}`, { token: alice.token, body: { content } }),
      ),
    );
    sent.push(...replies.map((reply) => reply.body.id));
  }
  const deadline = Date.now() + 10_000;
  while ((await app.connections()) > 1 && Date.now() < deadline) await Bun.sleep(20);
  expect(await app.connections()).toBe(1);
  const stalledFrames = stalled.drain();

  sent.sort((a, b) => a - b);
  const received = await healthy.takeUntil((frame) => frame.data?.id === sent.at(-1), {
    timeoutMs: 20_000,
  });
  expect(received.map((frame) => frame.data.id)).toEqual(sent);

  const frames = await stalledFrames;
  const close = frames.find((frame) => frame.opcode === 0x8);
  expect(close?.payload.readUInt16BE(0)).toBe(1013);
  await healthy.close();
});

test("a stalled client is found and closed among many that come and go, and only it", async () => {
  const chat = (
    await app.request("POST", "/api/chat", { token: alice.token, body: { members: [bob.user.id] } })
  ).body;
  const before = await Promise.all(
    Array.from({ length: 5 }, () => openWebSocket(app.url, bob.token)),
  );
  const stalled = await stalledClient(bob.token);
  const after = await Promise.all(
    Array.from({ length: 15 }, () => openWebSocket(app.url, bob.token)),
  );
  const healthy = [...before, ...after];
  while ((await app.connections()) < 21) await Bun.sleep(5);
  // Leaving from the front, the middle and the end of the hub's list moves others around in it.
  const leaving = new Set([0, 3, 7, 10, 14, 16, 19]);
  await Promise.all(healthy.filter((_, i) => leaving.has(i)).map((socket) => socket.close()));
  const staying = healthy.filter((_, i) => !leaving.has(i));
  while ((await app.connections()) > 14) await Bun.sleep(5);

  const content = "é".repeat(8000);
  for (let batch = 0; batch < 40 && (await app.connections()) === 14; batch++) {
    await Promise.all(
      Array.from({ length: 25 }, () =>
        app.request("POST", `/api/chat/${chat.id}`, { token: alice.token, body: { content } }),
      ),
    );
  }
  const deadline = Date.now() + 10_000;
  while ((await app.connections()) > 13 && Date.now() < deadline) await Bun.sleep(20);
  expect(await app.connections()).toBe(13);
  const frames = await stalled.drain();
  expect(frames.find((frame) => frame.opcode === 0x8)?.payload.readUInt16BE(0)).toBe(1013);
  // The healthy ones were read from all along: none of them was closed.
  await Bun.sleep(300);
  expect(await app.connections()).toBe(13);
  await Promise.all(staying.map((socket) => socket.close()));
});
