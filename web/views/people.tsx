// People and administration: the profile dialog (with the password and signing out), the people
// directory, and the workspace admin page (members, invites, settings, audit log).
import { useEffect, useRef, useState } from "preact/hooks";
import type { AuditEntry, InviteInfo } from "../state/api.ts";
import {
  auditSentence,
  currentStatus,
  directory,
  inviteLink,
  isAdmin,
  localTime,
  statusUntil,
} from "../state/people.ts";
import type { Session } from "../state/session.ts";
import type { State, User } from "../state/store.ts";
import { Avatar, avatarSrc } from "./avatar.tsx";
import { BotsSection, ImportSection } from "./integrations.tsx";

export type PeopleView = "profile" | "people" | "admin";

type Props = { session: Session; state: State; onClose: () => void };

const titles: Record<PeopleView, string> = {
  profile: "Your profile",
  people: "People",
  admin: "Workspace administration",
};

export function PeopleDialog(props: Props & { kind: PeopleView }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog
      class={`dialog ${props.kind === "admin" ? "admin-page" : ""}`}
      ref={dialog}
      onClose={props.onClose}
      aria-labelledby="people-dialog-title"
    >
      <h2 id="people-dialog-title">{titles[props.kind]}</h2>
      {props.kind === "profile" && <Profile {...props} />}
      {props.kind === "people" && <Directory {...props} />}
      {props.kind === "admin" && <Admin {...props} />}
      <button type="button" class="close" onClick={() => dialog.current?.close()}>
        Close
      </button>
    </dialog>
  );
}

/** Runs an action; its failure is shown where the action was asked, its success said briefly. */
function useOutcome() {
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const run = async (action: () => Promise<unknown>, said?: string) => {
    setError(undefined);
    setDone(undefined);
    try {
      await action();
      if (said) setDone(said);
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  const shown = (
    <>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {done && <p role="status">{done}</p>}
    </>
  );
  return { run, shown };
}

const timeZones: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf(
      "timeZone",
    );
  } catch {
    return [];
  }
})();

function Profile({ session, state }: Props) {
  const me = state.me;
  const status = currentStatus(me, Date.now());
  const profile = useOutcome();
  const password = useOutcome();
  const account = useOutcome();
  const field = (form: FormData, name: string) => String(form.get(name) ?? "").trim();

  return (
    <div class="profile">
      <div class="avatar-edit">
        <Avatar userId={me.id} name={me.fullname} src={avatarSrc(session, me.id)} />
        <label>
          Picture
          <input
            type="file"
            name="avatar"
            accept="image/png,image/jpeg,image/webp,image/gif"
            onChange={(event) => {
              const file = event.currentTarget.files?.[0];
              if (!file) return;
              profile.run(async () => {
                const [uploaded] = await session.api.upload([file], () => {});
                if (uploaded) await session.api.updateMe({ avatar: uploaded.url });
              }, "Picture saved");
            }}
          />
        </label>
        {me.avatarUrl && (
          <button
            type="button"
            onClick={() =>
              profile.run(() => session.api.updateMe({ avatar: null }), "Picture removed")
            }
          >
            Remove picture
          </button>
        )}
      </div>
      <form
        aria-label="Profile"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          const text = field(form, "statusText");
          const emoji = field(form, "statusEmoji");
          const until = field(form, "statusUntil") as "never" | "1h" | "4h" | "today";
          profile.run(
            () =>
              session.api.updateMe({
                fullname: field(form, "fullname"),
                title: field(form, "title"),
                timezone: field(form, "timezone") || null,
                status:
                  text || emoji ? { text, emoji, until: statusUntil(until, new Date()) } : null,
              }),
            "Profile saved",
          );
        }}
      >
        <label>
          Full name
          <input name="fullname" required maxLength={64} defaultValue={me.fullname} />
        </label>
        <label>
          Title
          <input name="title" maxLength={100} defaultValue={me.title} />
        </label>
        <label>
          Time zone
          <input
            name="timezone"
            list="time-zones"
            defaultValue={me.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone}
          />
          <datalist id="time-zones">
            {timeZones.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
        </label>
        <fieldset>
          <legend>Status</legend>
          <label>
            Emoji
            <input
              name="statusEmoji"
              maxLength={64}
              placeholder="palm_tree"
              defaultValue={status?.emoji}
            />
          </label>
          <label>
            Text
            <input
              name="statusText"
              maxLength={100}
              placeholder="On holiday"
              defaultValue={status?.text}
            />
          </label>
          <label>
            Clear after
            <select name="statusUntil" defaultValue="never">
              <option value="never">Don't clear</option>
              <option value="1h">1 hour</option>
              <option value="4h">4 hours</option>
              <option value="today">Today</option>
            </select>
          </label>
        </fieldset>
        {profile.shown}
        <button type="submit">Save profile</button>
      </form>
      <form
        aria-label="Change password"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          password.run(async () => {
            const { token } = await session.api.changePassword(
              String(form.get("currentPassword")),
              String(form.get("newPassword")),
            );
            // Every older token has ended, this tab's included: go on with the new one.
            localStorage.setItem("chat.token", token);
            location.reload();
          });
        }}
      >
        <h3>Password</h3>
        <label>
          Current password
          <input name="currentPassword" type="password" autocomplete="current-password" required />
        </label>
        <label>
          New password
          <input
            name="newPassword"
            type="password"
            autocomplete="new-password"
            required
            minLength={8}
          />
        </label>
        {password.shown}
        <button type="submit">Change password</button>
      </form>
      <section aria-label="Signing out">
        {account.shown}
        <button
          type="button"
          onClick={() =>
            account.run(async () => {
              await session.api.signOut();
              session.signOutNow();
            })
          }
        >
          Sign out
        </button>
        <button
          type="button"
          class="danger"
          onClick={() =>
            account.run(async () => {
              await session.api.signOutEverywhere();
              session.signOutNow();
            })
          }
        >
          Sign out everywhere
        </button>
      </section>
    </div>
  );
}

