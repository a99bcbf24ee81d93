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

/** Keeps the first `size` runs in port order out of a stream, in O(size) memory and
 * O(log size) per run: a binary heap whose root is the worst run kept. */
export class TopRuns {
  private readonly heap: KeyedRun[] = [];
  constructor(private readonly size: number) {}

  offer(k: KeyedRun): void {
    if (this.size <= 0) return;
    const heap = this.heap;
    if (heap.length < this.size) {
      heap.push(k);
      this.up(heap.length - 1);
    } else if (newestFirst(k, heap[0] as KeyedRun) < 0) {
      heap[0] = k;
      this.down(0);
    }
  }

  sorted(): KeyedRun[] {
    return [...this.heap].sort(newestFirst);
  }

  /** True when a comes later in port order than b (worse), so it belongs nearer the root. */
  private worse(a: number, b: number): boolean {
    return newestFirst(this.heap[a] as KeyedRun, this.heap[b] as KeyedRun) > 0;
  }

  private swap(a: number, b: number): void {
    const h = this.heap;
    [h[a], h[b]] = [h[b] as KeyedRun, h[a] as KeyedRun];
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.worse(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < n && this.worse(l, worst)) worst = l;
      if (r < n && this.worse(r, worst)) worst = r;
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }
}

const groupKey = (run: PipelineRun) => JSON.stringify(LABELS.map((label) => run[label]));

interface Group {
  labels: PipelineRun;
  total: number;
  firstMicros: number;
  firstRun: string;
  lastMicros: number;
  lastSeq: number;
  lastRun: string;
  lastDuration: number;
  lastRowcount: number;
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
      g = {
        labels: k.run,
        total: 0,
        firstMicros: Infinity,
        firstRun: k.run.start_utc,
        lastMicros: -Infinity,
        lastSeq: -Infinity,
        lastRun: k.run.start_utc,
        lastDuration: 0,
        lastRowcount: 0,
        durationSum: 0,
        durationCount: 0,
        rowSum: 0,
        rowCount: 0,
      };
      this.groups.set(key, g);
    }
    g.total += 1;
    if (k.startMicros < g.firstMicros) {
      g.firstMicros = k.startMicros;
      g.firstRun = k.run.start_utc;
    }
    if (k.startMicros > g.lastMicros || (k.startMicros === g.lastMicros && k.seq > g.lastSeq)) {
      g.lastMicros = k.startMicros;
      g.lastSeq = k.seq;
      g.lastRun = k.run.start_utc;
      g.lastDuration = k.run.elapsed_seconds;
      g.lastRowcount = k.run.rowcount;
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
        first_run: g.firstRun,
        last_duration: g.lastDuration,
        last_rowcount: g.lastRowcount,
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
