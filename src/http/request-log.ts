import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "../logger.ts";
import type { AppEnv } from "./app-env.ts";
import type { ServiceMetrics } from "./service-metrics.ts";

const SAFE_ID = /^[A-Za-z0-9._:@=+-]{1,128}$/;

/**
 * Per request: an id (the caller's X-Request-Id when it is sane, else a new UUID) returned in the
 * response, one JSON log line, and the HTTP metrics. The route label is the route pattern, never
 * the raw path, so label values stay bounded.
 */
export function requestLog(logger: Logger, metrics: ServiceMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const began = performance.now();
    const incoming = c.req.header("x-request-id");
    const id = incoming && SAFE_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", id);
    await next();
    c.res.headers.set("x-request-id", id);
    const status = c.res.status;
    const matched = routePath(c, -1);
    const route = status === 404 || status === 405 || !matched || matched === "/*" || matched === "*" ? "unmatched" : matched;
    const seconds = (performance.now() - began) / 1000;
    metrics.requests.inc({ route, method: c.req.method, status: String(status) });
    metrics.latency.observe(seconds, { route });
    if (c.req.method === "POST" && route === "/pipelines") {
      if (status === 201 || status === 200) metrics.accepted.inc();
      else metrics.rejected.inc({ status: String(status) });
    }
    const level = status >= 500 ? "error" : "info";
    if (!logger.enabled(level)) return;
    const fields = { method: c.req.method, route, path: c.req.path.slice(0, 200), status, latency_ms: Number((seconds * 1000).toFixed(2)), request_id: id };
    logger[level]("request", fields);
  };
}
