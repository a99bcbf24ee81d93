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

/**
 * What a store computes per pipeline: the original summary plus distribution figures. The
 * rowcount_drop and late flags are derived from these by the API (they depend on configuration
 * and, for late, on the clock).
 */
export interface PipelineStats extends PipelineSummary {
  min_elapsed_seconds: number;
  max_elapsed_seconds: number;
  p50_elapsed_seconds: number;
  p95_elapsed_seconds: number;
  min_rowcount: number;
  max_rowcount: number;
  p50_rowcount: number;
  /** Median gap between the recent distinct starts (see lateness.ts); null below two starts. */
  typical_interval_seconds: number | null;
}

export type HistoryBucketSize = "hour" | "day" | "week";

export interface HistoryBucket {
  /** The bucket's start in the caller's zone, with its offset: "2025-08-14T00:00:00-07:00". */
  start: string;
  runs: number;
  total_rows: number;
  p50_elapsed_seconds: number;
}

export interface HistorySeries {
  pipeline_name: string | null;
  /** Oldest bucket first. */
  buckets: HistoryBucket[];
}
