// The commands: `chat serve` (the default), `migrate`, `backup`, `migrate-to-postgres`, `config`,
// `reset-password`, `import-slack`, `export-slack`.
// Parses a command's arguments and runs it; never touches `process` (main.ts hands over argv and
// the environment, and turns the outcome into an exit status).
import { existsSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { openPostgres, openStore } from "../db/open.ts";
import type { SqliteStore } from "../db/sqlite/store.ts";
import packageJson from "../package.json" with { type: "json" };
import { type Config, isPostgresUrl, loadConfig, maskSecrets } from "./config.ts";
import { FileStorage } from "./features/files/storage.ts";
import { serve } from "./serve.ts";

export const usage = {
  chat: `chat ${packageJson.version}: a Slack-like chat server with an embedded database

Usage: chat [command] [--help]

Commands:
  serve          run the server (the default)
  migrate        apply database migrations and exit
  backup <file>  write a consistent copy of the database while the server runs
  migrate-to-postgres <url>
                 copy the SQLite database, whole, into an empty PostgreSQL database
  config         print the effective configuration, secrets masked
  reset-password <email>
                 print a single-use password reset code for a user
  import-slack <export.zip> [--workspace NAME]
                 import a Slack workspace export
  export-slack <workspace> <out.zip> [--files]
                 write a workspace as a Slack export

Options:
  -h, --help     show help (also after a command)
  -v, --version  print the version

Configuration: the YAML file in CHAT_CONFIG, else ./app.yml, else /etc/config/app.yml,
else built-in defaults; CHAT_HOST, CHAT_PORT, CHAT_DATABASE_URL, CHAT_FILES_DIR and CHAT_SECRET
override one key each.`,
  serve: `Usage: chat serve

Runs the server on server.host:server.port. SIGTERM or SIGINT drain it: new connections are
refused, requests in flight finish, sockets close with 1001, then the process exits 0.`,
  migrate: `Usage: chat migrate

Applies the migrations the database lacks (the server also does this at start) and exits.`,
  backup: `Usage: chat backup <file>

Writes a consistent copy of the database to <file> (which must not exist) with VACUUM INTO.
Safe while the server runs: it reads one snapshot and writers go on.`,
  "migrate-to-postgres": `Usage: chat migrate-to-postgres <postgres://…>

Copies the configured SQLite database (database.url) into the empty PostgreSQL database at
<url>, in one transaction: every row with its id, so tokens, links and clients' event ids stay
valid. Stop the server first. Then set database.url to <url> (and files.dir to a directory every
instance shares). See docs/scaling.md.`,
  config: `Usage: chat config

Prints the effective configuration (file, environment and defaults) as YAML, secrets masked.`,
  "reset-password": `Usage: chat reset-password <email>

Prints a password reset code for the user with this email (imported users' placeholder emails
included): single-use, valid for one hour. The user sets a new password with it in the web app
(or POST /api/password/reset), which ends their other sessions. Recorded in the audit log.`,
  "import-slack": `Usage: chat import-slack <export.zip> [--workspace NAME]

Imports a Slack workspace export (the zip Slack's "Export data" gives) into the workspace NAME,
created when no workspace has that name and owned by the export's primary owner (default: the
zip's file name without .zip). People keep their emails (those without one get
<slack id>@import.invalid) but no password: give each a code with \`chat reset-password\`.
An email that belongs to another workspace stops the import before anything is written (exit
status 1). Running it again adds nothing twice, and finishes an import that was interrupted.
Prints a progress bar, then what was imported and what was skipped, and why.`,
  "export-slack": `Usage: chat export-slack <workspace> <out.zip> [--files]

Writes the workspace as a Slack export: users.json, channels.json, groups.json, dms.json,
mpims.json and one file per chat and day. With --files, the files messages carry are written
inside the zip (under __uploads/); without, they are links to this server.`,
};

/** Wrong arguments: the command's usage follows the message, and the exit status is 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command: keyof typeof usage = "chat",
  ) {
    super(message);
  }
}

/**
 * Runs the command `argv` names. Answers its exit status, or undefined while it keeps running
 * (serve, until a signal stops it).
 */
export async function run(
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<number | undefined> {
  const [first, ...rest] = argv;
  if (first === "-v" || first === "--version") {
    console.log(packageJson.version);
    return 0;
  }
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    if (first === undefined) return run(["serve"], env);
    console.log(usage.chat);
    return 0;
  }
  const name = first.startsWith("-") ? "serve" : first;
  const args = first.startsWith("-") ? argv : rest;
  // Own keys only: "toString" is in every object.
  if (!Object.hasOwn(commands, name)) throw new UsageError(`unknown command "${name}"`);
  const command = name as CommandName;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      options: {
        help: { type: "boolean", short: "h" },
        ...(command === "import-slack" && { workspace: { type: "string" } }),
        ...(command === "export-slack" && { files: { type: "boolean" } }),
      },
      allowPositionals:
        command === "backup" ||
        command === "migrate-to-postgres" ||
        command === "reset-password" ||
        command === "import-slack" ||
        command === "export-slack",
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
  if (parsed.values.help) {
    console.log(usage[command]);
    return 0;
  }
  const { config, source } = loadConfig(env);
  return commands[command](config, source, parsed.positionals, parsed.values);
}

type CommandName = Exclude<keyof typeof usage, "chat">;

/** A command: its exit status, or undefined while it keeps running. */
type Command = (
  config: Config,
  source: string,
  args: string[],
  options: Record<string, string | boolean | (string | boolean)[] | undefined>,
) => Promise<number | undefined>;

const commands: Record<CommandName, Command> = {
  serve: async (config, source) => {
    await serve(config, source);
    return undefined;
  },

  migrate: async (config) => {
    const db = await openStore(config.database);
    console.log(
      db.appliedMigrations.length > 0
        ? `applied: ${db.appliedMigrations.join(", ")}`
        : "the database is up to date",
    );
    await db.close();
    return 0;
  },

  backup: async (config, _, args) => {
    const [target, ...extra] = args;
    if (!target || extra.length > 0) throw new UsageError("backup takes one file name", "backup");
    if (existsSync(target)) throw new UsageError(`${target} exists: choose a new file`, "backup");
    const db = await openStore(config.database);
    await db.backup(target);
    await db.close();
    console.log(`backup written to ${target} (${Bun.file(target).size} bytes)`);
    return 0;
  },

  "migrate-to-postgres": async (config, _, args) => {
    const [target, ...extra] = args;
    if (!target || extra.length > 0 || !isPostgresUrl(target)) {
      throw new UsageError("migrate-to-postgres takes one postgres:// URL", "migrate-to-postgres");
    }
    const source = await openStore(config.database);
    if (source.dialect !== "sqlite") {
      throw new UsageError(
        `database.url is ${maskSecrets(config).database.url}: the source must be SQLite`,
        "migrate-to-postgres",
      );
    }
    const destination = await openPostgres(target);
    const { copySqliteToPostgres } = await import("../db/copy.ts");
    try {
      const copied = await copySqliteToPostgres(source as SqliteStore, destination);
      const { lastEventId, ...rows } = copied;
      for (const [table, count] of Object.entries(rows)) console.log(`${table}: ${count} rows`);
      console.log(`event ids continue after ${lastEventId}; now set database.url to the new URL`);
    } finally {
      await source.close();
      await destination.close();
    }
    return 0;
  },

  "reset-password": async (config, _, args) => {
    const [email, ...extra] = args;
    if (!email || extra.length > 0) {
      throw new UsageError("reset-password takes one email", "reset-password");
    }
    const db = await openStore(config.database);
    try {
      const user = await db.findUserByEmail(email);
      if (!user) {
        console.error(`no user has the email ${email}`);
        return 1;
      }
      const { makeResetCode } = await import("./features/people/service.ts");
      const { code, expiresAt } = await makeResetCode({ db }, user, null);
      console.log(`reset code for ${user.email} (valid until ${expiresAt}):\n${code}`);
      return 0;
    } finally {
      await db.close();
    }
  },

  "import-slack": async (config, _, args, options) => {
    const [path, ...extra] = args;
    if (!path || extra.length > 0) {
      throw new UsageError("import-slack takes one export zip", "import-slack");
    }
    if (!existsSync(path)) throw new UsageError(`${path} does not exist`, "import-slack");
    const workspace =
      typeof options.workspace === "string" && options.workspace.trim()
        ? options.workspace.trim()
        : basename(path).replace(/\.zip$/i, "");
    const { importSlackExport, ImportRefused } = await import(
      "./features/integrations/slack-import.ts"
    );
    const { progressBar, printImportReport } = await import(
      "./features/integrations/import-progress.ts"
    );
    const db = await openStore(config.database);
    const files = new FileStorage(config.files.dir);
    await files.init();
    const bar = progressBar();
    try {
      const report = await importSlackExport(
        { db, files },
        { path, workspace, createdBy: null },
        bar.update,
      );
      bar.end();
      printImportReport(report, (line) => console.log(line));
      return 0;
    } catch (error) {
      bar.end();
      if (error instanceof ImportRefused) {
        console.error(`chat: ${error.message}`);
        return 1;
      }
      throw error;
    } finally {
      await db.close();
    }
  },

  "export-slack": async (config, _, args, options) => {
    const [workspace, target, ...extra] = args;
    if (!workspace || !target || extra.length > 0) {
      throw new UsageError("export-slack takes a workspace and a zip to write", "export-slack");
    }
    if (existsSync(target))
      throw new UsageError(`${target} exists: choose a new file`, "export-slack");
    const { exportSlack } = await import("./features/integrations/slack-export-writer.ts");
    const db = await openStore(config.database);
    const files = new FileStorage(config.files.dir);
    try {
      const found = await db.findWorkspaceByName(workspace);
      if (!found) {
        console.error(`no workspace is named ${workspace}`);
        return 1;
      }
      const counts = await exportSlack(
        { db, files },
        { workspaceId: found.id, path: target, files: options.files === true },
      );
      console.log(
        `wrote ${target}: ${counts.users} users, ${counts.chats} chats, ${counts.messages} messages, ${counts.files} files inside`,
      );
      return 0;
    } finally {
      await db.close();
    }
  },

  config: async (config, source) => {
    // stringify ends with a newline, which console.log adds again.
    console.log(`# from ${source}\n${stringify(maskSecrets(config)).replace(/\n$/, "")}`);
    return 0;
  },
};
