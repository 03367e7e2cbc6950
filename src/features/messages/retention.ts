// Retention: with `settings.retentionDays` set, a workspace's older messages are removed for good
// by the hourly job (src/serve.ts), in batches, each its own short transaction.
import { expiryBatch } from "../../../db/plan.ts";
import type { Ctx } from "../../context.ts";
import { removeFileBytes } from "../files/service.ts";

const dayMs = 86_400_000;

/**
 * Removes every workspace's messages older than its retention, with their edits, reactions,
 * mentions, events and the files nothing else carries, then those files' bytes. Between batches
 * it yields, so sends queued behind a batch go first. Answers how many messages it read.
 */
export async function removeExpiredMessages(
  deps: Pick<Ctx, "db" | "files">,
  options: { now?: number; batch?: number; pauseMs?: number } = {},
): Promise<number> {
  const { now = Date.now(), batch = expiryBatch, pauseMs = 5 } = options;
  let total = 0;
  for (const workspace of await deps.db.workspacesWithRetention()) {
    const before = now - workspace.retentionDays * dayMs;
    let afterId = 0;
    for (;;) {
      const { lastId, read } = await deps.db.expireMessages(workspace.id, before, afterId, batch);
      total += read;
      if (read < batch) break;
      afterId = lastId;
      await Bun.sleep(pauseMs);
    }
  }
  await removeFileBytes(deps);
  return total;
}
