// A bounded soak: steady load on the real server process (sends over HTTP and the socket,
// connections opening and closing, event streams, history reads) while its memory and open file
// descriptors are sampled. Both must stay flat: no growth that outlives the load.
import { afterAll, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  postJson,
  type ServerProcess,
  signupPair,
  startServerProcess,
} from "../support/process.ts";

const seconds = Number(process.env.SOAK_SECONDS ?? 15);
const main = join(import.meta.dir, "../../src/main.ts");
let server: ServerProcess | undefined;
afterAll(() => server?.child.kill("SIGKILL"));

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;
const openFiles = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

test(
  `a ${seconds}-second soak keeps memory and open files flat`,
  async () => {
    server = await startServerProcess([process.execPath, main], {
      yaml: (dir, port) =>
        `server:\n  host: 127.0.0.1\n  port: ${port}\ndatabase:\n  url: sqlite://${dir}/chat.db\nfiles:\n  dir: ${dir}/files\nlimits:\n  signin: 0\n  signup: 0\n  messages: 0\n  uploads: 0\n  connects: 0\n`,
    });
    const pid = server.child.pid;
    const base = server.url;
    const { alice, bob } = await signupPair(base, "Soak");
    const chat = (await postJson(base, "/api/chat", alice.token, { members: [bob.user.id] })).body;
    const baselineFiles = openFiles(pid);

    const samples: { rss: number; files: number }[] = [];
    let running = true;
    let requests = 0;
    const workers = [
      // Steady sends over HTTP.
      (async () => {
        for (let i = 0; running; i++) {
          await postJson(base, `/api/chat/${chat.id}`, alice.token, {
            content: `soak ${i}`,
            clientId: `h-${i}`,
          });
          requests++;
        }
      })(),
      // History reads.
      (async () => {
        while (running) {
          await (
            await fetch(`${server?.url}/api/chat/${chat.id}/messages?limit=50`, {
              headers: { authorization: `Bearer ${bob.token}` },
            })
          ).text();
          requests++;
        }
      })(),
      // Sockets that open, send, receive and close, over and over.
      (async () => {
        for (let i = 0; running; i++) {
          await new Promise<void>((resolve) => {
            const socket = new WebSocket(
              `${server?.url.replace("http", "ws")}/api/ws?token=${bob.token}`,
            );
            socket.onmessage = (event) => {
              const frame = JSON.parse(String(event.data));
              if (frame.type === "ready")
                socket.send(
                  JSON.stringify({
                    type: "send",
                    chatId: chat.id,
                    content: `ws ${i}`,
                    clientId: `w-${i}`,
                  }),
                );
              if (frame.type === "ack") socket.close();
            };
            socket.onclose = () => resolve();
          });
          requests++;
        }
      })(),
      // Event streams that open and are dropped.
      (async () => {
        while (running) {
          const abort = new AbortController();
          const response = await fetch(`${server?.url}/api/events?token=${alice.token}`, {
            signal: abort.signal,
          });
          const reader = response.body?.getReader();
          await reader?.read();
          abort.abort();
          requests++;
        }
      })(),
    ];

    for (let s = 0; s < seconds; s++) {
      await Bun.sleep(1000);
      samples.push({ rss: rssMb(pid), files: openFiles(pid) });
    }
    running = false;
    await Promise.allSettled(workers);
    await Bun.sleep(500);
    const afterFiles = openFiles(pid);

    const third = Math.max(1, Math.floor(samples.length / 3));
    const early = median(samples.slice(0, third).map((s) => s.rss));
    const late = median(samples.slice(-third).map((s) => s.rss));
    console.log(
      `soak: ${seconds}s, ${requests} operations; RSS ${early.toFixed(1)} → ${late.toFixed(1)} MB; open files ${baselineFiles} → max ${Math.max(...samples.map((s) => s.files))} → ${afterFiles}`,
    );
    // Memory: the last third of the run is no more than a little above the first third.
    expect(late).toBeLessThan(early * 1.25 + 10);
    // Open files: back to where they were once the load stops (no leaked socket or file).
    expect(afterFiles).toBeLessThanOrEqual(baselineFiles + 3);
    expect(requests).toBeGreaterThan(seconds * 50);
    server.child.kill("SIGTERM");
    expect(await server.child.exited).toBe(0);
  },
  (seconds + 30) * 1000,
);
