import { APP_DEFAULTS } from "../app-defaults.ts";
import type { PipelineSummary } from "../domain/pipeline-stats.ts";
import type { StoreHealth } from "../repository/port.ts";
import { Counter, Gauge, Histogram, Registry } from "./metrics-registry.ts";

/** A summary with the late verdict of GET /pipelines. */
export interface FlaggedSummary extends PipelineSummary {
  typical_interval_seconds: number | null;
  late: boolean;
}

/** What the per-scrape gauges read; refreshed by GET /metrics before it renders. */
export interface ScrapeSnapshot {
  health: StoreHealth | null;
  summaries: FlaggedSummary[];
}

export type ServiceMetrics = ReturnType<typeof createServiceMetrics>;

/**
 * Every metric the service exposes. Label values are bounded: routes are the route patterns
 * (unknown paths count as "unmatched"), and per-pipeline series are capped at `maxPipelines`,
 * keeping the most recently run pipelines.
 */
export function createServiceMetrics(backend: string, maxPipelines: number = APP_DEFAULTS.metricsMaxPipelines) {
  const registry = new Registry();
  const requests = registry.register(new Counter("http_requests_total", "HTTP requests by route, method and status."));
  const latency = registry.register(new Histogram("http_request_duration_seconds", "HTTP request latency by route, until the response starts."));
  const storeLatency = registry.register(new Histogram("pipeline_store_operation_duration_seconds", "Latency of store operations by operation."));
  const accepted = registry.register(
    new Counter("pipeline_posts_accepted_total", "Runs accepted by POST (stored, or already stored), batch records included."),
  );
  const rejected = registry.register(new Counter("pipeline_posts_rejected_total", 'Runs rejected by POST, by HTTP status ("batch" for records of a batch).'));
  const deleted = registry.register(new Counter("pipeline_runs_deleted_total", 'Runs removed, by reason: "request" (DELETE /pipelines/runs) or "retention".'));
  let snapshot: ScrapeSnapshot = { health: null, summaries: [] };

  registry.register(
    new Gauge("pipeline_store_up", "1 when the store is healthy, 0 otherwise.", () => [
      { labels: { backend }, value: snapshot.health?.status === "healthy" ? 1 : 0 },
    ]),
  );
  registry.register(
    new Gauge("pipeline_store_degraded", "1 when the store serves reads but its writes fail, 0 otherwise.", () => [
      { labels: { backend }, value: snapshot.health?.status === "degraded" ? 1 : 0 },
    ]),
  );
  registry.register(
    new Gauge(
      "pipeline_store_write_failures_total",
      "Store writes that failed, by cause (an errno such as ENOSPC, LOCK_LOST, or a database error code).",
      () => Object.entries(snapshot.health?.writeFailures ?? {}).map(([cause, value]) => ({ labels: { backend, cause }, value })),
      "counter",
    ),
  );
  registry.register(
    new Gauge("pipeline_store_records", "Runs the store serves, when it knows without a scan.", () =>
      snapshot.health?.records === undefined ? [] : [{ labels: { backend }, value: snapshot.health.records }],
    ),
  );
  registry.register(
    new Gauge("pipeline_jsonl_skipped_lines", "JSONL lines skipped as unreadable.", () => {
      const health = snapshot.health;
      return health?.kind === "file" && health.skippedLines !== undefined ? [{ value: health.skippedLines }] : [];
    }),
  );

  const compaction = () => snapshot.health?.lastCompaction;
  registry.register(
    new Gauge(
      "pipeline_store_last_compaction_timestamp_seconds",
      "When this instance's last deletion finished (JSONL: the file rewrite), Unix seconds.",
      () => {
        const last = compaction();
        return last ? [{ labels: { backend }, value: Date.parse(last.finishedAt) / 1000 }] : [];
      },
    ),
  );
  registry.register(
    new Gauge("pipeline_store_last_compaction_duration_seconds", "How long this instance's last deletion took.", () => {
      const last = compaction();
      return last ? [{ labels: { backend }, value: last.seconds }] : [];
    }),
  );
  registry.register(
    new Gauge("pipeline_store_last_compaction_reclaimed_bytes", "Bytes the JSONL file shrank by in the last deletion.", () => {
      const bytes = compaction()?.bytesReclaimed;
      return bytes === undefined ? [] : [{ labels: { backend }, value: bytes }];
    }),
  );

  const pipelineSeries = () => perPipeline(snapshot.summaries, maxPipelines);
  const gauge = (name: string, help: string, pick: (p: PipelineSeries) => number) =>
    registry.register(new Gauge(name, help, () => pipelineSeries().kept.map((p) => ({ labels: p.labels, value: pick(p) }))));
  gauge("pipeline_last_run_start_timestamp_seconds", "Start of the pipeline's last run, Unix seconds.", (p) => p.lastStart);
  gauge("pipeline_last_run_duration_seconds", "elapsed_seconds of the pipeline's last run.", (p) => p.lastDuration);
  gauge("pipeline_last_run_rowcount", "rowcount of the pipeline's last run.", (p) => p.lastRowcount);
  gauge("pipeline_runs", "Runs stored for the pipeline.", (p) => p.runs);
  gauge("pipeline_late", "1 when the pipeline's last start is older than PIPELINE_LATE_FACTOR typical intervals, else 0.", (p) => (p.late ? 1 : 0));
  registry.register(
    new Gauge("pipeline_typical_interval_seconds", "Median gap between the pipeline's recent starts.", () =>
      pipelineSeries().kept.flatMap((p) => (p.interval === null ? [] : [{ labels: p.labels, value: p.interval }])),
    ),
  );
  registry.register(
    new Gauge("pipeline_metrics_pipelines_dropped", `Pipeline series left out beyond the cap of ${maxPipelines}.`, () => [{ value: pipelineSeries().dropped }]),
  );

  return {
    registry,
    requests,
    latency,
    storeLatency,
    accepted,
    rejected,
    deleted,
    setSnapshot(next: ScrapeSnapshot) {
      snapshot = next;
    },
  };
}

interface PipelineSeries {
  labels: { pipeline_name: string; environment: string };
  lastStart: number;
  lastDuration: number;
  lastRowcount: number;
  runs: number;
  late: boolean;
  interval: number | null;
}

/** Folds summaries (grouped by four labels) into series by pipeline_name and environment; the
 * newest group's last run and late verdict speak for the series (a renamed script's old group
 * must not keep it late). */
function perPipeline(summaries: readonly FlaggedSummary[], cap: number): { kept: PipelineSeries[]; dropped: number } {
  const series = new Map<string, PipelineSeries>();
  for (const s of summaries) {
    const labels = { pipeline_name: s.pipeline_name ?? "", environment: s.environment ?? "" };
    const key = JSON.stringify(labels);
    const lastStart = Date.parse(s.last_run) / 1000;
    const existing = series.get(key);
    const last = { lastStart, lastDuration: s.last_duration, lastRowcount: s.last_rowcount, late: s.late, interval: s.typical_interval_seconds };
    if (!existing) {
      series.set(key, { labels, runs: s.total_runs, ...last });
      continue;
    }
    existing.runs += s.total_runs;
    if (lastStart > existing.lastStart) Object.assign(existing, last);
  }
  const all = [...series.values()].sort((a, b) => b.lastStart - a.lastStart);
  return { kept: all.slice(0, cap), dropped: Math.max(0, all.length - cap) };
}
