// Slack's side of the bridge in tests: a raw Socket Mode client that reads frames in order, and the
// server as a process on the suites' target (source or binary, SQLite or PostgreSQL) that a test
// may stop and start again on the same port and database.
import { expect } from "bun:test";
import { join } from "node:path";
import { onBinary } from "./app.ts";
import { builtBinary } from "./binary.ts";
import { connectFrames, type LiveFrame } from "./live.ts";
import { createDatabase, onPostgres } from "./postgres.ts";
import { postJson, startServerProcess } from "./process.ts";

export type Bot = { user: { id: number }; token: string; appToken: string };

export type AppClient = Awaited<ReturnType<typeof openApp>>;

/** Opens a Socket Mode connection (apps.connections.open, then its URL) and waits for hello. */
export async function openApp(base: string, appToken: string) {
  const opened = await postJson(base, "/api/slack/apps.connections.open", appToken, {});
  expect(opened.body).toMatchObject({ ok: true });
  const { socket, frames, closed } = await connectFrames(opened.body.url);
  const hello = await frames.take();
  expect(hello.type).toBe("hello");
  const ack = (envelope: LiveFrame) =>
    socket.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: {} }));
  return {
    hello,
    frames,
    closed,
    url: opened.body.url as string,
    next: (timeoutMs = 5000) => frames.take({ timeoutMs }),
    ack,
    /** The next envelope, acknowledged. */
    async received(timeoutMs = 5000) {
      const envelope = await frames.take({ timeoutMs });
      expect(envelope.type).toBe("events_api");
      ack(envelope);
      return envelope;
    },
    /** Fails if any frame arrives within `ms`. */
    async nothingFor(ms: number) {
      const frame = await frames.take({ timeoutMs: ms }).catch(() => undefined);
      expect(frame).toBeUndefined();
    },
    close() {
      socket.close();
      return closed;
    },
  };
}

export const textOf = (envelope: LiveFrame) => envelope.payload.event.text as string;

const main = join(import.meta.dir, "../../src/main.ts");

/**
 * The server as a process of its own: the source, or the binary with CHAT_TEST_TARGET=binary; on
 * a database file, or a new PostgreSQL database with CHAT_TEST_DATABASE=postgres. `yaml` adds
 * sections to its configuration; `restart()` starts it again after a stop.
 */
export async function startTargetProcess(yaml = "") {
  const postgres = onPostgres ? await createDatabase() : undefined;
  const server = await startServerProcess(onBinary ? [builtBinary()] : [process.execPath, main], {
    yaml: (dir, port) =>
      [
        `server:\n  host: 127.0.0.1\n  port: ${port}`,
        `database:\n  url: ${postgres?.url ?? `sqlite://${dir}/store/chat.db`}`,
        `files:\n  dir: ${dir}/files`,
        "limits:\n  signin: 0\n  signup: 0\n  messages: 0\n  uploads: 0\n  connects: 0",
        yaml,
      ].join("\n"),
  });
  return Object.assign(server, {
    /** A graceful stop, as an operator's SIGTERM. */
    async terminate() {
      server.child.kill("SIGTERM");
      await server.child.exited;
    },
    async dispose() {
      server.child.kill("SIGKILL");
      await server.child.exited;
      await postgres?.drop();
    },
  });
}
