// Request bodies: JSON whatever the declared type (as GitHub's API reads it), at most 256 KiB,
// and a refusal recorded rather than thrown, so that a bad token still answers 401 first.
import { Elysia } from "elysia";
import { badRequest, invalid, payloadTooLarge, refuseBody } from "./errors.ts";

export const maxJsonBytes = 256 * 1024;
/** No body of ours nests deeper than a few levels; far deeper is an attack on the validator. */
export const maxJsonDepth = 32;

/** Whether arrays and objects nest deeper than `limit`, walked without recursion. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== "object") continue;
    if (depth >= limit) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Where the first value `matches` picks is, as "a.b" ("" for the top level), or undefined. The
 * path is built only on a match: every socket frame is walked.
 */
function pathWhere(value: unknown, matches: (value: unknown) => boolean): string | undefined {
  if (matches(value)) return "";
  if (value === null || typeof value !== "object") return undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const found = pathWhere((value as Record<string, unknown>)[key], matches);
    if (found !== undefined) return found === "" ? key : `${key}.${found}`;
  }
  return undefined;
}

/**
 * Where the first string holding U+0000 is, or undefined. No text of ours may hold it: it is
 * never meant, and PostgreSQL cannot store it.
 */
export const nulPath = (value: unknown) =>
  pathWhere(value, (item) => typeof item === "string" && item.includes("\u0000"));

/**
 * Where the first object with its own `toString` field is, or undefined. No body of ours has
 * such a field, and such an object cannot be turned into text: Elysia's validation message
 * tries to, and threw (a 500) instead of answering 422.
 */
const toStringFieldPath = (value: unknown) =>
  pathWhere(
    value,
    (item) => item !== null && typeof item === "object" && Object.hasOwn(item, "toString"),
  );

/** Reads at most `limit` bytes; undefined when the body is larger. Never buffers past it. */
export async function readLimited(
  request: Request,
  limit: number,
): Promise<Uint8Array | undefined> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > limit) return undefined;
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += chunk.byteLength;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function parseJson(bytes: Uint8Array): unknown {
  const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  if (text.trim() === "") return undefined;
  return JSON.parse(text);
}

/**
 * Routes that read their own bodies: incoming webhooks and Slack's Web API take Slack's forms
 * (form-encoded too) and answer a bad body in Slack's words (src/features/integrations).
 */
const ownBodiesPaths = ["/api/hooks/", "/api/slack/"];

/** A request URL's path, without building a URL object on every request. */
const pathOf = (url: string) => url.slice(url.indexOf("/", url.indexOf("//") + 2));

export const jsonBodies = () =>
  new Elysia({ name: "json-bodies" }).onParse(
    { as: "global" },
    async ({ request, contentType }) => {
      const path = pathOf(request.url);
      if (ownBodiesPaths.some((prefix) => path.startsWith(prefix))) return;
      // Multipart is streamed by the upload route itself, never buffered here.
      if (contentType?.startsWith("multipart/form-data")) return {};
      const bytes = await readLimited(request, maxJsonBytes);
      if (!bytes) {
        refuseBody(request, payloadTooLarge("a JSON body may be at most 256 KiB"));
        return {};
      }
      let body: unknown;
      try {
        body = parseJson(bytes);
      } catch {
        refuseBody(request, badRequest("the request body is not valid JSON"));
        return {};
      }
      if (body === undefined) return {};
      if (body === null || typeof body !== "object" || Array.isArray(body)) {
        refuseBody(request, invalid("the request body must be a JSON object"));
      } else if (nestsDeeperThan(body, maxJsonDepth)) {
        refuseBody(request, invalid(`the request body nests deeper than ${maxJsonDepth} levels`));
      } else {
        const nul = nulPath(body);
        // Walked only when the first walk found nothing: its refusal comes first.
        const toStringField = nul === undefined ? toStringFieldPath(body) : undefined;
        if (nul !== undefined) {
          refuseBody(request, invalid(`${nul}: text may not contain the character U+0000`));
        } else if (toStringField !== undefined) {
          const where = toStringField || "the request body";
          refuseBody(request, invalid(`${where}: no field of ours is named toString`));
        } else return body;
      }
      return {};
    },
  );
