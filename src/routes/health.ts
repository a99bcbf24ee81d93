import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { validationHook } from "../http/problem.ts";
import { HealthSchema } from "../http/schemas/health.ts";
import type { RunRepository, StoreHealth } from "../repository/port.ts";

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  tags: ["operations"],
  summary: "Liveness and store status",
  security: [],
  responses: {
    200: {
      description: "The store serves reads and writes (healthy), or reads while writes fail (degraded, with the reason)",
      content: { "application/json": { schema: HealthSchema } },
    },
    503: { description: "The store cannot serve (reason given) or is starting", content: { "application/json": { schema: HealthSchema } } },
  },
});

const ReadySchema = z
  .object({
    status: z.enum(["ready", "not_ready"]).openapi({ example: "ready" }),
    reason: z.string().optional().openapi({ example: "shutting down" }),
  })
  .openapi("Readiness");

const readyRoute = createRoute({
  method: "get",
  path: "/health/ready",
  tags: ["operations"],
  summary: "Readiness: may this instance receive traffic?",
  description:
    "503 until the store is ready (index built, database reachable) and while shutting down. A degraded store (reads work, writes fail) stays ready.",
  security: [],
  responses: {
    200: { description: "Ready for traffic", content: { "application/json": { schema: ReadySchema } } },
    503: { description: "Not ready, with the reason", content: { "application/json": { schema: ReadySchema } } },
  },
});

const RootSchema = z
  .object({
    name: z.string().openapi({ example: "Pipeline Service" }),
    version: z.string().openapi({ example: "1.0.0" }),
    backend: z.string().openapi({ example: "jsonl" }),
    docs: z.string().openapi({ example: "/docs" }),
    openapi: z.string().openapi({ example: "/openapi.json" }),
  })
  .openapi("ServiceInfo");

const rootRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["operations"],
  summary: "What this service is and where its docs are",
  description:
    "API clients (Accept: application/json or */*) get this JSON; browsers, whose Accept prefers text/html, get the web page that /ui always serves.",
  responses: {
    200: {
      description: "Service information",
      content: { "application/json": { schema: RootSchema }, "text/html": { schema: z.string().openapi({ description: "The web page, for browsers" }) } },
    },
  },
});

/** A degraded store still serves reads: taking it out of traffic would fail those too. */
const servesReads = (status: StoreHealth["status"]) => status === "healthy" || status === "degraded";

/** Whether the process is on its way out; readiness turns 503 as soon as it is. */
export interface Lifecycle {
  isShuttingDown(): boolean;
}

export function healthRoutes(repository: RunRepository, version: string, lifecycle: Lifecycle) {
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(healthRoute, async (c) => {
      const h = await repository.health();
      const file = h.kind === "file" ? h : undefined;
      const body = {
        status: h.status,
        backend: repository.backend,
        version,
        ...(h.reason !== undefined ? { reason: h.reason } : {}),
        ...(h.records !== undefined ? { records: h.records } : {}),
        ...(file?.skippedLines !== undefined ? { skipped_lines: file.skippedLines } : {}),
        ...(file?.progress !== undefined ? { progress: file.progress } : {}),
        ...(h.readOnly !== undefined ? { read_only: h.readOnly } : {}),
        ...(h.writeFailures !== undefined ? { write_failures: h.writeFailures } : {}),
        ...(h.lastCompaction
          ? {
              last_compaction: {
                finished_at: h.lastCompaction.finishedAt,
                seconds: h.lastCompaction.seconds,
                removed: h.lastCompaction.removed,
                ...(h.lastCompaction.bytesReclaimed !== undefined ? { bytes_reclaimed: h.lastCompaction.bytesReclaimed } : {}),
              },
            }
          : {}),
      };
      c.header("cache-control", "no-store");
      return servesReads(h.status) ? c.json(body, 200) : c.json(body, 503);
    })
    .openapi(readyRoute, async (c) => {
      c.header("cache-control", "no-store");
      if (lifecycle.isShuttingDown()) return c.json({ status: "not_ready" as const, reason: "shutting down" }, 503);
      const h = await repository.health();
      if (!servesReads(h.status)) return c.json({ status: "not_ready" as const, reason: h.reason ?? h.status }, 503);
      return c.json({ status: "ready" as const }, 200);
    })
    .openapi(rootRoute, (c) => c.json({ name: "Pipeline Service", version, backend: repository.backend, docs: "/docs", openapi: "/openapi.json" }, 200));
}
