import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { isLate } from "../domain/lateness.ts";
import type { PipelineStats } from "../domain/pipeline-stats.ts";
import { problemResponse, validationHook } from "../http/problem.ts";
import { toRunFilter } from "../http/schemas/filter-query.ts";
import { HistoryResponseSchema, PipelineStatsResponseSchema } from "../http/schemas/pipeline-stats.ts";
import { HistoryQuerySchema, SummaryQuerySchema } from "../http/schemas/pipeline-stats-query.ts";
import type { RunRepository } from "../repository/port.ts";
import { guarded, notModified, unavailable } from "./responses.ts";

const listPipelinesRoute = createRoute({
  method: "get",
  path: "/pipelines",
  tags: ["pipelines"],
  summary: "Statistics per pipeline",
  description:
    "One entry per (pipeline_name, script_name, pipeline_type, environment), newest last_run first, over the runs " +
    "matching the same filters as /get_pipeline_info. Averages leave out runs with zero or negative values and are " +
    "null when none remain; percentiles are exact (linear interpolation, as PERCENTILE_CONT). rowcount_drop flags a " +
    "last run whose rowcount fell below a fraction of the pipeline's median. typical_interval_seconds is the median gap " +
    "between the pipeline's newest 21 distinct starts; late flags a pipeline whose last start is older than " +
    "PIPELINE_LATE_FACTOR (default 2) typical intervals.",
  request: { query: SummaryQuerySchema },
  responses: {
    200: { description: "Pipeline statistics, with an ETag", content: { "application/json": { schema: PipelineStatsResponseSchema } } },
    ...notModified,
    422: problemResponse("A filter is out of range or of the wrong type"),
    ...guarded,
    503: unavailable,
  },
});

const historyRoute = createRoute({
  method: "get",
  path: "/pipelines/history",
  tags: ["pipelines"],
  summary: "Runs per time bucket per pipeline",
  description:
    "Count, total rows and median duration of the matching runs per pipeline_name and hour, day or ISO week, cut in the caller's time zone. Empty buckets are left out.",
  request: { query: HistoryQuerySchema },
  responses: {
    200: { description: "Buckets, oldest first, with an ETag", content: { "application/json": { schema: HistoryResponseSchema } } },
    ...notModified,
    422: problemResponse("A filter, the bucket or the time zone is invalid"),
    ...guarded,
    503: unavailable,
  },
});

/** How the health flags of /pipelines are set; `now` is the clock (epoch ms) late is judged by. */
export interface HealthFlagOptions {
  rowcountDropFraction: number;
  lateFactor: number;
  now: () => number;
}

/** rowcount_drop: the last run's rowcount below `fraction` of the pipeline's median rowcount;
 * late: the last start older than `lateFactor` typical intervals. */
export const withHealthFlags = (stats: PipelineStats, options: HealthFlagOptions, nowMs = options.now()) => ({
  ...stats,
  rowcount_drop: stats.last_rowcount < options.rowcountDropFraction * stats.p50_rowcount,
  late: isLate(Date.parse(stats.last_run), stats.typical_interval_seconds, nowMs, options.lateFactor),
});

export function pipelinesRoutes(repository: RunRepository, options: HealthFlagOptions) {
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(listPipelinesRoute, async (c) => {
      const stats = await repository.summarizePipelines(toRunFilter(c.req.valid("query")));
      const now = options.now();
      return c.json({ pipelines: stats.map((s) => withHealthFlags(s, options, now)) }, 200);
    })
    .openapi(historyRoute, async (c) => {
      const query = c.req.valid("query");
      const pipelines = await repository.runHistory(toRunFilter(query), query.bucket, query.tz);
      return c.json({ bucket: query.bucket, tz: query.tz, pipelines }, 200);
    });
}
