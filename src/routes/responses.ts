import { problemResponse } from "../http/problem.ts";

/** OpenAPI answers shared by the API routes. */
export const unavailable = problemResponse("The store is unavailable or still starting, or the request timed out; retry after Retry-After seconds");

const rateLimited = problemResponse("The caller's rate limit is exceeded; retry after Retry-After seconds");

/** Answers any route may give once operators turn on keys for reads or a rate limit. */
export const guarded = {
  401: problemResponse("An API key is required (PIPELINE_READ_AUTH) and was missing or wrong"),
  429: rateLimited,
};

/** Answers every write may give: no key (when keys are set), the rate limit, the store. */
export const writeGuarded = {
  401: problemResponse("An API key is required (PIPELINE_API_KEYS is set) and was missing or wrong"),
  429: rateLimited,
  503: unavailable,
};

/** What the document asks for where a key is needed: a bearer token or an X-API-Key header. */
export const KEY_SECURITY: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { apiKeyHeader: [] }];

/** GETs that carry an ETag: a client that sends it back in If-None-Match gets 304 and no body. */
export const notModified = {
  304: { description: "Not modified: the ETag sent in If-None-Match is still current; no body" },
};
