// The admin page's integrations: bots, whose tokens are shown once, when they are made.
import { useEffect, useState } from "preact/hooks";
import type { NewBot } from "../state/api.ts";
import type { Session } from "../state/session.ts";
import type { User } from "../state/store.ts";

type Run = (action: () => Promise<unknown>, said?: string) => Promise<void>;

/** `changed` tells the admin page, whose audit log shows what was done here. */
export function BotsSection(props: {
  session: Session;
  run: Run;
  changed: () => Promise<unknown>;
}) {
  const { session, run, changed } = props;
  const [bots, setBots] = useState<User[]>([]);
  const [made, setMade] = useState<NewBot>();
  const [copied, setCopied] = useState<string>();
  const load = () => session.api.bots().then(setBots);
  useEffect(() => {
    run(load);
  }, [session]);
  const copy = (label: string, text: string) =>
    run(async () => {
      await navigator.clipboard.writeText(text);
      setCopied(label);
    });
  return (
    <section aria-labelledby="admin-bots">
      <h3 id="admin-bots">Bots</h3>
      <p class="hint">
        A bot acts through its token on this API and on the Slack-compatible one: point a Slack
        app's API URL at <code>{location.origin}/api/slack/</code>. Add it to the chats it serves.
      </p>
      <form
        aria-label="New bot"
        onSubmit={(event) => {
          event.preventDefault();
          const form = event.currentTarget;
          const name = String(new FormData(form).get("name")).trim();
          run(async () => {
            setMade(await session.api.createBot(name));
            setCopied(undefined);
            form.reset();
            await Promise.all([load(), changed()]);
          }, "Bot made");
        }}
      >
        <label>
          Bot name
          <input name="name" required maxLength={64} />
        </label>
        <button type="submit">Make bot</button>
      </form>
      {made && (
        <div role="status" class="reset-code" aria-label="New bot's tokens">
          <p>{made.user.fullname}'s tokens are shown this once: copy them now.</p>
          <p>
            Bot token <code>{made.token}</code>{" "}
            <button type="button" onClick={() => copy("token", made.token)}>
              {copied === "token" ? "Copied" : "Copy bot token"}
            </button>
          </p>
          <p>
            App token (Socket Mode) <code>{made.appToken}</code>{" "}
            <button type="button" onClick={() => copy("appToken", made.appToken)}>
              {copied === "appToken" ? "Copied" : "Copy app token"}
            </button>
          </p>
        </div>
      )}
      <ul class="people-list" aria-label="Bots">
        {bots.map((bot) => (
          <li key={bot.id} data-user-id={bot.id}>
            <span class="who">
              {bot.fullname} <span class="app-badge">APP</span>
              {bot.deactivated && <small> · revoked</small>}
            </span>
            {!bot.deactivated && (
              <button
                type="button"
                class="danger"
                onClick={() =>
                  run(async () => {
                    await session.api.revokeBot(bot.id);
                    if (made?.user.id === bot.id) setMade(undefined);
                    await Promise.all([load(), changed()]);
                  }, `${bot.fullname} revoked`)
                }
              >
                Revoke {bot.fullname}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
