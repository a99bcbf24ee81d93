/**
 * Late detection from the runs alone, without a schedule: a pipeline's typical interval is the
 * median gap between its recent starts, and it is late when its last start is older than a
 * multiple of that interval.
 */

/** How many of the newest distinct starts the typical interval looks at (gives up to 20 gaps). */
export const RECENT_STARTS = 21;

/**
 * The median gap in seconds between consecutive distinct starts (epoch microseconds, any order,
 * duplicates allowed). Only the newest RECENT_STARTS distinct starts count, so a changed
 * schedule shows within a few runs. Null with fewer than two distinct starts.
 */
export function typicalIntervalSeconds(startsMicros: Iterable<number>): number | null {
  const distinct = [...new Set(startsMicros)].sort((a, b) => a - b).slice(-RECENT_STARTS);
  if (distinct.length < 2) return null;
  const gaps = distinct
    .slice(1)
    .map((s, i) => s - (distinct[i] as number))
    .sort((a, b) => a - b);
  const mid = gaps.length >> 1;
  const median = gaps.length % 2 ? (gaps[mid] as number) : ((gaps[mid - 1] as number) + (gaps[mid] as number)) / 2;
  return median / 1e6;
}

/** Late: more than `factor` typical intervals have passed since the last start. Never late
 * without a typical interval. */
export function isLate(lastStartMs: number, typicalSeconds: number | null, nowMs: number, factor: number): boolean {
  return typicalSeconds !== null && typicalSeconds > 0 && nowMs - lastStartMs > factor * typicalSeconds * 1000;
}

/**
 * The newest distinct starts of one pipeline, kept as runs arrive in any order: an ascending
 * array of at most RECENT_STARTS values. Runs that arrive in time order cost one comparison and
 * a short shift each; older ones one comparison.
 */
export class RecentStarts {
  private readonly values = new Float64Array(RECENT_STARTS);
  private n = 0;

  add(micros: number): void {
    const v = this.values;
    if (this.n === RECENT_STARTS && micros <= (v[0] as number)) return;
    let i = this.n - 1;
    while (i >= 0 && (v[i] as number) > micros) i--;
    if (i >= 0 && v[i] === micros) return;
    if (this.n < RECENT_STARTS) {
      v.copyWithin(i + 2, i + 1, this.n);
      v[i + 1] = micros;
      this.n++;
    } else {
      v.copyWithin(0, 1, i + 1);
      v[i] = micros;
    }
  }

  typicalIntervalSeconds(): number | null {
    return typicalIntervalSeconds(this.values.subarray(0, this.n));
  }
}
