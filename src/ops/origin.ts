// The origin (scheme and host) clients reach the server at, for URLs it hands out: the
// configured public URL, else the request's, as a trusted proxy forwarded it.

/** What is read of the server: the peer of a request, as Bun's server tells it. */
type Peers = { requestIP(request: Request): { address: string } | null } | null | undefined;

/** A host as X-Forwarded-Host may carry it: a name or an address, and a port. */
const hostPattern = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/i;

/**
 * `server.publicUrl` without its trailing slash when set; else the request's origin, with the
 * scheme and host of X-Forwarded-Proto and X-Forwarded-Host when the peer is a trusted proxy
 * (the first value of each: the one the client sent to the outermost proxy).
 */
export function requestOrigin(
  server: Peers,
  request: Request,
  config: { publicUrl: string; trustedProxies: string[] },
): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, "");
  const url = new URL(request.url);
  let scheme = url.protocol.slice(0, -1);
  let host = url.host;
  const peer = server?.requestIP(request)?.address;
  if (peer !== undefined && config.trustedProxies.includes(peer)) {
    const first = (name: string) => request.headers.get(name)?.split(",")[0]?.trim() ?? "";
    const proto = first("x-forwarded-proto").toLowerCase();
    if (proto === "http" || proto === "https") scheme = proto;
    const forwardedHost = first("x-forwarded-host");
    if (hostPattern.test(forwardedHost)) host = forwardedHost.toLowerCase();
  }
  return `${scheme}://${host}`;
}
