// Integrations in the web app: the admin page's bots, and a chat's incoming webhooks in its
// settings. Tokens and webhook URLs are shown once, when they are made: the server keeps hashes.
import { useEffect, useState } from "preact/hooks";
import type { ImportJob, NewBot, NewWebhook, Webhook } from "../state/api.ts";
import { isAdmin } from "../state/people.ts";
import type { Session } from "../state/session.ts";
import type { State, User } from "../state/store.ts";

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

/** A chat's incoming webhooks: any member makes one; its maker, the owner and admins revoke it. */
export function WebhooksSection({
  session,
  state,
  chatId,
}: {
  session: Session;
  state: State;
  chatId: number;
}) {
  const [hooks, setHooks] = useState<Webhook[]>([]);
  const [made, setMade] = useState<NewWebhook>();
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string>();
  const run = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  const load = () => session.api.webhooks(chatId).then(setHooks);
  useEffect(() => {
    run(load);
  }, [session, chatId]);
  const mayRevoke = (hook: Webhook) => hook.createdBy === state.me.id || isAdmin(state.me);
  return (
    <section aria-labelledby="chat-webhooks">
      <h3 id="chat-webhooks">Incoming webhooks</h3>
      <form
        aria-label="New webhook"
        onSubmit={(event) => {
          event.preventDefault();
          event.stopPropagation();
          const form = event.currentTarget;
          const name = String(new FormData(form).get("webhookName")).trim();
          run(async () => {
            setMade(await session.api.createWebhook(chatId, name));
            setCopied(false);
            form.reset();
            await load();
          });
        }}
      >
        <label>
          Webhook name
          <input name="webhookName" required maxLength={64} />
        </label>
        <button type="submit">Make webhook</button>
      </form>
      {made && (
        <p role="status" aria-label="New webhook's URL">
          Post Slack's incoming-webhook JSON to <code>{made.url}</code>, shown this once.{" "}
          <button
            type="button"
            onClick={() =>
              run(async () => {
                await navigator.clipboard.writeText(made.url);
                setCopied(true);
              })
            }
          >
            {copied ? "Copied" : "Copy URL"}
          </button>
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <ul class="people-list" aria-label="Webhooks">
        {hooks.map((hook) => (
          <li key={hook.id}>
            <span class="who">
              {hook.name} <span class="app-badge">APP</span>
              <small> · made by {state.users[hook.createdBy]?.fullname ?? "someone"}</small>
            </span>
            {mayRevoke(hook) && (
              <button
                type="button"
                class="danger"
                onClick={() =>
                  run(async () => {
                    await session.api.revokeWebhook(hook.id);
                    if (made?.id === hook.id) setMade(undefined);
                    await load();
                  })
                }
              >
                Revoke {hook.name}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

type Report = {
  workspace: { name: string };
  users: { created: number; merged: number; existing: number; bots: number; deactivated: number };
  chats: { created: number; existing: number; skipped: { name: string | null; reason: string }[] };
  messages: { imported: number; existing: number; skipped: Record<string, number> };
  files: { carried: number; linked: number };
};

/** The import's report in sentences: what came in, and every reason something did not. */
function ImportReport({ job }: { job: ImportJob }) {
  if (job.status === "failed") {
    const failure = job.report as { error?: string } | null;
    return (
      <p class="error" role="alert">
        The import failed: {failure?.error ?? "unknown error"}
      </p>
    );
  }
  const report = job.report as Report | null;
  if (job.status !== "done" || !report) return null;
  const skipped = Object.entries(report.messages.skipped);
  return (
    <div role="status" aria-label="Import report">
      <p>Imported into {report.workspace.name}:</p>
      <ul>
        <li>
          {report.users.created} people added, {report.users.merged} matched to existing accounts,{" "}
          {report.users.bots} bots, {report.users.deactivated} deactivated
        </li>
        <li>
          {report.chats.created} chats made, {report.chats.existing} already there
        </li>
        <li>
          {report.messages.imported} messages imported, {report.messages.existing} already there
        </li>
        <li>
          {report.files.carried} files carried in, {report.files.linked} kept as links
        </li>
        {skipped.map(([reason, count]) => (
          <li key={reason}>
            {count} skipped: {reason}
          </li>
        ))}
        {report.chats.skipped.map((chat) => (
          <li key={`${chat.name}:${chat.reason}`}>
            Chat {chat.name ?? "?"} skipped: {chat.reason}
          </li>
        ))}
      </ul>
      <p class="hint">People claim their accounts with a reset code from you (Members above).</p>
    </div>
  );
}

/** A Slack export into this workspace: the upload, then the server's progress, then its report. */
export function ImportSection({
  session,
  changed,
}: {
  session: Session;
  changed: () => Promise<unknown>;
}) {
  const [uploaded, setUploaded] = useState<number>();
  const [job, setJob] = useState<ImportJob>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (job?.status !== "running") return;
    const timer = setTimeout(async () => {
      try {
        const next = await session.api.importJob(job.id);
        setJob(next);
        if (next.status !== "running") await changed();
      } catch (failure) {
        setError(failure instanceof Error ? failure.message : String(failure));
      }
    }, 500);
    return () => clearTimeout(timer);
  }, [job]);
  const progress = job?.progress;
  return (
    <section aria-labelledby="admin-import">
      <h3 id="admin-import">Import from Slack</h3>
      <p class="hint">
        A Slack workspace export (Settings &amp; administration → Import/Export Data → Export).
        Importing the same export again adds nothing. Large exports import faster with{" "}
        <code>chat import-slack</code> on the server.
      </p>
      <form
        aria-label="Slack import"
        onSubmit={async (event) => {
          event.preventDefault();
          const file =
            (new FormData(event.currentTarget).get("export") as File | null) ?? undefined;
          if (!file || file.size === 0) return;
          setError(undefined);
          setJob(undefined);
          try {
            setUploaded(0);
            setJob(await session.api.startImport(file, setUploaded));
          } catch (failure) {
            setError(failure instanceof Error ? failure.message : String(failure));
          } finally {
            setUploaded(undefined);
          }
        }}
      >
        <label>
          Export zip
          <input name="export" type="file" accept=".zip,application/zip" required />
        </label>
        <button type="submit" disabled={uploaded !== undefined || job?.status === "running"}>
          Import
        </button>
      </form>
      {uploaded !== undefined && (
        <label>
          Uploading
          <progress value={uploaded} max={1} />
        </label>
      )}
      {job?.status === "running" && progress && (
        <label>
          {progress.phase === "messages"
            ? `Importing messages: ${progress.done} of ${progress.total}`
            : `Import: ${progress.phase}`}
          <progress
            aria-label="Import progress"
            value={progress.total ? progress.done : undefined}
            max={progress.total || 1}
          />
        </label>
      )}
      {job && <ImportReport job={job} />}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
