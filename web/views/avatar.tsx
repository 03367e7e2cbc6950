// A person's picture: their uploaded avatar as a square crop, else their initials on a colour of
// their own.
import { avatarColour, initials } from "../state/avatar.ts";
import type { Session } from "../state/session.ts";

export function Avatar({ userId, name, src }: { userId: number; name: string; src?: string }) {
  if (src) return <img class="avatar picture" src={src} alt="" aria-hidden="true" />;
  return (
    <span class="avatar" style={{ background: avatarColour(userId) }} aria-hidden="true">
      {initials(name)}
    </span>
  );
}

/** The address an image element loads a user's avatar from (with a download token), if any. */
export function avatarSrc(session: Session, userId: number): string | undefined {
  const url = session.state.users[userId]?.avatarUrl ?? undefined;
  return url ? session.api.fileUrl(url) : undefined;
}