function PersonLine({ session, user }: { session: Session; user: User }) {
  const status = currentStatus(user, Date.now());
  const time = localTime(user, new Date());
  return (
    <>
      <Avatar userId={user.id} name={user.fullname} src={avatarSrc(session, user.id)} />
      <span class="who">
        {user.fullname}
        {user.role !== "member" && ` (${user.role})`}
        {user.deactivated && " · deactivated"}
        {(user.title || status) && (
          <small>
            {user.title}
            {user.title && status && " · "}
            {status && `:${status.emoji}: ${status.text}`}
          </small>
        )}
        {time && <small>{time} local time</small>}
      </span>
    </>
  );
}

function Directory({ session, state, onClose }: Props) {
  const [search, setSearch] = useState("");
  const people = directory(state, search);
  return (
    <div>
      <label>
        Search people
        <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
      </label>
      <ul class="people-list" aria-label="People">
        {people.map((user) => (
          <li key={user.id}>
            <PersonLine session={session} user={user} />
            {user.id !== state.me.id && !user.deactivated && (
              <button
                type="button"
                onClick={() => {
                  session.attempt(() => session.startChat({ members: [user.id] }));
                  onClose();
                }}
              >
                Message
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Admin({ session, state }: Props) {
  const outcome = useOutcome();
  const [invites, setInvites] = useState<InviteInfo[]>([]);
  const [audit, setAudit] = useState<AuditEntry[]>([]);
  const [copied, setCopied] = useState<string>();
  const [reset, setReset] = useState<{ name: string; code: string; expiresAt: string }>();
  const load = () =>
    Promise.all([session.api.invites(), session.api.audit()]).then(([list, entries]) => {
      setInvites(list);
      setAudit(entries);
    });
  useEffect(() => {
    outcome.run(load);
  }, [session]);
  const me = state.me;
  if (!isAdmin(me)) return <p>Only the workspace's owner and admins administer it.</p>;
  const members = directory(state, "");
  const settings = state.workspace.settings;
  const link = (code: string) => inviteLink(location.origin, code);
  const change = (action: () => Promise<unknown>, said: string) =>
    outcome.run(async () => {
      await action();
      await load();
    }, said);

  return (
    <div>
      {outcome.shown}
      <section aria-labelledby="admin-members">
        <h3 id="admin-members">Members</h3>
        <ul class="people-list" aria-label="Members">
          {members.map((user) => {
            const manageable =
              user.id !== me.id &&
              user.role !== "owner" &&
              !user.bot &&
              (user.role !== "admin" || me.role === "owner");
            return (
              <li key={user.id} data-user-id={user.id}>
                <PersonLine session={session} user={user} />
                {manageable && me.role === "owner" && (
                  <select
                    aria-label={`Role of ${user.fullname}`}
                    value={user.role}
                    onChange={(event) => {
                      const role = event.currentTarget.value as "admin" | "member";
                      change(() => session.api.updateUser(user.id, { role }), "Role changed");
                    }}
                  >
                    <option value="member">Member</option>
                    <option value="admin">Admin</option>
                  </select>
                )}
                {manageable && (
                  <button
                    type="button"
                    class={user.deactivated ? "" : "danger"}
                    onClick={() =>
                      change(
                        () => session.api.updateUser(user.id, { deactivated: !user.deactivated }),
                        user.deactivated
                          ? `${user.fullname} reactivated`
                          : `${user.fullname} deactivated`,
                      )
                    }
                  >
                    {user.deactivated ? "Reactivate" : "Deactivate"} {user.fullname}
                  </button>
                )}
                {manageable && (
                  <button
                    type="button"
                    onClick={() =>
                      outcome.run(async () => {
                        const made = await session.api.resetCode(user.id);
                        setReset({ name: user.fullname, ...made });
                      })
                    }
                  >
                    Reset code for {user.fullname}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
        {reset && (
          <p role="status" class="reset-code">
            Give {reset.name} this code, valid once until{" "}
            {new Date(reset.expiresAt).toLocaleTimeString()}: <code>{reset.code}</code>. They enter
            it under "Reset password" on the sign-in screen.
          </p>
        )}
      </section>
      <section aria-labelledby="admin-invites">
        <h3 id="admin-invites">Invites</h3>
        <form
          aria-label="New invite"
          onSubmit={(event) => {
            event.preventDefault();
            const form = new FormData(event.currentTarget);
            const maxUses = Number(form.get("maxUses"));
            const expiresInDays = Number(form.get("expiresInDays"));
            change(
              () =>
                session.api.createInvite({
                  ...(maxUses > 0 && { maxUses }),
                  ...(expiresInDays > 0 && { expiresInDays }),
                }),
              "Invite made",
            );
          }}
        >
          <label>
            Uses (empty: unlimited)
            <input name="maxUses" type="number" min={1} max={1000} />
          </label>
          <label>
            Valid for days
            <input name="expiresInDays" type="number" min={1} max={30} defaultValue="7" />
          </label>
          <button type="submit">Make invite</button>
        </form>
        <ul class="people-list" aria-label="Invites">
          {invites.map((invite) => (
            <li key={invite.code}>
              <span class="who">
                <code>{link(invite.code)}</code>
                <small>
                  {invite.uses}
                  {invite.maxUses === null ? "" : ` of ${invite.maxUses}`} used · until{" "}
                  {new Date(invite.expiresAt).toLocaleDateString()}
                </small>
              </span>
              <button
                type="button"
                onClick={() =>
                  outcome.run(async () => {
                    await navigator.clipboard.writeText(link(invite.code));
                    setCopied(invite.code);
                  })
                }
              >
                {copied === invite.code ? "Copied" : "Copy link"}
              </button>
              <button
                type="button"
                class="danger"
                onClick={() => change(() => session.api.revokeInvite(invite.code), "Revoked")}
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      </section>
      <BotsSection session={session} run={outcome.run} changed={load} />
      <ImportSection session={session} changed={load} />
      <section aria-labelledby="admin-settings">
        <h3 id="admin-settings">Settings</h3>
        <form
          aria-label="Workspace settings"
          onSubmit={(event) => {
            event.preventDefault();
            const form = new FormData(event.currentTarget);
            const days = Number(form.get("retentionDays"));
            change(
              () =>
                session.api.updateWorkspace({
                  name: String(form.get("name")).trim(),
                  settings: {
                    invites: form.get("invites") as "members" | "admins",
                    channelCreation: form.get("channelCreation") as "members" | "admins",
                    retentionDays: days > 0 ? days : null,
                  },
                }),
              "Settings saved",
            );
          }}
        >
          <label>
            Workspace name
            <input name="name" required maxLength={64} defaultValue={state.workspace.name} />
          </label>
          <label>
            Who may invite
            <select name="invites" defaultValue={settings.invites}>
              <option value="members">Everyone</option>
              <option value="admins">Owner and admins</option>
            </select>
          </label>
          <label>
            Who may create channels
            <select name="channelCreation" defaultValue={settings.channelCreation}>
              <option value="members">Everyone</option>
              <option value="admins">Owner and admins</option>
            </select>
          </label>
          <label>
            Keep messages for days (empty: forever)
            <input
              name="retentionDays"
              type="number"
              min={1}
              max={36500}
              defaultValue={settings.retentionDays === null ? "" : String(settings.retentionDays)}
            />
          </label>
          <button type="submit">Save settings</button>
        </form>
      </section>
      <section aria-labelledby="admin-audit">
        <h3 id="admin-audit">Audit log</h3>
        <ol class="people-list" aria-label="Audit log">
          {audit.map((entry) => (
            <li key={entry.id}>
              <time dateTime={entry.at}>{new Date(entry.at).toLocaleString()}</time>{" "}
              {auditSentence(entry, state.users)}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
