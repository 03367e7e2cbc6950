// Files: storing uploads once per workspace by content, and finding them for download.
import type { FileRef } from "../../../db/store.ts";
import type { Ctx } from "../../context.ts";
import { invalid, notFound } from "../../errors.ts";
import { type Credential, issueDownloadToken, type Signer } from "../accounts/auth.ts";
import type { DownloadToken } from "../accounts/model.ts";
import { type FileInfo, fileUrl, parseFileUrl } from "./model.ts";
import type { StagedFile } from "./storage.ts";

/** The extension a name gives a file's URL: lower-case letters and digits, else "bin". */
export function extensionOf(name: string): string {
  const match = /\.([A-Za-z0-9]{1,10})$/.exec(name);
  return match ? (match[1] as string).toLowerCase() : "bin";
}

/** Moves staged files into place and records them; the same bytes get the same URL. */
export async function storeUploads(ctx: Ctx, staged: StagedFile[]): Promise<FileInfo[]> {
  const infos: FileInfo[] = [];
  for (const file of staged) {
    await ctx.files.commit(file, ctx.user.workspaceId);
    const ext = extensionOf(file.name);
    const stored = await ctx.db.recordUpload({
      workspaceId: ctx.user.workspaceId,
      hash: file.hash,
      ext,
      type: Bun.file(`upload.${ext}`).type,
      size: file.size,
      name: file.name,
      uploadedBy: ctx.user.id,
    });
    infos.push({
      url: fileUrl({ workspaceId: ctx.user.workspaceId, hash: file.hash, ext: stored.ext }),
      name: file.name,
      size: file.size,
      type: stored.type,
    });
  }
  return infos;
}

export type Download = {
  path: string;
  hash: string;
  type: string;
  size: number;
  /** The name the reader knows the file by, if any. */
  name: string | undefined;
};

/**
 * A file the caller uploaded, or that a message they can read carries. Anything else, another
 * workspace's file, or a path that is not a file URL, is 404: existence never leaks.
 */
export async function getDownload(ctx: Ctx, url: string): Promise<Download> {
  const key = parseFileUrl(url);
  if (!key || key.workspaceId !== ctx.user.workspaceId) throw notFound("no such file");
  const readable = await ctx.db.readableFile(ctx.user.id, key);
  if (!readable) throw notFound("no such file");
  const file = await ctx.db.findFile(key.workspaceId, key.hash);
  if (!file || file.ext !== key.ext) throw notFound("no such file");
  const path = await ctx.files.pathForRead(key.workspaceId, key.hash);
  if (!path) throw notFound("no such file");
  // The same bytes may be uploaded by several people under names of their own: each reader gets
  // the name they know it by, never another's.
  return { path, hash: key.hash, type: file.type, size: file.size, name: readable.name };
}

/**
 * Message attachments must be files of the caller's workspace that the caller may read: what each
 * URL names, and its FileInfo under the name the caller knows it by.
 */
export async function requireUploadedFiles(
  ctx: Ctx,
  urls: string[],
): Promise<{ refs: FileRef[]; attachments: FileInfo[] }> {
  const keys = urls.map(parseFileUrl);
  if (keys.some((key) => !key || key.workspaceId !== ctx.user.workspaceId)) {
    throw invalid("files must be URLs returned by POST /api/upload in your workspace");
  }
  const hashes = [...new Set(keys.map((key) => key?.hash as string))];
  const found = new Map(
    (await ctx.db.findFileKeys(ctx.user.workspaceId, hashes)).map((f) => [f.hash, f]),
  );
  if (keys.some((key) => found.get(key?.hash as string)?.ext !== key?.ext)) {
    throw invalid("files must be URLs returned by POST /api/upload in your workspace");
  }
  const refs = keys.map((key) => ({
    workspaceId: key?.workspaceId as number,
    hash: key?.hash as string,
  }));
  // Only a file the sender may read can be sent on (one seen in a chat since left is not), under
  // the name they know it by: never another person's name for the same bytes.
  const names = new Map<string, string>();
  for (const ref of refs) {
    if (names.has(ref.hash)) continue;
    const readable = await ctx.db.readableFile(ctx.user.id, ref);
    if (!readable) {
      throw invalid("files must be URLs returned by POST /api/upload in your workspace");
    }
    const file = found.get(ref.hash) as { ext: string };
    names.set(ref.hash, readable.name ?? `${ref.hash}.${file.ext}`);
  }
  const attachments = urls.map((url, i) => {
    const hash = refs[i]?.hash as string;
    const file = found.get(hash) as { size: number; type: string };
    return { url, name: names.get(hash) as string, size: file.size, type: file.type };
  });
  return { refs, attachments };
}

/**
 * Removes the bytes of files whose rows a committed delete removed (or the hourly job found
 * unsent). A file uploaded again meanwhile keeps its bytes. What fails stays recorded, and the
 * hourly job retries it.
 */
export async function removeFileBytes(deps: Pick<Ctx, "db" | "files">): Promise<number> {
  let removed = 0;
  for (const file of await deps.db.fileRemovals(1000)) {
    if (!(await deps.db.findFile(file.workspaceId, file.hash))) {
      await deps.files.remove(file.workspaceId, file.hash);
      removed++;
    }
    await deps.db.forgetFileRemoval(file);
  }
  return removed;
}

/** A token for links and images, which a browser loads without headers: downloads only. */
export async function createDownloadToken(
  signer: Signer,
  credential: Credential,
): Promise<DownloadToken> {
  const { token, expiresAt } = await issueDownloadToken(signer, credential);
  return { token, expiresAt: new Date(expiresAt).toISOString() };
}
