// A store seeded for tests that drive it directly, below the HTTP API: one user in one
// workspace, and a private channel with that user as its only member.
import type { Store } from "../../db/store.ts";

export async function seedStore(store: Store) {
  const { user } = await store.createUser({
    fullname: "A",
    email: "a@x.test",
    passwordHash: "h",
    workspace: { name: "W" },
  });
  const { value: chat } = await store.createChat({
    workspaceId: user.workspaceId,
    type: "private_channel",
    name: "c",
    ownerId: user.id,
    memberIds: [user.id],
  });
  return { user, chat };
}
