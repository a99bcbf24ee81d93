import type { Context, MiddlewareHandler } from "hono";
import { etag } from "hono/etag";

/**
 * ETag on answers of bounded size and 304 Not Modified when If-None-Match names it, so a client
 * that polls downloads nothing while nothing changed. The tag hashes the answer, which the
 * route builds in memory anyway; answers for which `streams` is true (exports of every match)
 * are left alone, as hashing them would mean holding them whole (the route tags those from the
 * store's data version). `no-cache` makes browsers ask
 * again each time instead of reusing a stale copy.
 */
/** Whether an If-None-Match header names `tag` (weak comparison, RFC 9110 13.1.2), or is "*". */
export function noneMatch(header: string | undefined, tag: string): boolean {
  if (!header) return false;
  const opaque = (t: string) => t.trim().replace(/^W\//, "");
  return header.split(",").some((t) => t.trim() === "*" || opaque(t) === opaque(tag));
}

export function conditionalGet(streams: (c: Context) => boolean = () => false): MiddlewareHandler {
  const tag = etag();
  return async (c, next) => {
    if (streams(c)) return next();
    await tag(c, next);
    if (c.res.status === 200 || c.res.status === 304) c.res.headers.set("cache-control", "no-cache");
  };
}
