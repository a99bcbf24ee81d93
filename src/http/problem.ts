import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ZodError } from "zod";
import { ConflictError, DomainError, InvalidInputError, StoreReadOnlyError, StoreStartingError, StoreUnavailableError, ValueTooLargeError } from "../errors.ts";
import type { BackoffLog } from "../log-backoff.ts";
import type { Logger } from "../logger.ts";

/** One offending parameter or field. */
export interface FieldError {
  location: "query" | "body" | "header" | "path";
  field: string;
  message: string;
}

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "about:blank" }),
    title: z.string().openapi({ example: "Unprocessable Content" }),
    status: z.int().openapi({ example: 422 }),
    detail: z.string().openapi({ example: "1 invalid field" }),
    instance: z.string().optional(),
    errors: z
      .array(
        z.object({
          location: z.enum(["query", "body", "header", "path"]),
          field: z.string().openapi({ example: "rowcount" }),
          message: z.string().openapi({ example: "Invalid input: expected int, received string" }),
        }),
      )
      .optional(),
  })
  .openapi("Problem");

/** An RFC 9457 problem response for the `description` of an OpenAPI status. */
export const problemResponse = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export interface ProblemExtra {
  errors?: FieldError[];
  headers?: Record<string, string>;
}

/** The RFC 9457 body of a problem answer. */
function problemBody(status: number, detail: string, errors: FieldError[] | undefined) {
  return { type: "about:blank", title: TITLES[status] ?? "Error", status, detail, ...(errors ? { errors } : {}) };
}

const problemHeaders = (extra: ProblemExtra) => ({ "content-type": "application/problem+json", "cache-control": "no-store", ...extra.headers });

/** A problem answer from middleware and error handlers, which return plain Responses. */
export function problem(status: number, detail: string, extra: ProblemExtra = {}): Response {
  return new Response(JSON.stringify(problemBody(status, detail, extra.errors)), { status, headers: problemHeaders(extra) });
}

/** The same answer from a typed route handler: through c.json, so the status is checked against
 * the route's declared answers and the typed client sees it. */
export function problemJson<S extends ContentfulStatusCode>(c: Context, status: S, detail: string, extra: ProblemExtra = {}) {
  return c.json(problemBody(status, detail, extra.errors), status, problemHeaders(extra));
}

/** Zod issues as the `errors` list: every offending field, by dotted path. */
export function fieldErrors(error: ZodError, location: FieldError["location"]): FieldError[] {
  return error.issues.map((issue) => ({
    location,
    field: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
  }));
}

/** The validation hook every route shares: invalid input becomes a 422 naming each field. */
export function validationHook(result: { success: true } | { success: false; error: ZodError; target: string }, _c: Context): Response | undefined {
  if (result.success) return undefined;
  const location = result.target === "json" ? "body" : (result.target as FieldError["location"]);
  const errors = fieldErrors(result.error, location);
  const noun = location === "query" ? "parameter" : "field";
  return problem(422, `${errors.length} invalid ${noun}${errors.length === 1 ? "" : "s"}`, { errors });
}

/** Maps an error to its answer: domain errors by code, HTTP exceptions as they are, the rest a
 * logged, generic 500 that leaks nothing. An unavailable store is logged through `storeWarnings`,
 * so that a full disk or a lost file does not log one line per request. */
export function errorResponse(error: unknown, c: Context, logger: Logger, storeWarnings: BackoffLog): Response {
  if (error instanceof DomainError) return domainErrorResponse(error, c, logger, storeWarnings);
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    const detail = status === 400 && /json/i.test(error.message) ? "Malformed JSON in request body" : error.message;
    return problem(status, detail || TITLES[status] || "Error");
  }
  logger.error("unhandled error", {
    method: c.req.method,
    path: c.req.path,
    error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
  });
  return problem(500, "An unexpected error occurred; it has been logged.");
}

function domainErrorResponse(error: DomainError, c: Context, logger: Logger, storeWarnings: BackoffLog): Response {
  if (error instanceof StoreUnavailableError) {
    storeWarnings.report("warn", "store unavailable", { path: c.req.path, reason: error.message, cause: String(error.cause ?? "") }, error.message);
    return problem(503, error.message, { headers: { "retry-after": String(error.retryAfterSeconds) } });
  }
  if (error instanceof StoreStartingError) {
    return problem(503, error.message, { headers: { "retry-after": "1" } });
  }
  if (error instanceof StoreReadOnlyError) {
    return problem(503, error.message, { headers: { "retry-after": "30" } });
  }
  if (error instanceof InvalidInputError) {
    return problem(422, error.message, { errors: [{ location: error.location, field: error.field, message: error.message }] });
  }
  if (error instanceof ValueTooLargeError) {
    return problem(422, error.message, { errors: [{ location: "body", field: error.field, message: error.message }] });
  }
  if (error instanceof ConflictError) {
    const errors = error.field ? [{ location: "body" as const, field: error.field, message: error.message }] : undefined;
    return problem(409, error.message, { errors });
  }
  logger.error("unmapped domain error", { code: error.code, message: error.message });
  return problem(500, "An unexpected error occurred; it has been logged.");
}
