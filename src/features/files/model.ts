// Wire models of files, and the one definition of a file URL.
import { Type } from "@sinclair/typebox";
import { t } from "elysia";

export const maxFilesPerUpload = 10;

export const FileInfo = t.Object(
  {
    url: t.String({ description: "/api/files/{workspaceId}/{hash path}.{ext}; never changes" }),
    name: t.String({ description: "This upload's own file name" }),
    size: Type.Integer({ minimum: 0, description: "Bytes" }),
    type: t.String({ description: "MIME type, decided by the first upload of these bytes" }),
  },
  { $id: "#/components/schemas/FileInfo" },
);
export type FileInfo = typeof FileInfo.static;

/** A file's address: the workspace, the SHA-256 of its bytes, and the extension it got first. */
export type FileKey = { workspaceId: number; hash: string; ext: string };

const urlPattern =
  /^\/api\/files\/([1-9][0-9]{0,14})\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{64})\.([a-z0-9]{1,10})$/;

export const fileUrl = ({ workspaceId, hash, ext }: FileKey) =>
  `/api/files/${workspaceId}/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}.${ext}`;

/** The key a URL names, or undefined for anything that is not exactly a file URL. */
export function parseFileUrl(url: string): FileKey | undefined {
  const match = urlPattern.exec(url);
  if (!match) return undefined;
  const [, workspaceId, first, second, hash, ext] = match as unknown as string[];
  if (!hash?.startsWith(`${first}${second}`)) return undefined;
  return { workspaceId: Number(workspaceId), hash, ext: ext as string };
}
