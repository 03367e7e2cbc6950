// Debian's Chromium, driven by playwright-core (no browser download): `.ci/run` installs it.
import { type Browser, chromium, type Page } from "playwright-core";

export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    // This machine reaches no other host: keep Chromium from trying (and from sandboxing as root).
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Collects every error a page throws or logs. The browser's own lines for a refused sign-in
 * (401) and for a socket cut on purpose are expected, and left out.
 */
export function watchForErrors(page: Page, errors: string[]): void {
  page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
  page.on("console", (message) => {
    const text = message.text();
    // Expected noise: sockets closing, 401s the app handles, and the requests a test that takes
    // the browser offline makes fail on purpose (a reconnect first asks for a ticket).
    if (
      message.type() !== "error" ||
      text.includes("WebSocket") ||
      text.includes("status of 401") ||
      text.includes("net::ERR_INTERNET_DISCONNECTED")
    )
      return;
    errors.push(`${page.url()}: console: ${text}`);
  });
}

/** A 16×16 PNG, for the tests that upload an image and look for its thumbnail. */
export const tinyPng = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAHklEQVR4nGP8z4APMDEwMDAxMDCwMjAwMDBgFQ0ANMEAEAF3uLIAAAAASUVORK5CYII=",
  "base64",
);

/**
 * Reads `read` until `holds` accepts what it gives, as a page settles after live updates, and
 * returns the last value read (at `timeoutMs` too): the test's `expect` then shows what the page
 * held rather than a bare timeout.
 */
export async function settled<T>(
  read: () => Promise<T>,
  holds: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const end = performance.now() + timeoutMs;
  let value = await read();
  while (!holds(value) && performance.now() < end) {
    await Bun.sleep(50);
    value = await read();
  }
  return value;
}
