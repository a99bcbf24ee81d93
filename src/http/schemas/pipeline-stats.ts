import { z } from "@hono/zod-openapi";
import { SAMPLE_RUN } from "../../domain/pipeline-info.ts";

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

export const PipelineStatsSchema = PipelineSummarySchema.extend({
  min_elapsed_seconds: z.number().openapi({ example: 1200.5 }),
  max_elapsed_seconds: z.number().openapi({ example: 2401 }),
  p50_elapsed_seconds: z.number().openapi({ description: "Median elapsed_seconds (PERCENTILE_CONT)", example: 1692.8 }),
  p95_elapsed_seconds: z.number().openapi({ example: 2300 }),
  min_rowcount: z.int().openapi({ example: 0 }),
  max_rowcount: z.int().openapi({ example: 9100 }),
  p50_rowcount: z.number().openapi({ description: "Median rowcount", example: 8500 }),
  rowcount_drop: z.boolean().openapi({
    description: "The last run's rowcount is below PIPELINE_ROWCOUNT_DROP_FRACTION (default 0.5) of the median: a silent volume drop",
    example: false,
  }),
  typical_interval_seconds: z
    .number()
    .nullable()
    .openapi({ description: "Median gap between the newest 21 distinct starts; null with fewer than two", example: 86400 }),
  late: z.boolean().openapi({ description: "The last start is older than PIPELINE_LATE_FACTOR (default 2) typical intervals: an overdue run", example: false }),
}).openapi("PipelineStats");

export const PipelineStatsResponseSchema = z.object({ pipelines: z.array(PipelineStatsSchema) }).openapi("PipelineStatsResponse");

export const HistoryResponseSchema = z
  .object({
    bucket: z.enum(["hour", "day", "week"]),
    tz: z.string().openapi({ example: "America/Los_Angeles" }),
    pipelines: z.array(
      z.object({
        pipeline_name: z.string().nullable().openapi({ example: SAMPLE_RUN.pipeline_name }),
        buckets: z.array(
          z.object({
            start: z.string().openapi({ description: "Bucket start in tz, with its offset", example: "2025-08-14T00:00:00-07:00" }),
            runs: z.int().openapi({ example: 24 }),
            total_rows: z.number().openapi({ example: 204000 }),
            p50_elapsed_seconds: z.number().openapi({ example: 1692.8 }),
          }),
        ),
      }),
    ),
  })
  .openapi("PipelineHistory");
