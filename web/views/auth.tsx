// Sign in, or sign up: creating a workspace, or joining one with an invite code.
import { useEffect, useState } from "preact/hooks";
import { authenticate, previewInvite } from "../state/api.ts";
import { invitedTo } from "../state/people.ts";

const labels = { signin: "Sign in", signup: "Sign up", reset: "Reset password" };
const buttons = { signin: "Sign in", signup: "Create account", reset: "Set password and sign in" };

export function AuthScreen({
  onSignedIn,
  notice,
}: {
  onSignedIn: (token: string) => void;
  /** Why the last session ended, shown above the form. */
  notice?: string;
}) {
  // An invite link (/?invite=CODE) opens the sign-up with the code and its workspace filled in.
  const [invited, setInvited] = useState(() => invitedTo(location.search));
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (!invited || invited.workspace) return;
    previewInvite(invited.invite).then(
      (preview) => setInvited({ ...invited, workspace: preview.workspace }),
      () => setError("This invite link no longer works: ask for a new one."),
    );
  }, [invited]);
  const [mode, setMode] = useState<"signin" | "signup" | "reset">(invited ? "signup" : "signin");
  const [busy, setBusy] = useState(false);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const fields = Object.fromEntries(
      [...form.entries()]
        .filter(([, value]) => value !== "")
        .map(([key, value]) => [key, String(value)]),
    );
    setBusy(true);
    setError(undefined);
    try {
      const session = await authenticate(mode === "reset" ? "password/reset" : mode, fields);
      onSignedIn(session.token);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="auth">
      <h1>Chat</h1>
      {notice && (
        <p class="notice-line" role="alert">
          {notice}
        </p>
      )}
      <div class="tabs" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={mode === "signin"}
          onClick={() => setMode("signin")}
        >
          Sign in
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={mode === "signup"}
          onClick={() => setMode("signup")}
        >
          Sign up
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={mode === "reset"}
          onClick={() => setMode("reset")}
        >
          Reset password
        </button>
      </div>
      <form onSubmit={submit} aria-label={labels[mode]}>
        {mode === "reset" && (
          <label>
            Reset code <span class="hint">(from an admin of your workspace)</span>
            <input name="code" autocomplete="off" required />
          </label>
        )}
        {mode === "signup" && (
          <label>
            Full name
            <input name="fullname" autocomplete="name" required maxLength={64} />
          </label>
        )}
        {mode !== "reset" && (
          <label>
            Email
            <input name="email" type="email" autocomplete="email" required />
          </label>
        )}
        <label>
          {mode === "reset" ? "New password" : "Password"}
          <input
            name="password"
            type="password"
            autocomplete={mode === "signin" ? "current-password" : "new-password"}
            required
            minLength={mode === "signin" ? undefined : 8}
          />
        </label>
        {mode === "signup" && (
          <>
            <label>
              Workspace
              <input
                name="workspace"
                required
                maxLength={64}
                placeholder="A new name creates it"
                // Filled in when the invite's workspace arrives, after the first render.
                key={invited?.workspace}
                defaultValue={invited?.workspace}
              />
            </label>
            <label>
              Invite code <span class="hint">(to join an existing workspace)</span>
              <input name="invite" autocomplete="off" defaultValue={invited?.invite} />
            </label>
          </>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {buttons[mode]}
        </button>
      </form>
    </main>
  );
}
