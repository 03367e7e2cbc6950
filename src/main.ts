// Process entry: hands the command line and the environment to a command, and turns what it
// answers (or throws) into an exit status. With serve.ts, the only file that touches `process`.
import { run, UsageError, usage } from "./cli.ts";
import { ConfigError } from "./config.ts";

run(process.argv.slice(2), process.env).then(
  (status) => {
    if (status !== undefined) process.exit(status);
  },
  (error) => {
    // Both are the command's answer to the person (or script) who ran it, not log lines: the
    // server's own failures, once it runs, go through its logger.
    if (error instanceof UsageError) {
      console.error(`chat: ${error.message}\n\n${usage[error.command]}`);
      process.exit(2);
    }
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  },
);
