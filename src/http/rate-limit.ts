import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.ts";
import { isProbePath } from "./probe-paths.ts";
import { problem } from "./problem.ts";

const MAX_CLIENTS = 10_000;

/**
 * Token buckets per caller: the API key used, else the client address. `perSecond` requests a
 * second with bursts of as many; beyond that 429 with Retry-After. Probes and metrics are exempt.
 */
export function rateLimit(perSecond: number, now: () => number = () => performance.now()): MiddlewareHandler<AppEnv> {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return async (c, next) => {
    if (isProbePath(c.req.path)) return next();
    const client = c.var.apiKeyId ?? c.env?.ip ?? "anonymous";
    const t = now();
    let bucket = buckets.get(client);
    if (!bucket) {
      if (buckets.size >= MAX_CLIENTS) buckets.delete(buckets.keys().next().value as string);
      bucket = { tokens: perSecond, at: t };
      buckets.set(client, bucket);
    } else {
      bucket.tokens = Math.min(perSecond, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);
      bucket.at = t;
    }
    if (bucket.tokens < 1) {
      const wait = Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
      return problem(429, `Rate limit of ${perSecond} requests per second exceeded`, { headers: { "retry-after": String(wait) } });
    }
    bucket.tokens -= 1;
    return next();
  };
}
