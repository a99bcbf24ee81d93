import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { ScrapeSnapshot, ServiceMetrics } from "../http/service-metrics.ts";
import type { RunRepository } from "../repository/port.ts";
import { type HealthFlagOptions, withHealthFlags } from "./pipelines.ts";

const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["operations"],
  summary: "Prometheus metrics",
  description:
    "Requests, latencies, store operations, POST outcomes, skipped lines and per-pipeline gauges (last run start, duration, rowcount; runs; typical interval; late), in the Prometheus text format.",
  security: [],
  responses: {
    200: { description: "Metrics in text format 0.0.4", content: { "text/plain": { schema: z.string() } } },
  },
});

/** How long a scrape reuses the store's figures: scrapers must not become a store load. */
const SNAPSHOT_TTL_MS = 5000;

export function metricsRoutes(repository: RunRepository, metrics: ServiceMetrics, flags: HealthFlagOptions) {
  let cached: { at: number; snapshot: Promise<ScrapeSnapshot> } | null = null;
  const snapshot = () => {
    const now = Date.now();
    if (!cached || now - cached.at > SNAPSHOT_TTL_MS) {
      cached = {
        at: now,
        snapshot: Promise.all([repository.health(), repository.summarizePipelines().catch(() => [])]).then(([health, summaries]) => ({
          health,
          summaries: summaries.map((s) => withHealthFlags(s, flags)),
        })),
      };
    }
    return cached.snapshot;
  };
  return new OpenAPIHono().openapi(metricsRoute, async (c) => {
    metrics.setSnapshot(await snapshot());
    return c.text(metrics.registry.render(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" });
  });
}
