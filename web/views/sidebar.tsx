// Workspace, channels, direct messages and groups (with unread badges), and people (with presence).
import { useState } from "preact/hooks";
import { canAskForNotifications, enableNotifications } from "../state/notifications.ts";
import { isAdmin } from "../state/people.ts";
import type { Session } from "../state/session.ts";
import { type Chat, chatsByActivity, chatTitle, type State } from "../state/store.ts";
import { Avatar, avatarSrc } from "./avatar.tsx";
import type { DialogKind } from "./dialogs.tsx";
import { LockIcon } from "./icons.tsx";
import type { PeopleView } from "./people.tsx";

type Props = {
  session: Session;
  state: State;
  onDialog: (kind: DialogKind) => void;
  onPeople: (view: PeopleView) => void;
  onSearch: () => void;
};

export function Sidebar({ session, state, onDialog, onPeople, onSearch }: Props) {
  const chats = chatsByActivity(state);
  const channels = chats.filter((c) => c.type === "public_channel" || c.type === "private_channel");
  const conversations = chats.filter((c) => c.type === "single" || c.type === "group");
  const people = Object.values(state.users).filter((user) => user.id !== state.me.id);
  // Offered, never asked on load: the browser's prompt comes from a click.
  const [asking, setAsking] = useState(canAskForNotifications);

  const item = (chat: Chat) => {
    const unread = state.unread[chat.id] ?? 0;
    const mentions = state.mentions[chat.id] ?? 0;
    const prefix =
      chat.type === "public_channel" ? "# " : chat.type === "private_channel" ? <LockIcon /> : "";
    return (
      <li key={chat.id}>
        <button
          type="button"
          class={`chat-link ${state.openChatId === chat.id ? "current" : ""} ${unread || mentions ? "unread" : ""}`}
          aria-current={state.openChatId === chat.id ? "page" : undefined}
          onClick={() => session.attempt(() => session.openChat(chat.id))}
        >
          <span class="title">
            {prefix}
            {chatTitle(state, chat)}
          </span>
          {mentions > 0 && (
            <span class="badge mention">
              @{mentions}
              <span class="visually-hidden"> mentions</span>
            </span>
          )}
          {unread > 0 && (
            <span class="badge">
              {unread}
              <span class="visually-hidden"> unread</span>
            </span>
          )}
        </button>
      </li>
    );
  };

  return (
    <nav class="sidebar" aria-label="Chats">
      <header>
        <h1>{state.workspace.name}</h1>
        <p class="me">
          {state.me.fullname}
          <span class={`status ${state.connection}`} title={state.connection}>
            {state.connection === "live" ? "" : ` · ${state.connection}`}
          </span>
        </p>
        <button type="button" class="search-open" onClick={onSearch} title="Search (Ctrl+K)">
          Search
        </button>
      </header>
      <div class="attention">
        {Object.values(state.unread).some(Boolean) ||
        Object.values(state.mentions).some(Boolean) ? (
          <button
            type="button"
            class="attention-action"
            onClick={() => session.attempt(() => session.markAllRead())}
          >
            Mark all as read
          </button>
        ) : null}
        {asking && (
          <button
            type="button"
            class="attention-action"
            onClick={() =>
              session.attempt(async () => {
                await enableNotifications(session.api);
                setAsking(canAskForNotifications());
              })
            }
          >
            Enable notifications
          </button>
        )}
      </div>
      <section aria-labelledby="channels-heading">
        <h2 id="channels-heading">
          Channels
          <button
            type="button"
            class="add"
            aria-label="New channel"
            onClick={() => onDialog("new-channel")}
          >
            +
          </button>
        </h2>
        <ul>{channels.map(item)}</ul>
        <button type="button" class="link" onClick={() => onDialog("browse")}>
          Browse channels
        </button>
      </section>
      <section aria-labelledby="dm-heading">
        <h2 id="dm-heading">
          Direct messages
          <button
            type="button"
            class="add"
            aria-label="New group"
            onClick={() => onDialog("new-group")}
          >
            +
          </button>
        </h2>
        <ul>{conversations.map(item)}</ul>
      </section>
      <section aria-labelledby="people-heading">
        <h2 id="people-heading">People</h2>
        <ul>
          {people.map((user) => (
            <li key={user.id}>
              <button
                type="button"
                class="person"
                onClick={() => session.attempt(() => session.startChat({ members: [user.id] }))}
                aria-label={`Message ${user.fullname}${state.online[user.id] ? " (online)" : ""}`}
              >
                <span class={`dot ${state.online[user.id] ? "online" : ""}`} aria-hidden="true" />
                <Avatar userId={user.id} name={user.fullname} src={avatarSrc(session, user.id)} />
                {user.fullname}
              </button>
            </li>
          ))}
        </ul>
      </section>
      <footer>
        <button type="button" class="link" onClick={() => onPeople("profile")}>
          Profile
        </button>
        <button type="button" class="link" onClick={() => onPeople("people")}>
          People directory
        </button>
        {isAdmin(state.me) && (
          <button type="button" class="link" onClick={() => onPeople("admin")}>
            Administration
          </button>
        )}
        <button type="button" class="link" onClick={() => onDialog("invite")}>
          Invite people
        </button>
        <button type="button" class="link" onClick={() => session.signOutNow()}>
          Sign out
        </button>
      </footer>
    </nav>
  );
}
