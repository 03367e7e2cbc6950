// What every service verb is given: explicit dependencies, never the web framework's context.
import type { Store } from "../db/store.ts";
import type { Config } from "./config.ts";
import type { User } from "./features/accounts/model.ts";
import type { FileStorage } from "./features/files/storage.ts";
import type { Notifier } from "./features/notifications/notifier.ts";
import type { Hub } from "./features/realtime/hub.ts";
import type { Logger } from "./ops/logging.ts";
import type { RateLimiter } from "./rate-limit.ts";

export type Deps = {
  db: Store;
  hub: Hub;
  config: Config;
  files: FileStorage;
  limits: RateLimiter;
  /** Decides each new message's pushes after its commit (issue #24). */
  notifier: Notifier;
  /** Where failures that no request answers for are told (a replay, a frame, a write). */
  logger: Logger;
};

/** Deps plus the authenticated caller. */
export type Ctx = Deps & { user: User };
