import { render } from "preact";
import { registerServiceWorker } from "./state/notifications.ts";
import { App } from "./views/app.tsx";

// Added here rather than in index.html, whose links the bundler would try to resolve as files.
for (const [rel, href] of [
  ["manifest", "/manifest.webmanifest"],
  ["apple-touch-icon", "/icons/icon-192.png"],
]) {
  const link = document.createElement("link");
  link.rel = rel as string;
  link.href = href as string;
  document.head.append(link);
}

render(<App />, document.getElementById("app") as HTMLElement);
// The offline shell and notifications; permission to notify is asked for only on a click.
registerServiceWorker();
