import { useEffect, useState } from "preact/hooks";
import type { Session } from "../state/session.ts";
import type { State } from "../state/store.ts";

/** The session's state, re-rendering on every change. */
export function useSessionState(session: Session): State {
  const [state, setState] = useState(session.state);
  useEffect(() => session.subscribe(setState), [session]);
  return state;
}

/** Re-renders every `ms` (for indicators that lapse with time, like typing). */
export function useTicker(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
