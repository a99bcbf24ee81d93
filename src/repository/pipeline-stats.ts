import { formatUtcMicros } from "../domain/datetime.ts";
import { ExactSum } from "../domain/exact-sum.ts";
import { RecentStarts } from "../domain/lateness.ts";
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
 * Values kept for exact percentiles under a steady stream of additions: a sorted run plus a
 * short unsorted tail. Asking sorts only the tail and finds ranks across both sorted parts by
 * binary search, so a summary asked between writes costs O(tail log tail + log n), not O(n);
 * the tail is merged into the run once it grows past an eighth of it.
 */
export class SortedSample {
  private values = new Float64Array(16);
  private n = 0;
  private sortedN = 0;

  get size(): number {
    return this.n;
  }

  add(v: number): void {
    if (this.n === this.values.length) {
      const grown = new Float64Array(this.n * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = v;
  }

  /** The k-th smallest value (0-based); the sample must not be empty. */
  kth(k: number): number {
    const tail = this.sortTail();
    const head = this.values.subarray(0, this.sortedN);
    return kthOfTwo(head, tail, k);
  }

  /** The q-quantile as PERCENTILE_CONT: linear interpolation between closest ranks. */
  quantile(q: number): number {
    const rank = q * (this.n - 1);
    const lo = Math.floor(rank);
    const a = this.kth(lo);
    return rank === lo ? a : a + (rank - lo) * (this.kth(lo + 1) - a);
  }

  private sortTail(): Float64Array {
    if (this.n - this.sortedN > Math.max(1024, this.sortedN >> 3)) {
      // Merge: sort everything once; typed arrays sort numerically and fast.
      this.values.subarray(0, this.n).sort();
      this.sortedN = this.n;
    }
    return this.values.subarray(this.sortedN, this.n).sort();
  }
}

/** The k-th smallest of the union of two ascending arrays, by binary search over the split. */
function kthOfTwo(a: Float64Array, b: Float64Array, k: number): number {
  if (a.length > b.length) return kthOfTwo(b, a, k);
  // Take i from a and k+1-i from b; find the i where the largest taken is the k-th.
  let lo = Math.max(0, k + 1 - b.length);
  let hi = Math.min(k + 1, a.length);
  while (lo < hi) {
    const i = (lo + hi) >> 1;
    const j = k + 1 - i;
    if ((a[i] as number) < (b[j - 1] as number)) lo = i + 1;
    else hi = i;
  }
  const i = lo;
  const j = k + 1 - i;
  const fromA = i > 0 ? (a[i - 1] as number) : -Infinity;
  const fromB = j > 0 ? (b[j - 1] as number) : -Infinity;
  return Math.max(fromA, fromB);
}

/** Everything a pipeline summary needs, folded in one run at a time. */
export class GroupStats {
  total = 0;
  private firstMicros = Infinity;
  private lastMicros = -Infinity;
  private lastSeq = -Infinity;
  private lastDuration = 0;
  private lastRowcount = 0;
  /** Exact, so the average is the same whatever order the runs arrive in. */
  private readonly durationSum = new ExactSum();
  private durationCount = 0;
  private rowSum = 0;
  private rowCount = 0;
  private readonly durations = new SortedSample();
  private readonly rowcounts = new SortedSample();
  private readonly recentStarts = new RecentStarts();

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
      this.durationSum.add(elapsed);
      this.durationCount += 1;
    }
    if (rowcount > 0) {
      this.rowSum += rowcount;
      this.rowCount += 1;
    }
    this.durations.add(elapsed);
    this.rowcounts.add(rowcount);
    this.recentStarts.add(startMicros);
  }

  get lastStart(): number {
    return this.lastMicros;
  }

  result(): PipelineStats {
    const durations = this.durations;
    const rowcounts = this.rowcounts;
    const last = this.total - 1;
    return {
      pipeline_name: this.labels[0] ?? null,
      script_name: this.labels[1] ?? null,
      pipeline_type: this.labels[2] ?? null,
      environment: this.labels[3] ?? null,
      total_runs: this.total,
      last_run: formatUtcMicros(this.lastMicros),
      avg_duration: this.durationCount ? this.durationSum.value() / this.durationCount : null,
      avg_rowcount: this.rowCount ? this.rowSum / this.rowCount : null,
      first_run: formatUtcMicros(this.firstMicros),
      last_duration: this.lastDuration,
      last_rowcount: this.lastRowcount,
      min_elapsed_seconds: durations.kth(0),
      max_elapsed_seconds: durations.kth(last),
      p50_elapsed_seconds: durations.quantile(0.5),
      p95_elapsed_seconds: durations.quantile(0.95),
      min_rowcount: rowcounts.kth(0),
      max_rowcount: rowcounts.kth(last),
      p50_rowcount: rowcounts.quantile(0.5),
      typical_interval_seconds: this.recentStarts.typicalIntervalSeconds(),
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
