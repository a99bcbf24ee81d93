import { z } from "@hono/zod-openapi";
import { PipelineInfoSchema, SAMPLE_RUN } from "./pipeline-info.ts";

/** Per-pipeline statistics, grouped by the four labels. */
export interface PipelineSummary {
  pipeline_name: string | null;
  script_name: string | null;
  pipeline_type: string | null;
  environment: string | null;
  total_runs: number;
  last_run: string;
  avg_duration: number | null;
  avg_rowcount: number | null;
  /** Earliest start_utc. */
  first_run: string;
  /** elapsed_seconds and rowcount of the last run (latest start; ties: most recently stored). */
  last_duration: number;
  last_rowcount: number;
}

export const PipelineSummarySchema = z
  .object({
    pipeline_name: z.string().nullable().openapi({ example: SAMPLE_RUN.pipeline_name }),
    script_name: z.string().nullable().openapi({ example: SAMPLE_RUN.script_name }),
    pipeline_type: z.string().nullable().openapi({ example: "batch" }),
    environment: z.string().nullable().openapi({ example: "prod" }),
    total_runs: z.int().openapi({ description: "Runs in this group", example: 42 }),
    last_run: z.string().openapi({ description: "Latest start_utc", format: "date-time", example: SAMPLE_RUN.start_utc }),
    avg_duration: z.number().nullable().openapi({ description: "Mean elapsed_seconds over runs with elapsed_seconds > 0", example: 1692.8 }),
    avg_rowcount: z.number().nullable().openapi({ description: "Mean rowcount over runs with rowcount > 0", example: 8543 }),
    first_run: z.string().openapi({ description: "Earliest start_utc", format: "date-time", example: "2025-01-02T05:49:07Z" }),
    last_duration: z.number().openapi({ description: "elapsed_seconds of the last run", example: 1692.8 }),
    last_rowcount: z.int().openapi({ description: "rowcount of the last run", example: 8543 }),
  })
  .openapi("PipelineSummary");

export const PipelineInfoResponseSchema = z
  .object({
    total: z.int().nullable().openapi({ description: "All runs matching the filters (null with include_total=false)", example: 1 }),
    count: z.int().openapi({ description: "Runs in this response", example: 1 }),
    results: z.array(PipelineInfoSchema),
    pipelines: z.array(z.string()).openapi({ description: "Distinct pipeline names in results, sorted", example: [SAMPLE_RUN.pipeline_name as string] }),
    next_cursor: z.string().nullable().optional().openapi({ description: "Pass as cursor for the next page; null on the last page", example: null }),
  })
  .openapi("PipelineInfoResponse");

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
    progress: z
      .object({ percent: z.int(), lines: z.int() })
      .optional()
      .openapi({ description: "While starting: how much of the file is indexed" }),
    read_only: z.string().optional().openapi({ description: "Why this instance does not accept writes, when it does not" }),
    write_failures: z.record(z.string(), z.int()).optional().openapi({ description: "Failed writes since the start, by cause", example: { ENOSPC: 3 } }),
  })
  .openapi("Health");
