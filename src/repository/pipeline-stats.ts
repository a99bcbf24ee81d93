import { formatUtcMicros } from "../domain/datetime.ts";
import type { HistoryBucket, HistorySeries, PipelineStats } from "../domain/statistics.ts";
import { percentile } from "../domain/statistics.ts";
import type { TimeBuckets } from "../domain/time-buckets.ts";
import { compareLabels } from "./run-order.ts";

/** A run as the statistics see it. `seq` is the storage order (breaks ties for "last run"). */
export interface StatsRow {
  startMicros: number;
  seq: number;
  elapsed: number;
  rowcount: number;
}

/**
 * Values kept for exact percentiles: new values are appended unsorted and merged into the sorted
 * part only when asked, so adding stays O(1) and asking again after a few additions is O(n).
 */
export class SortedSample {
  private values = new Float64Array(16);
  private n = 0;
  private sortedN = 0;

  add(v: number): void {
    if (this.n === this.values.length) {
      const grown = new Float64Array(this.n * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = v;
  }

  sorted(): Float64Array {
    if (this.sortedN < this.n) {
      const tail = this.values.slice(this.sortedN, this.n).sort();
      const merged = new Float64Array(this.values.length);
      let i = 0;
      let j = 0;
      let k = 0;
      while (i < this.sortedN && j < tail.length) merged[k++] = (this.values[i] as number) <= (tail[j] as number) ? (this.values[i++] as number) : (tail[j++] as number);
      while (i < this.sortedN) merged[k++] = this.values[i++] as number;
      while (j < tail.length) merged[k++] = tail[j++] as number;
      this.values = merged;
      this.sortedN = this.n;
    }
    return this.values.subarray(0, this.n);
  }
}

/** Everything a pipeline summary needs, folded in one run at a time. */
export class GroupStats {
  total = 0;
  private firstMicros = Infinity;
  private lastMicros = -Infinity;
  private lastSeq = -Infinity;
  private lastDuration = 0;
  private lastRowcount = 0;
  private durationSum = 0;
  private durationCount = 0;
  private rowSum = 0;
  private rowCount = 0;
  private readonly durations = new SortedSample();
  private readonly rowcounts = new SortedSample();

  constructor(readonly labels: readonly (string | null)[]) {}

  add(row: StatsRow): void {
    this.addValues(row.startMicros, row.seq, row.elapsed, row.rowcount);
  }

  /** The same as add, without an object per run (index builds call it a million times). */
  addValues(startMicros: number, seq: number, elapsed: number, rowcount: number): void {
    this.total += 1;
    if (startMicros < this.firstMicros) this.firstMicros = startMicros;
    if (startMicros > this.lastMicros || (startMicros === this.lastMicros && seq > this.lastSeq)) {
      this.lastMicros = startMicros;
      this.lastSeq = seq;
      this.lastDuration = elapsed;
      this.lastRowcount = rowcount;
    }
    if (elapsed > 0) {
      this.durationSum += elapsed;
      this.durationCount += 1;
    }
    if (rowcount > 0) {
      this.rowSum += rowcount;
      this.rowCount += 1;
    }
    this.durations.add(elapsed);
    this.rowcounts.add(rowcount);
  }

  get lastStart(): number {
    return this.lastMicros;
  }

  result(): PipelineStats {
    const durations = this.durations.sorted();
    const rowcounts = this.rowcounts.sorted();
    return {
      pipeline_name: this.labels[0] ?? null,
      script_name: this.labels[1] ?? null,
      pipeline_type: this.labels[2] ?? null,
      environment: this.labels[3] ?? null,
      total_runs: this.total,
      last_run: formatUtcMicros(this.lastMicros),
      avg_duration: this.durationCount ? this.durationSum / this.durationCount : null,
      avg_rowcount: this.rowCount ? this.rowSum / this.rowCount : null,
      first_run: formatUtcMicros(this.firstMicros),
      last_duration: this.lastDuration,
      last_rowcount: this.lastRowcount,
      min_elapsed_seconds: durations[0] as number,
      max_elapsed_seconds: durations[durations.length - 1] as number,
      p50_elapsed_seconds: percentile(durations, 0.5),
      p95_elapsed_seconds: percentile(durations, 0.95),
      min_rowcount: rowcounts[0] as number,
      max_rowcount: rowcounts[rowcounts.length - 1] as number,
      p50_rowcount: percentile(rowcounts, 0.5),
    };
  }
}

/** Summaries of non-empty groups in the port's order: newest last run first, then labels. */
export function rankGroups(groups: Iterable<GroupStats>): PipelineStats[] {
  const rows = [...groups].filter((g) => g.total > 0).map((g) => ({ last: g.lastStart, stats: g.result() }));
  rows.sort((a, b) => b.last - a.last || compareLabels(a.stats, b.stats));
  return rows.map((r) => r.stats);
}

/** Groups by the four labels as runs arrive, for stores without an index of their own. */
export class StatsBuilder {
  private readonly groups = new Map<string, GroupStats>();

  add(labels: readonly (string | null)[], row: StatsRow): void {
    const key = JSON.stringify(labels);
    let g = this.groups.get(key);
    if (!g) {
      g = new GroupStats(labels);
      this.groups.set(key, g);
    }
    g.add(row);
  }

  results(): PipelineStats[] {
    return rankGroups(this.groups.values());
  }
}

/** Runs per pipeline and time bucket. */
export class HistoryBuilder {
  private readonly series = new Map<string | null, Map<number, { runs: number; rows: number; durations: number[] }>>();

  constructor(private readonly buckets: TimeBuckets) {}

  add(pipelineName: string | null, startMicros: number, elapsed: number, rowcount: number): void {
    let byBucket = this.series.get(pipelineName);
    if (!byBucket) {
      byBucket = new Map();
      this.series.set(pipelineName, byBucket);
    }
    const bucket = this.buckets.bucketOf(Math.floor(startMicros / 1000));
    let b = byBucket.get(bucket);
    if (!b) {
      b = { runs: 0, rows: 0, durations: [] };
      byBucket.set(bucket, b);
    }
    b.runs += 1;
    b.rows += rowcount;
    b.durations.push(elapsed);
  }

  results(): HistorySeries[] {
    const names = [...this.series.keys()].sort((a, b) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1));
    return names.map((name) => {
      const byBucket = this.series.get(name) as Map<number, { runs: number; rows: number; durations: number[] }>;
      const buckets: HistoryBucket[] = [...byBucket.entries()]
        .sort(([a], [b]) => a - b)
        .map(([start, b]) => ({
          start: this.buckets.label(start),
          runs: b.runs,
          total_rows: b.rows,
          p50_elapsed_seconds: percentile(Float64Array.from(b.durations).sort(), 0.5),
        }));
      return { pipeline_name: name, buckets };
    });
  }
}
