// Sign in, or sign up: creating a workspace, or joining one with an invite code.
import { useState } from "preact/hooks";
import { authenticate } from "../state/api.ts";
import { invitedTo } from "../state/people.ts";

export function AuthScreen({
  onSignedIn,
  notice,
}: {
  onSignedIn: (token: string) => void;
  /** Why the last session ended, shown above the form. */
  notice?: string;
}) {
  // An invite link (/?invite=CODE&workspace=NAME) opens the sign-up with both filled in.
  const [invited] = useState(() => invitedTo(location.search));
  const [mode, setMode] = useState<"signin" | "signup">(invited ? "signup" : "signin");
  const [error, setError] = useState<string>();
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
      const session = await authenticate(mode, fields);
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
      </div>
      <form onSubmit={submit} aria-label={mode === "signin" ? "Sign in" : "Sign up"}>
        {mode === "signup" && (
          <label>
            Full name
            <input name="fullname" autocomplete="name" required maxLength={64} />
          </label>
        )}
        <label>
          Email
          <input name="email" type="email" autocomplete="email" required />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete={mode === "signin" ? "current-password" : "new-password"}
            required
            minLength={mode === "signup" ? 8 : undefined}
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
          {mode === "signin" ? "Sign in" : "Create account"}
        </button>
      </form>
    </main>
  );
}
