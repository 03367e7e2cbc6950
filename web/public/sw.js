// The service worker (issue #24): the app shell works offline, pushes become notifications, and a
// click on one opens its chat. API answers are never cached: they would be stale.
const shell = "chat-shell-v1";

/** The page and the assets it names, fetched fresh and kept for when the network is gone. */
async function cacheShell() {
  const cache = await caches.open(shell);
  const page = await fetch("/", { cache: "no-cache" });
  if (!page.ok) return;
  const html = await page.clone().text();
  const assets = [...new Set(html.match(/\/assets\/[^"'\s>]+/g) ?? [])];
  await cache.put("/", page);
  await cache.addAll(assets);
}

self.addEventListener("install", (event) => {
  event.waitUntil(cacheShell().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    // The newest page when online (and kept); the kept one offline, for any of the app's URLs.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(shell).then((cache) => cache.put("/", copy));
          }
          return response;
        })
        .catch(async () => (await caches.match("/")) ?? Response.error()),
    );
    return;
  }
  if (url.pathname.startsWith("/assets/")) {
    // Named by their content: what is kept never changes.
    event.respondWith(
      caches.match(request).then(
        (kept) =>
          kept ??
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              caches.open(shell).then((cache) => cache.put(request, copy));
            }
            return response;
          }),
      ),
    );
  }
});

self.addEventListener("push", (event) => {
  let payload;
  try {
    payload = event.data?.json();
  } catch {
    return;
  }
  if (payload?.type !== "message") return;
  event.waitUntil(
    self.registration.showNotification(payload.title, {
      body: payload.body,
      tag: `chat-${payload.chatId}`,
      data: { chatId: payload.chatId, messageId: payload.messageId },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const chatId = event.notification.data?.chatId;
  const path = chatId ? `/chat/${chatId}` : "/";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => new URL(client.url).origin === location.origin);
      if (open) return open.navigate(path).then((client) => (client ?? open).focus());
      return self.clients.openWindow(path);
    }),
  );
});
