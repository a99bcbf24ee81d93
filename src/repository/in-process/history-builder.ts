import type { HistoryBucket, HistorySeries } from "../../domain/pipeline-stats.ts";
import { percentile } from "../../domain/quantile.ts";
import { compareValues } from "../../domain/run-ordering.ts";
import type { TimeBuckets } from "../../domain/time-buckets.ts";

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
    const names = [...this.series.keys()].sort(compareValues);
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
