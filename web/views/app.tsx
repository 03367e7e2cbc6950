// The app: signed out, the auth screen; signed in, the workspace. The token survives reloads.
import { useEffect, useState } from "preact/hooks";
import { Api } from "../state/api.ts";
import { routeFromPath } from "../state/route.ts";
import { Session } from "../state/session.ts";
import { AuthScreen } from "./auth.tsx";
import { WorkspaceView } from "./workspace.tsx";

const tokenKey = "chat.token";

export function App() {
  const [token, setToken] = useState(() => localStorage.getItem(tokenKey));
  const [session, setSession] = useState<Session>();
  const [problem, setProblem] = useState<string>();
  // Why the last session ended, when the server ended it (deactivated, signed out elsewhere).
  const [ended, setEnded] = useState<string>();

  useEffect(() => {
    if (!token) return;
    let cancelled = false;
    let started: Session | undefined;
    const signOut = (reason?: string) => {
      if (reason) setEnded(`You were signed out: ${reason}.`);
      localStorage.removeItem(tokenKey);
      setSession(undefined);
      setToken(null);
    };
    new Api(token, signOut)
      .me()
      .then(({ user, workspace }) => {
        if (cancelled) return;
        // A chat's (or a thread's) URL opens it (a link, a reload).
        const route = routeFromPath(location.pathname);
        started = new Session(token, user, workspace, signOut, route.chatId, route.threadId);
        started.start();
        setSession(started);
        (window as unknown as { chat?: Session }).chat = started;
      })
      .catch((error: Error) => setProblem(error.message));
    return () => {
      cancelled = true;
      started?.stop();
    };
  }, [token]);

  if (!token) {
    return (
      <AuthScreen
        notice={ended}
        onSignedIn={(newToken) => {
          setEnded(undefined);
          localStorage.setItem(tokenKey, newToken);
          setProblem(undefined);
          setToken(newToken);
        }}
      />
    );
  }
  if (!session) {
    return (
      <main class="loading" aria-busy="true">
        {problem ? <p role="alert">{problem}</p> : <p>Loading…</p>}
      </main>
    );
  }
  return <WorkspaceView session={session} />;
}
