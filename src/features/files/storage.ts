// The only code that touches the upload directory. No request string ever becomes part of a
// path: blobs live at <dir>/<workspace id>/<aa>/<bb>/<sha-256>, built from validated numbers and
// hex, and every path is checked, symlinks resolved, to lie inside the directory.
import { createWriteStream } from "node:fs";
import { mkdir, realpath, rename, rm, stat } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export type StagedFile = {
  tempPath: string;
  hash: string;
  size: number;
  /** The client's file name, for the record only: it never reaches a path. */
  name: string;
};

export class FileStorage {
  readonly root: string;
  private readonly tempDir: string;

  constructor(dir: string) {
    this.root = resolve(dir);
    this.tempDir = join(this.root, ".tmp");
  }

  async init(): Promise<void> {
    await mkdir(this.tempDir, { recursive: true });
  }

  /**
   * Writes a stream to a temporary file while hashing it. Refuses (and deletes) past `maxSize`
   * bytes: the caller learns it from `tooLarge`.
   */
  async stage(stream: Readable, name: string): Promise<StagedFile> {
    const tempPath = join(this.tempDir, `${crypto.randomUUID()}.part`);
    const hasher = new Bun.CryptoHasher("sha256");
    let size = 0;
    stream.on("data", (chunk: Buffer) => {
      hasher.update(chunk);
      size += chunk.length;
    });
    try {
      await pipeline(stream, createWriteStream(tempPath, { flags: "wx" }));
    } catch (error) {
      await this.discard(tempPath);
      throw error;
    }
    return { tempPath, hash: hasher.digest("hex"), size, name };
  }

  /** Moves a staged file into place, atomically; bytes already stored are kept, not copied. */
  async commit(staged: StagedFile, workspaceId: number): Promise<void> {
    const target = this.blobPath(workspaceId, staged.hash);
    await mkdir(join(target, ".."), { recursive: true });
    await this.requireInside(join(target, ".."));
    if (await exists(target)) await this.discard(staged.tempPath);
    else await rename(staged.tempPath, target);
  }

  async discard(tempPath: string): Promise<void> {
    if (!resolve(tempPath).startsWith(this.tempDir + sep)) return;
    await rm(tempPath, { force: true });
  }

  /** Removes a stored blob; one already gone is fine. */
  async remove(workspaceId: number, hash: string): Promise<void> {
    await rm(this.blobPath(workspaceId, hash), { force: true });
  }

  /** The path to read a stored blob from, or undefined when it is missing or escapes the root. */
  async pathForRead(workspaceId: number, hash: string): Promise<string | undefined> {
    const path = this.blobPath(workspaceId, hash);
    try {
      return (await this.isInside(await realpath(path))) ? path : undefined;
    } catch {
      return undefined;
    }
  }

  private blobPath(workspaceId: number, hash: string): string {
    if (!Number.isSafeInteger(workspaceId) || workspaceId < 1 || !/^[0-9a-f]{64}$/.test(hash)) {
      throw new Error("refusing to build a file path from an invalid key");
    }
    return join(this.root, String(workspaceId), hash.slice(0, 2), hash.slice(2, 4), hash);
  }

  private async isInside(path: string): Promise<boolean> {
    const root = await realpath(this.root);
    return path.startsWith(root + sep);
  }

  private async requireInside(path: string): Promise<void> {
    if (!(await this.isInside(await realpath(path)))) {
      throw new Error(`${path} resolves outside the upload directory`);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
