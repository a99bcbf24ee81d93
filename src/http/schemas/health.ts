import { z } from "@hono/zod-openapi";

export const HealthSchema = z
  .object({
    status: z.enum(["healthy", "degraded", "unhealthy", "starting"]).openapi({
      example: "healthy",
      description: "degraded: reads are served but writes fail (reason given); unhealthy: the store serves nothing",
    }),
    backend: z.string().openapi({ example: "jsonl" }),
    version: z.string().openapi({ example: "1.0.0" }),
    reason: z.string().optional().openapi({ description: "Why the store is not healthy" }),
    records: z.int().optional().openapi({ description: "Records served by the store, when cheap to know" }),
    skipped_lines: z.int().optional().openapi({ description: "JSONL lines skipped as unreadable" }),
    progress: z.object({ percent: z.int(), lines: z.int() }).optional().openapi({ description: "While starting: how much of the file is indexed" }),
    read_only: z.string().optional().openapi({ description: "Why this instance does not accept writes, when it does not" }),
    write_failures: z
      .record(z.string(), z.int())
      .optional()
      .openapi({ description: "Failed writes since the start, by cause", example: { ENOSPC: 3 } }),
    last_compaction: z
      .object({
        finished_at: z.string().openapi({ example: "2026-12-02T03:00:00.000Z" }),
        seconds: z.number().openapi({ example: 2.4 }),
        removed: z.int().openapi({ example: 500000 }),
        bytes_reclaimed: z.int().optional().openapi({ description: "JSONL only: how much the file shrank", example: 241000000 }),
      })
      .optional()
      .openapi({ description: "The last deletion this instance carried out (by request or retention)" }),
  })
  .openapi("Health");
