// Streams a multipart upload to temporary files, part by part, never holding a file in memory.
// Limits are enforced as the bytes arrive; any failure removes everything this request staged.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import busboy from "busboy";
import { type AppError, badRequest, invalid, payloadTooLarge } from "../../errors.ts";
import type { FileStorage, StagedFile } from "./storage.ts";

export type UploadLimits = { maxSize: number; maxFiles: number };

/** The largest body an upload request may have: every file at the limit, plus the framing. */
export const maxUploadBytes = ({ maxSize, maxFiles }: UploadLimits) =>
  maxFiles * (maxSize + 64 * 1024) + 1024 * 1024;

export async function receiveUploads(
  request: Request,
  storage: FileStorage,
  limits: UploadLimits,
): Promise<StagedFile[]> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > maxUploadBytes(limits)) {
    throw payloadTooLarge(`an upload request may be at most ${maxUploadBytes(limits)} bytes`);
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { "content-type": request.headers.get("content-type") ?? "" },
      // Browsers send file names as raw UTF-8, not the Latin-1 that busboy assumes.
      defParamCharset: "utf8",
      limits: {
        // One byte past the limit, so that a file of exactly maxSize passes and one more fails.
        fileSize: limits.maxSize + 1,
        files: limits.maxFiles,
        fields: 20,
        fieldSize: 64 * 1024,
        parts: limits.maxFiles + 20,
      },
    });
  } catch {
    throw badRequest("the body is not multipart/form-data with a boundary");
  }

  const staged: (StagedFile | undefined)[] = [];
  const writes: Promise<void>[] = [];
  let failure: AppError | undefined;
  const fail = (error: AppError) => {
    failure ??= error;
  };

  parser.on("file", (field, stream, info) => {
    if (field !== "files" || failure) {
      stream.resume();
      return;
    }
    const index = staged.push(undefined) - 1;
    const tooLarge = () =>
      fail(payloadTooLarge(`each file may be at most ${limits.maxSize} bytes`));
    writes.push(
      storage.stage(stream, fileName(info.filename)).then(
        async (file) => {
          if ((stream as { truncated?: boolean }).truncated || file.size > limits.maxSize) {
            tooLarge();
            await storage.discard(file.tempPath);
          } else staged[index] = file;
        },
        () => fail(badRequest("a file part could not be read")),
      ),
    );
  });
  parser.on("filesLimit", () => fail(invalid(`at most ${limits.maxFiles} files per request`)));
  parser.on("partsLimit", () => fail(invalid("too many parts in one request")));
  parser.on("fieldsLimit", () => fail(invalid("too many fields in one request")));

  try {
    if (!request.body) throw new Error("no body");
    await pipeline(Readable.fromWeb(request.body as never), parser);
  } catch {
    fail(badRequest("the multipart body is malformed or was cut short"));
  }
  await Promise.allSettled(writes);

  const files = staged.filter((file): file is StagedFile => file !== undefined);
  if (failure) {
    await Promise.all(files.map((file) => storage.discard(file.tempPath)));
    throw failure;
  }
  if (files.length === 0) throw invalid('an upload needs at least one part named "files"');
  return files;
}

/** The client's name without any directory part, for the record; "file" when it has none. */
function fileName(raw: string | undefined): string {
  const base = (raw ?? "").split(/[\\/]/).pop()?.replaceAll("\0", "").trim() ?? "";
  return base.slice(0, 255) || "file";
}
