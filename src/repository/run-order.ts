import { parseDateTime } from "../domain/datetime.ts";
import { LABELS, type PipelineRun } from "../domain/pipeline-info.ts";
import type { PipelineSummary } from "../domain/responses.ts";
import type { RunFilter } from "../domain/run-query.ts";

/** A run with the keys stores sort and filter by. `seq` grows with storage order. */
export interface KeyedRun {
  run: PipelineRun;
  startMicros: number;
  endMicros: number;
  seq: number;
}

export function keyRun(run: PipelineRun, seq: number): KeyedRun {
  return {
    run,
    startMicros: parseDateTime(run.start_utc)?.epochMicros ?? Number.NaN,
    endMicros: parseDateTime(run.end_utc)?.epochMicros ?? Number.NaN,
    seq,
  };
}

/** The port's order: start_utc newest first, then most recently stored first. */
export function newestFirst(a: KeyedRun, b: KeyedRun): number {
  return b.startMicros - a.startMicros || b.seq - a.seq;
}

/** A predicate for the filter, with the checks it does not need left out. */
export function matcher(filter: RunFilter): (k: KeyedRun) => boolean {
  const checks: Array<(k: KeyedRun) => boolean> = [];
  const from = filter.startUtcFrom?.epochMicros;
  const to = filter.endUtcTo?.epochMicros;
  if (from !== undefined) checks.push((k) => k.startMicros >= from);
  if (to !== undefined) checks.push((k) => k.endMicros <= to);
  const { minRowcount: min, maxRowcount: max } = filter;
  if (min !== undefined) checks.push((k) => k.run.rowcount >= min);
  if (max !== undefined) checks.push((k) => k.run.rowcount <= max);
  for (const label of LABELS) {
    const wanted = filter.labels?.[label];
    if (wanted !== undefined) checks.push((k) => k.run[label] === wanted);
  }
  return (k) => checks.every((check) => check(k));
}

/** Keeps the first `size` runs in port order out of a stream, in O(size) memory. */
export class TopRuns {
  private readonly kept: KeyedRun[] = [];
  constructor(private readonly size: number) {}

  offer(k: KeyedRun): void {
    if (this.size <= 0) return;
    const kept = this.kept;
    if (kept.length === this.size && newestFirst(k, kept[kept.length - 1] as KeyedRun) >= 0) return;
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (newestFirst(kept[mid] as KeyedRun, k) <= 0) lo = mid + 1;
      else hi = mid;
    }
    kept.splice(lo, 0, k);
    if (kept.length > this.size) kept.pop();
  }

  sorted(): KeyedRun[] {
    return this.kept;
  }
}

const groupKey = (run: PipelineRun) => JSON.stringify(LABELS.map((label) => run[label]));

interface Group {
  labels: PipelineRun;
  total: number;
  lastMicros: number;
  lastRun: string;
  durationSum: number;
  durationCount: number;
  rowSum: number;
  rowCount: number;
}

/** Folds runs into per-pipeline summaries in memory proportional to the number of groups. */
export class SummaryBuilder {
  private readonly groups = new Map<string, Group>();

  add(k: KeyedRun): void {
    const key = groupKey(k.run);
    let g = this.groups.get(key);
    if (!g) {
      g = { labels: k.run, total: 0, lastMicros: -Infinity, lastRun: k.run.start_utc, durationSum: 0, durationCount: 0, rowSum: 0, rowCount: 0 };
      this.groups.set(key, g);
    }
    g.total += 1;
    if (k.startMicros > g.lastMicros) {
      g.lastMicros = k.startMicros;
      g.lastRun = k.run.start_utc;
    }
    if (k.run.elapsed_seconds > 0) {
      g.durationSum += k.run.elapsed_seconds;
      g.durationCount += 1;
    }
    if (k.run.rowcount > 0) {
      g.rowSum += k.run.rowcount;
      g.rowCount += 1;
    }
  }

  summaries(): PipelineSummary[] {
    const rows = [...this.groups.values()].map((g) => ({
      micros: g.lastMicros,
      summary: {
        pipeline_name: g.labels.pipeline_name,
        script_name: g.labels.script_name,
        pipeline_type: g.labels.pipeline_type,
        environment: g.labels.environment,
        total_runs: g.total,
        last_run: g.lastRun,
        avg_duration: g.durationCount ? g.durationSum / g.durationCount : null,
        avg_rowcount: g.rowCount ? g.rowSum / g.rowCount : null,
      },
    }));
    rows.sort((a, b) => b.micros - a.micros || compareLabels(a.summary, b.summary));
    return rows.map((r) => r.summary);
  }
}

/** Label order for ties: nulls first, then by code unit, label by label. */
export function compareLabels(a: Pick<PipelineSummary, (typeof LABELS)[number]>, b: typeof a): number {
  for (const label of LABELS) {
    const x = a[label];
    const y = b[label];
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
