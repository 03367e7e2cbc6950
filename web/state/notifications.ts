// Desktop notifications and Web Push in the browser (issue #24). The service worker (web/public/
// sw.js) shows what a push brings while no tab is open; an open but hidden tab shows its own
// through the same worker, so that a click opens the chat either way. Permission is asked only
// when the user clicks "Enable notifications", never on load.
import type { Api } from "./api.ts";

export type Notice = { chatId: number; messageId: number; title: string; body: string };

export function registerServiceWorker(): void {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js").catch(() => {});
}

/** Whether to offer the button: notifications exist here and were neither allowed nor refused. */
export function canAskForNotifications(): boolean {
  return typeof Notification !== "undefined" && Notification.permission === "default";
}

/** Asks for permission, then subscribes this browser to pushes (where it has a push service). */
export async function enableNotifications(api: Api): Promise<NotificationPermission> {
  const permission = await Notification.requestPermission();
  if (permission !== "granted" || !("serviceWorker" in navigator)) return permission;
  try {
    const registration = await navigator.serviceWorker.ready;
    const { publicKey } = await api.pushKey();
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: base64urlBytes(publicKey),
    });
    await api.subscribePush(subscription.toJSON());
  } catch {
    // No push service (a browser without one, or offline): notifications still show while a
    // tab is open.
  }
  return permission;
}

/** A notification for a message that arrived while this tab was hidden. */
export function showNotification(notice: Notice): void {
  if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
  if (document.visibilityState === "visible" && document.hasFocus()) return;
  navigator.serviceWorker?.ready
    .then((registration) =>
      registration.showNotification(notice.title, {
        body: notice.body,
        tag: `chat-${notice.chatId}`,
        data: { chatId: notice.chatId, messageId: notice.messageId },
      }),
    )
    .catch(() => {});
}

function base64urlBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
