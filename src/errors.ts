// Services throw coded errors; this file alone turns any error into the spec's envelope.
import { Elysia, t } from "elysia";
import { RowNotFound, type UniqueIndex, UniqueViolation } from "../db/store.ts";

export const errorStatus = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  validation_failed: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, such as Retry-After on 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "AppError";
  }

  get status(): number {
    return errorStatus[this.code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

export const badRequest = (message: string) => new AppError("bad_request", message);
export const unauthorized = (message = "a valid token is required") =>
  new AppError("unauthorized", message);
export const forbidden = (message: string) => new AppError("forbidden", message);
export const notFound = (message = "not found") => new AppError("not_found", message);
export const conflict = (message: string) => new AppError("conflict", message);
export const payloadTooLarge = (message: string) => new AppError("payload_too_large", message);
export const invalid = (message: string) => new AppError("validation_failed", message);

export const ErrorBody = t.Object(
  {
    error: t.Object({
      code: t.String({ description: "snake_case error code", examples: ["not_found"] }),
      message: t.String({ description: "A human sentence; never a stack trace or SQL" }),
    }),
  },
  { $id: "#/components/schemas/Error", description: "Every error has this shape" },
);
export type ErrorBody = typeof ErrorBody.static;

/** Responses every authenticated route may give, for the OpenAPI document. */
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  404: ErrorBody,
  413: ErrorBody,
  422: ErrorBody,
  429: ErrorBody,
  500: ErrorBody,
} as const;

/**
 * Bodies the parser refused (malformed, too large). The refusal is raised later, not thrown by
 * the parser, so that authentication answers 401 first, as the contract orders it.
 */
const refusedBodies = new WeakMap<Request, AppError>();

export function refuseBody(request: Request, error: AppError): void {
  refusedBodies.set(request, error);
}

export function rejectRefusedBody(request: Request): void {
  const refusal = refusedBodies.get(request);
  if (refusal) throw refusal;
}

/** What a caller is told when a unique index refuses a write (the store names the index). */
const takenMessages: Record<UniqueIndex, string> = {
  users_email_unique: "that email is already registered",
  workspaces_name_unique: "that workspace name is taken",
  chats_channel_name_unique: "a channel of that name already exists in this workspace",
  chats_pair_unique: "a direct message between these two people already exists",
};

/**
 * The storage errors in the contract's words: the one place they are mapped, for every path
 * (HTTP and socket), so a service lets them pass unless it has something better to say.
 */
function fromStoreError(error: unknown): AppError | undefined {
  if (error instanceof UniqueViolation) return conflict(takenMessages[error.index]);
  if (error instanceof RowNotFound) return notFound(`no such ${error.noun}`);
  return undefined;
}

/** SQLite's answers for storage that cannot take a write now: full disk, read-only, I/O. */
const storageFailure = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|BUSY|LOCKED|NOMEM)/;

export function toAppError(error: unknown, code: string | number, request?: Request): AppError {
  if (error instanceof AppError) return error;
  const stored = fromStoreError(error);
  if (stored) return stored;
  const sqliteCode = (error as { code?: unknown } | null)?.code;
  if (typeof sqliteCode === "string" && storageFailure.test(sqliteCode)) {
    // Nothing was written (the transaction rolled back) and nothing acknowledged: retry later.
    return new AppError(
      "unavailable",
      "the server cannot store anything right now (its storage is full or read-only); try again shortly",
      { "retry-after": "5" },
    );
  }
  const refusal = request && refusedBodies.get(request);
  if (refusal && (code === "VALIDATION" || code === "PARSE")) return refusal;
  switch (code) {
    case "VALIDATION": {
      const validation = error as {
        type?: string;
        valueError?: { path?: string; message?: string };
        customError?: unknown;
      };
      // Query fields are checked one by one without their names: their schemas carry `error`.
      if (typeof validation.customError === "string") return invalid(validation.customError);
      // Our own answer failing its schema is our bug, not the client's.
      if (validation.type === "response")
        return new AppError("internal", "something went wrong on our side");
      // A path id that is not a positive integer names nothing: 404, as for a missing id.
      if (validation.type === "params") return notFound();
      const detail = validation.valueError;
      const where = detail?.path ? detail.path.replace(/^\//, "").replaceAll("/", ".") : "";
      const what = detail?.message ?? "is invalid";
      return invalid(
        where ? `${validation.type} field "${where}": ${what}` : `${validation.type}: ${what}`,
      );
    }
    case "PARSE":
      return badRequest("the request body could not be parsed");
    case "NOT_FOUND":
      return notFound("no such route");
    case "INVALID_COOKIE_SIGNATURE":
      return unauthorized();
    default:
      return new AppError("internal", "something went wrong on our side");
  }
}

/** The one global error handler. Unexpected errors are logged, never shown. */
export const errorHandler = (log: (error: unknown) => void) =>
  new Elysia({ name: "errors" })
    .onError({ as: "global" }, ({ error, code, set, request }) => {
      const appError = toAppError(error, code, request);
      if (appError.code === "internal" || appError.code === "unavailable") log(error);
      set.status = appError.status;
      for (const [name, value] of Object.entries(appError.headers)) set.headers[name] = value;
      return appError.toBody();
    })
    // Bodies that parsed into a refusal but met a schema that accepted them anyway (all fields
    // optional) are refused here, after authentication and validation have had their turn.
    .onBeforeHandle({ as: "global" }, ({ request }) => rejectRefusedBody(request));
