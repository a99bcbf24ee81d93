import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.ts";
import { isProbePath } from "./probe-paths.ts";
import { problem } from "./problem.ts";
import { sha256 } from "./sha256.ts";

/** Documentation and the web page's shell carry no run data; keeping them open lets /docs offer
 * "Authorize" and the page ask for a key. */
const DOCS = (path: string) =>
  path === "/" || path === "/openapi.json" || path === "/docs" || path.startsWith("/docs/") || path === "/ui" || path.startsWith("/ui/");
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
function presentedKey(authorization: string | undefined, apiKey: string | undefined): string | null {
  if (authorization) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (m) return m[1] as string;
  }
  return apiKey?.trim() || null;
}

export interface ApiKeyOptions {
  keys: readonly string[];
  /** Reads need a key too (except probes, metrics and docs). */
  protectReads: boolean;
}

/**
 * Requires an API key for writes (and reads, if asked). Keys are kept only as SHA-256 digests and
 * compared in constant time against every configured key, so neither timing nor logs reveal them.
 * Exposes the caller's key digest as `c.var.apiKeyId` for per-key rate limits.
 */
export function apiKeyMiddleware(options: ApiKeyOptions): MiddlewareHandler<AppEnv> {
  const known = Promise.all(options.keys.map(sha256));
  return async (c, next) => {
    const isRead = READ_METHODS.has(c.req.method);
    if (isRead && (c.req.method === "OPTIONS" || !options.protectReads || isProbePath(c.req.path) || DOCS(c.req.path))) return next();
    const key = presentedKey(c.req.header("authorization"), c.req.header("x-api-key"));
    const digests = await known;
    const given = key ? await sha256(key) : new Uint8Array(32);
    let matched = -1;
    for (let k = 0; k < digests.length; k++) {
      const expected = digests[k] as Uint8Array;
      let diff = 0;
      for (let i = 0; i < 32; i++) diff |= (expected[i] as number) ^ (given[i] as number);
      if (diff === 0 && key) matched = k;
    }
    if (matched < 0) {
      const detail = key ? "The API key is not valid" : "An API key is required: send Authorization: Bearer <key> or X-API-Key: <key>";
      return problem(401, detail, { headers: { "www-authenticate": 'Bearer realm="pipeline-service"' } });
    }
    c.set("apiKeyId", `key${matched}`);
    return next();
  };
}
