// Dialogs: new channel, new group, channel directory, invite code, chat settings.
import { useEffect, useRef, useState } from "preact/hooks";
import { mayArchive } from "../state/people.ts";
import type { Session } from "../state/session.ts";
import { type Chat, chatTitle, type NotifyLevel, type State } from "../state/store.ts";
import { Avatar, avatarSrc } from "./avatar.tsx";
import { WebhooksSection } from "./integrations.tsx";

export type DialogKind = "new-channel" | "new-group" | "browse" | "invite" | "settings";

type Props = { kind: DialogKind; session: Session; state: State; onClose: () => void };

export function Dialogs(props: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const titles: Record<DialogKind, string> = {
    "new-channel": "New channel",
    "new-group": "New group",
    browse: "Channels",
    invite: "Invite people",
    settings: "Chat settings",
  };
  return (
    <dialog class="dialog" ref={dialog} onClose={props.onClose} aria-labelledby="dialog-title">
      <h2 id="dialog-title">{titles[props.kind]}</h2>
      {props.kind === "new-channel" && <NewChat {...props} channel />}
      {props.kind === "new-group" && <NewChat {...props} channel={false} />}
      {props.kind === "browse" && <Browse {...props} />}
      {props.kind === "invite" && <InviteCode {...props} />}
      {props.kind === "settings" && <Settings {...props} />}
      <button type="button" class="close" onClick={() => dialog.current?.close()}>
        Close
      </button>
    </dialog>
  );
}

function useAction(onDone: () => void) {
  const [error, setError] = useState<string>();
  const run = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
      onDone();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return { error, run };
}

function MemberPicker({
  state,
  selected,
  onChange,
}: {
  state: State;
  selected: number[];
  onChange: (ids: number[]) => void;
}) {
  const people = Object.values(state.users).filter((user) => user.id !== state.me.id);
  return (
    <fieldset>
      <legend>Members</legend>
      {people.map((user) => (
        <label key={user.id} class="check">
          <input
            type="checkbox"
            checked={selected.includes(user.id)}
            onChange={(event) =>
              onChange(
                event.currentTarget.checked
                  ? [...selected, user.id]
                  : selected.filter((id) => id !== user.id),
              )
            }
          />
          {user.fullname}
        </label>
      ))}
    </fieldset>
  );
}

function NewChat({ session, state, onClose, channel }: Props & { channel: boolean }) {
  const [members, setMembers] = useState<number[]>([]);
  const [visibility, setVisibility] = useState<Chat["type"]>("public_channel");
  const { error, run } = useAction(onClose);
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        const name = String(new FormData(event.currentTarget).get("name") ?? "").trim();
        run(() =>
          session.startChat(
            channel
              ? { type: visibility, name, members }
              : { type: "group", ...(name && { name }), members },
          ),
        );
      }}
    >
      <label>
        Name{channel ? "" : " (optional)"}
        <input name="name" required={channel} maxLength={64} />
      </label>
      {channel && (
        <fieldset>
          <legend>Who can join</legend>
          <label class="check">
            <input
              type="radio"
              name="visibility"
              checked={visibility === "public_channel"}
              onChange={() => setVisibility("public_channel")}
            />
            Anyone in the workspace
          </label>
          <label class="check">
            <input
              type="radio"
              name="visibility"
              checked={visibility === "private_channel"}
              onChange={() => setVisibility("private_channel")}
            />
            Invited members only
          </label>
        </fieldset>
      )}
      <MemberPicker state={state} selected={members} onChange={setMembers} />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit">Create</button>
    </form>
  );
}

