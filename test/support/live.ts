// Real-time clients for tests: a WebSocket and an event stream that read frames in order.
// Nothing here sleeps: a test awaits a concrete frame, with a timeout.

export type LiveFrame = { type: string; id?: number; [key: string]: any };

/** Frames in arrival order, read one at a time; `take` waits for the next one. */
export class FrameQueue {
  readonly all: LiveFrame[] = [];
  private read = 0;
  private wake: (() => void) | undefined;
  ended = false;

  push(frame: LiveFrame) {
    this.all.push(frame);
    this.wake?.();
  }

  end() {
    this.ended = true;
    this.wake?.();
  }

  /** The next frame, skipping presence (which arrives whenever anyone connects) unless asked. */
  async take(options: { timeoutMs?: number; presence?: boolean } = {}): Promise<LiveFrame> {
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    while (true) {
      while (this.read < this.all.length) {
        const frame = this.all[this.read++] as LiveFrame;
        if (frame.type !== "presence" || options.presence) return frame;
      }
      if (this.ended) throw new Error("the connection ended while a frame was awaited");
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no frame within the timeout; had ${JSON.stringify(this.all)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Frames up to and including the first that matches. */
  async takeUntil(
    match: (frame: LiveFrame) => boolean,
    options: { timeoutMs?: number; presence?: boolean } = {},
  ): Promise<LiveFrame[]> {
    const taken: LiveFrame[] = [];
    while (true) {
      const frame = await this.take(options);
      taken.push(frame);
      if (match(frame)) return taken;
    }
  }
}

export type LiveWebSocket = Awaited<ReturnType<typeof openWebSocket>>;

/** An open WebSocket whose JSON frames queue in arrival order, and when it closed and how. */
export async function connectFrames(url: string | URL) {
  const socket = new WebSocket(url);
  const frames = new FrameQueue();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.addEventListener("close", (event) => {
      frames.end();
      resolve({ code: event.code, reason: event.reason });
    });
  });
  socket.addEventListener("message", (event) => frames.push(JSON.parse(String(event.data))));
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve());
    socket.addEventListener("error", () => reject(new Error("the WebSocket did not open")));
  });
  return { socket, frames, closed };
}

export async function openWebSocket(baseUrl: string, token: string, since?: number | string) {
  const url = new URL("/api/ws", baseUrl.replace(/^http/, "ws"));
  url.searchParams.set("token", token);
  if (since !== undefined) url.searchParams.set("since", String(since));
  const { socket, frames, closed } = await connectFrames(url);
  return {
    socket,
    frames,
    closed,
    take: frames.take.bind(frames),
    takeUntil: frames.takeUntil.bind(frames),
    send(frame: unknown) {
      socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
    },
    /** Every frame (presence aside) that arrives before the answer to a ping. */
    async barrier(): Promise<LiveFrame[]> {
      socket.send(JSON.stringify({ type: "ping" }));
      const taken = await frames.takeUntil((frame) => frame.type === "pong");
      return taken.slice(0, -1);
    },
    close() {
      socket.close();
      return closed;
    },
  };
}

export type LiveStream = Awaited<ReturnType<typeof openEventStream>>;

/** An event stream; each frame also records its SSE `id:` line (`sseId`) and `event:` name. */
export async function openEventStream(
  baseUrl: string,
  token: string,
  options: { since?: number | string; lastEventId?: number | string } = {},
) {
  const url = new URL("/api/events", baseUrl);
  url.searchParams.set("token", token);
  if (options.since !== undefined) url.searchParams.set("since", String(options.since));
  const abort = new AbortController();
  const response = await fetch(url, {
    signal: abort.signal,
    headers:
      options.lastEventId === undefined ? {} : { "last-event-id": String(options.lastEventId) },
  });
  const frames = new FrameQueue();
  const raw: string[] = [];
  const comments: string[] = [];
  if (response.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let pending = "";
      try {
        for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
          pending += decoder.decode(chunk, { stream: true });
          let end = pending.indexOf("\n\n");
          while (end >= 0) {
            const block = pending.slice(0, end);
            pending = pending.slice(end + 2);
            raw.push(block);
            const fields: Record<string, string> = {};
            for (const line of block.split("\n")) {
              if (line.startsWith(":")) comments.push(line);
              else {
                const colon = line.indexOf(":");
                fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, "");
              }
            }
            if (fields.data !== undefined) {
              frames.push({ ...JSON.parse(fields.data), sseId: fields.id, sseEvent: fields.event });
            }
            end = pending.indexOf("\n\n");
          }
        }
      } catch {}
      frames.end();
    })();
  }
  return {
    response,
    frames,
    raw,
    comments,
    take: frames.take.bind(frames),
    takeUntil: frames.takeUntil.bind(frames),
    close() {
      abort.abort();
    },
  };
}
