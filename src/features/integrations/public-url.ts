// The absolute URLs the server hands out (a webhook's, Socket Mode's WebSocket): from
// `server.publicUrl` when it is set, else from the request as the client made it.
import type { Config } from "../../config.ts";

/**
 * `https://chat.example.com`, without a trailing slash. Behind a trusted proxy (the peer is one
 * of `server.trustedProxies`), its X-Forwarded-Proto and X-Forwarded-Host say what the client
 * reached; anyone else's are ignored, as they could point the URL elsewhere.
 */
export function publicBaseUrl(
  config: Pick<Config, "server">,
  request: Request,
  peer: string | undefined,
): string {
  if (config.server.publicUrl) return config.server.publicUrl.replace(/\/+$/, "");
  const url = new URL(request.url);
  if (peer !== undefined && config.server.trustedProxies.includes(peer)) {
    const first = (name: string) => request.headers.get(name)?.split(",")[0]?.trim() || undefined;
    const proto = first("x-forwarded-proto");
    const host = first("x-forwarded-host");
    if (proto === "http" || proto === "https") url.protocol = `${proto}:`;
    if (host && /^[a-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9a-f:.]+\](:[0-9]{1,5})?$/i.test(host)) {
      url.host = host;
    }
  }
  return url.origin;
}

/** The same address for a WebSocket: ws: for http:, wss: for https:. */
export const webSocketBaseUrl = (base: string) => base.replace(/^http/, "ws");
