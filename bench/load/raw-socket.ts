// The raw-counting client: a WebSocket over a plain TCP socket that finds frame boundaries
// without decoding frames. Bun's WebSocket client makes an event and a string for every frame;
// at a million frames a second that, not the server under test, saturated the generator's core.
// Each text frame is reported by the third byte of its payload, enough to tell `{"id"…` (an
// event) from `{"type"…` (ready, ack, presence) without reading further.

export type RawSocket = {
  /** Sends a text frame (masked with a zero key: the payload goes as it is). */
  send(text: string): void;
  close(): void;
};

const encoder = new TextEncoder();

/** The HTTP request that asks `url` (ws://host:port/path?query) to become a WebSocket. */
export function upgradeRequest(url: string): string {
  const { host, pathname, search } = new URL(url);
  const key = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  return `GET ${pathname}${search} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
}

/**
 * Opens `url` (ws://host:port/path?query) and resolves at the server's first text frame (`ready`
 * on every server of the suite); `onText` then gets each later text frame's third payload byte.
 */
export function openRawSocket(url: string, onText: (marker: number) => void): Promise<RawSocket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let handshake = "";
    let open = false;
    // Made once the handshake is answered, given to the caller at the first text frame.
    let opened: RawSocket | undefined;
    let ready = false;
    const text = (marker: number) => {
      if (ready) return onText(marker);
      ready = true;
      resolve(opened as RawSocket);
    };
    // Frame parsing state, carried across chunks.
    let carry: Uint8Array | undefined;
    let skip = 0;
    let markerIn = -1;
    // What the kernel did not take yet, written on drain, in order.
    const unsent: Uint8Array[] = [];

    const frames = (chunk: Uint8Array) => {
      let bytes = chunk;
      if (carry) {
        bytes = new Uint8Array(carry.length + chunk.length);
        bytes.set(carry);
        bytes.set(chunk, carry.length);
        carry = undefined;
      }
      let at = 0;
      while (at < bytes.length) {
        if (skip > 0) {
          const here = Math.min(skip, bytes.length - at);
          if (markerIn >= 0) {
            if (markerIn < here) {
              text(bytes[at + markerIn] as number);
              markerIn = -1;
            } else markerIn -= here;
          }
          skip -= here;
          at += here;
          continue;
        }
        const left = bytes.length - at;
        const short = (bytes[at + 1] ?? 0) & 0x7f;
        const headerLength = short === 126 ? 4 : short === 127 ? 10 : 2;
        if (left < headerLength) {
          carry = bytes.slice(at);
          return;
        }
        let length = short;
        if (short === 126) length = ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number);
        if (short === 127) {
          length = Number(new DataView(bytes.buffer, bytes.byteOffset + at + 2, 8).getBigUint64(0));
        }
        const opcode = (bytes[at] as number) & 0x0f;
        at += headerLength;
        skip = length;
        if (opcode === 1) {
          if (length > 2) markerIn = 2;
          else text(0);
        }
      }
    };

    Bun.connect({
      hostname,
      port: Number(port),
      socket: {
        open(socket) {
          socket.write(upgradeRequest(url));
        },
        data(socket, chunk) {
          if (open) return frames(chunk);
          handshake += Buffer.from(chunk).toString("latin1");
          const end = handshake.indexOf("\r\n\r\n");
          if (end < 0) return;
          if (!handshake.startsWith("HTTP/1.1 101")) {
            socket.end();
            return reject(new Error(`no upgrade: ${handshake.split("\r\n")[0]}`));
          }
          open = true;
          const rest = Buffer.from(handshake.slice(end + 4), "latin1");
          opened = {
            send(text) {
              const payload = encoder.encode(text);
              const header = payload.length < 126 ? 6 : 8;
              const frame = new Uint8Array(header + payload.length);
              frame[0] = 0x81;
              if (payload.length < 126) frame[1] = 0x80 | payload.length;
              else {
                frame[1] = 0x80 | 126;
                frame[2] = payload.length >> 8;
                frame[3] = payload.length & 0xff;
              }
              frame.set(payload, header);
              if (unsent.length > 0) {
                unsent.push(frame);
                return;
              }
              const written = socket.write(frame);
              if (written < frame.length) unsent.push(frame.subarray(written));
            },
            close() {
              socket.end();
            },
          };
          if (rest.length > 0) frames(rest);
        },
        drain(socket) {
          while (unsent.length > 0) {
            const next = unsent[0] as Uint8Array;
            const written = socket.write(next);
            if (written < next.length) {
              unsent[0] = next.subarray(written);
              return;
            }
            unsent.shift();
          }
        },
        connectError(_, error) {
          reject(error);
        },
      },
    }).catch(reject);
  });
}