function Browse({ session, state, onClose }: Props) {
  const [channels, setChannels] = useState<Chat[]>();
  const { error, run } = useAction(onClose);
  useEffect(() => {
    session.api.channels().then(setChannels);
  }, [session]);
  if (!channels) return <p>Loading…</p>;
  if (channels.length === 0) return <p>No public channels yet.</p>;
  return (
    <>
      <ul class="directory">
        {channels.map((chat) => (
          <li key={chat.id}>
            <span># {chat.name}</span> <span class="hint">{chat.members.length} members</span>
            {chat.members.includes(state.me.id) ? (
              <button type="button" onClick={() => run(() => session.openChat(chat.id))}>
                Open
              </button>
            ) : (
              <button type="button" onClick={() => run(() => session.join(chat.id))}>
                Join
              </button>
            )}
          </li>
        ))}
      </ul>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

function InviteCode({ session }: Props) {
  const [code, setCode] = useState<string>();
  const [error, setError] = useState<string>();
  return (
    <div>
      <p>
        Share this code: whoever signs up with it (and your workspace's name) joins this workspace.
        It works for 7 days.
      </p>
      {code ? (
        <output class="code" aria-label="Invite code">
          {code}
        </output>
      ) : (
        <button
          type="button"
          onClick={() =>
            session.api.invite().then(
              (invite) => setCode(invite.code),
              (failure: Error) => setError(failure.message),
            )
          }
        >
          Make an invite code
        </button>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** Asks before something that cannot be undone; Cancel and Escape change nothing. */
export function Confirm({
  title,
  text,
  action,
  onCancel,
  onConfirm,
}: {
  title: string;
  text: string;
  action: string;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog
      class="dialog confirm"
      role="alertdialog"
      ref={dialog}
      onClose={onCancel}
      aria-labelledby="confirm-title"
      aria-describedby="confirm-text"
    >
      <h2 id="confirm-title">{title}</h2>
      <p id="confirm-text">{text}</p>
      <div class="actions">
        <button type="button" autofocus onClick={() => dialog.current?.close()}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={onConfirm}>
          {action}
        </button>
      </div>
    </dialog>
  );
}

function Settings({ session, state, onClose }: Props) {
  const chat = state.openChatId === undefined ? undefined : state.chats[state.openChatId];
  const [members, setMembers] = useState<number[]>(
    chat?.members.filter((id) => id !== state.me.id) ?? [],
  );
  const [confirming, setConfirming] = useState(false);
  const { error, run } = useAction(onClose);
  if (!chat) return null;
  const archive = mayArchive(state, chat) && (
    <button type="button" onClick={() => run(() => session.api.archive(chat.id, !chat.archived))}>
      {chat.archived ? "Unarchive" : "Archive"} channel
    </button>
  );
  if (chat.ownerId !== state.me.id || chat.archived || chat.type === "single") {
    return (
      <div>
        <NotifyChoice session={session} state={state} chatId={chat.id} />
        <ul class="people-list" aria-label="Members">
          {chat.members.map((id) => (
            <li key={id}>
              <Avatar
                userId={id}
                name={state.users[id]?.fullname ?? "?"}
                src={avatarSrc(session, id)}
              />
              {state.users[id]?.fullname ?? `user ${id}`}
            </li>
          ))}
        </ul>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {archive}
        {chat.type !== "single" && !chat.archived && (
          <WebhooksSection session={session} state={state} chatId={chat.id} />
        )}
      </div>
    );
  }
  return (
    <>
      <NotifyChoice session={session} state={state} chatId={chat.id} />
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const name = String(new FormData(event.currentTarget).get("name") ?? "").trim();
          run(() => session.changeChat(chat.id, { name: name || null, members }));
        }}
      >
        <label>
          Name
          <input
            name="name"
            defaultValue={chat.name ?? ""}
            placeholder={chatTitle(state, chat)}
            maxLength={64}
          />
        </label>
        <MemberPicker state={state} selected={members} onChange={setMembers} />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit">Save</button>
        {archive}
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          Delete chat
        </button>
        {confirming && (
          <Confirm
            title={`Delete “${chatTitle(state, chat)}”?`}
            text="Its messages and files are deleted for everyone in it. This cannot be undone."
            action="Delete"
            onCancel={() => setConfirming(false)}
            onConfirm={() => {
              setConfirming(false);
              run(() => session.api.deleteChat(chat.id));
            }}
          />
        )}
      </form>
      <WebhooksSection session={session} state={state} chatId={chat.id} />
    </>
  );
}

/** My notification level in this chat, saved as it changes. */
function NotifyChoice({
  session,
  state,
  chatId,
}: {
  session: Session;
  state: State;
  chatId: number;
}) {
  return (
    <label class="notify-choice">
      Notify me about
      <select
        name="notify"
        value={state.notify[chatId] ?? "all"}
        onChange={(event) => {
          const level = (event.currentTarget as HTMLSelectElement).value as NotifyLevel;
          session.attempt(() => session.setNotify(chatId, level));
        }}
      >
        <option value="all">every message</option>
        <option value="mentions">mentions and my threads</option>
        <option value="none">nothing</option>
      </select>
    </label>
  );
}
