// How the command line shows an import: a bar on stderr that redraws in place (only on a
// terminal; a log gets one line per phase), then the report, one line per count and reason.
import { isatty } from "node:tty";
import type { ImportPhase, ImportProgress, ImportReport } from "./slack-import.ts";

const phases: Record<ImportPhase, string> = {
  scanning: "reading the export",
  people: "people",
  chats: "chats",
  messages: "messages",
  settling: "threads and read markers",
  done: "done",
};

/** A progress bar; `update` may be called as often as anyone likes, it redraws at most 10 times a second. */
export function progressBar(width = 30) {
  const out = Bun.stderr.writer();
  const live = isatty(2);
  let lastDraw = 0;
  let lastPhase: ImportPhase | undefined;
  let drawn = false;
  const line = (progress: ImportProgress): string => {
    if (progress.phase === "scanning") return `${phases.scanning}: ${progress.scanned} messages`;
    if (progress.phase !== "messages") return phases[progress.phase];
    const share = progress.total === 0 ? 1 : Math.min(1, progress.done / progress.total);
    const filled = Math.round(share * width);
    return `[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${Math.floor(share * 100)}% ${progress.done}/${progress.total} messages`;
  };
  return {
    update(progress: ImportProgress): void {
      const now = Date.now();
      if (!live) {
        if (progress.phase !== lastPhase) out.write(`${phases[progress.phase]}\n`);
        lastPhase = progress.phase;
        out.flush();
        return;
      }
      if (progress.phase === lastPhase && now - lastDraw < 100) return;
      lastDraw = now;
      lastPhase = progress.phase;
      out.write(`\r\x1b[2K${line(progress)}`);
      out.flush();
      drawn = true;
    },
    end(): void {
      if (drawn) out.write("\n");
      out.flush();
    },
  };
}

/** The report, for people: what was imported, then each reason something was skipped. */
export function printImportReport(report: ImportReport, print: (line: string) => void): void {
  const { workspace, users, chats, messages, files } = report;
  print(`imported into workspace ${workspace.name}${workspace.created ? " (created)" : ""}`);
  print(
    `users: ${users.created} created, ${users.merged} merged by email, ${users.bots} bots, ${users.existing} from an earlier import, ${users.deactivated} deactivated`,
  );
  print(`chats: ${chats.created} created, ${chats.existing} from an earlier import`);
  for (const { from, to } of chats.renamed) print(`  #${from} was taken: imported as #${to}`);
  for (const { id, name, reason } of chats.skipped) print(`  skipped ${name ?? id}: ${reason}`);
  print(`messages: ${messages.imported} imported, ${messages.existing} already there`);
  for (const [reason, count] of Object.entries(messages.skipped).sort((a, b) => b[1] - a[1]))
    print(`  skipped ${count}: ${reason}`);
  print(`files: ${files.carried} carried in the export, ${files.linked} kept as links`);
}
