import { formatUtcMicros } from "../../domain/datetime.ts";
import { ExactSum } from "../../domain/exact-sum.ts";
import { RecentStarts } from "../../domain/lateness.ts";
import type { PipelineStats } from "../../domain/pipeline-stats.ts";
import { compareLabels } from "../../domain/run-ordering.ts";
import { SortedSample } from "./sorted-sample.ts";

/** A run as the statistics see it. `seq` is the storage order (breaks ties for "last run"). */
export interface RunFigures {
  startMicros: number;
  seq: number;
  elapsed: number;
  rowcount: number;
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

  add(row: RunFigures): void {
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

  /** Gives back the samples' room for growth (see SortedSample.trim). */
  trim(): void {
    this.durations.trim();
    this.rowcounts.trim();
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

  add(labels: readonly (string | null)[], row: RunFigures): void {
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
