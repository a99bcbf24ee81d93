import { parseDateTime } from "../domain/datetime.ts";
import { LABELS, type PipelineRun } from "../domain/pipeline-info.ts";
import type { PipelineSummary } from "../domain/statistics.ts";
import type { RunFilter } from "../domain/run-filter.ts";
import { NEWEST_FIRST, type OrderField, type RunOrder, compareValues } from "../domain/run-ordering.ts";
import type { Keyset } from "./port.ts";

/**
 * The reference query logic for stores that hold or stream whole runs (memory, the JSONL scan):
 * matching, ordering, keyset positions. The indexed JSONL store and Oracle are checked against
 * the same contract suite.
 */

/** A run with the keys stores sort and filter by. `seq` grows with storage order. */
export interface KeyedRun {
  run: PipelineRun;
  startMicros: number;
  endMicros: number;
  seq: number;
}

export function keyRun(run: PipelineRun, seq: number, startMicros?: number, endMicros?: number): KeyedRun {
  return {
    run,
    startMicros: startMicros ?? parseDateTime(run.start_utc)?.epochMicros ?? Number.NaN,
    endMicros: endMicros ?? parseDateTime(run.end_utc)?.epochMicros ?? Number.NaN,
    seq,
  };
}

/** The order value of a keyed run (instants as epoch microseconds). */
export function keyedValue(k: KeyedRun, field: OrderField): number | string | null {
  switch (field) {
    case "start_utc":
      return k.startMicros;
    case "end_utc":
      return k.endMicros;
    case "elapsed_seconds":
      return k.run.elapsed_seconds;
    case "rowcount":
      return k.run.rowcount;
    case "pipeline_name":
      return k.run.pipeline_name;
  }
}

/** Compares positions in a listing: order value, then storage order, both in the order's direction. */
export function compareKeysets(a: Keyset, b: Keyset, descending: boolean): number {
  const base = compareValues(a.value, b.value) || a.tie - b.tie;
  return descending ? -base : base;
}

export const keysetOf = (k: KeyedRun, field: OrderField): Keyset => ({ value: keyedValue(k, field), tie: k.seq });

/** A comparator for keyed runs in `order`. */
export function comparator(order: RunOrder = NEWEST_FIRST): (a: KeyedRun, b: KeyedRun) => number {
  const { field, descending } = order;
  return (a, b) => compareKeysets(keysetOf(a, field), keysetOf(b, field), descending);
}

/** A predicate for the filter, with the checks it does not need left out. */
export function matcher(filter: RunFilter): (k: KeyedRun) => boolean {
  const checks: Array<(k: KeyedRun) => boolean> = [];
  const from = filter.startUtcFrom?.epochMicros;
  const to = filter.endUtcTo?.epochMicros;
  if (from !== undefined) checks.push((k) => k.startMicros >= from);
  if (to !== undefined) checks.push((k) => k.endMicros <= to);
  const { minRowcount, maxRowcount, minElapsedSeconds, maxElapsedSeconds, startLocalFrom, startLocalTo } = filter;
  if (minRowcount !== undefined) checks.push((k) => k.run.rowcount >= minRowcount);
  if (maxRowcount !== undefined) checks.push((k) => k.run.rowcount <= maxRowcount);
  if (minElapsedSeconds !== undefined) checks.push((k) => k.run.elapsed_seconds >= minElapsedSeconds);
  if (maxElapsedSeconds !== undefined) checks.push((k) => k.run.elapsed_seconds <= maxElapsedSeconds);
  // Canonical local text ("YYYY-MM-DDTHH:MM:SS[.fff]") orders as the wall clock does.
  if (startLocalFrom !== undefined) checks.push((k) => k.run.start_local >= startLocalFrom);
  if (startLocalTo !== undefined) checks.push((k) => k.run.start_local <= startLocalTo);
  for (const label of LABELS) {
    const wanted = filter.labels?.[label];
    if (wanted === undefined) continue;
    const set = new Set(wanted);
    checks.push((k) => k.run[label] !== null && set.has(k.run[label] as string));
  }
  return (k) => checks.every((check) => check(k));
}

/** Keeps the first `size` runs in a given order out of a stream, in O(size) memory and
 * O(log size) per run: a binary heap whose root is the worst run kept. */
export class TopRuns {
  private readonly heap: KeyedRun[] = [];
  constructor(
    private readonly size: number,
    private readonly compare: (a: KeyedRun, b: KeyedRun) => number,
  ) {}

  offer(k: KeyedRun): void {
    if (this.size <= 0) return;
    const heap = this.heap;
    if (heap.length < this.size) {
      heap.push(k);
      this.up(heap.length - 1);
    } else if (this.compare(k, heap[0] as KeyedRun) < 0) {
      heap[0] = k;
      this.down(0);
    }
  }

  sorted(): KeyedRun[] {
    return [...this.heap].sort(this.compare);
  }

  private worse(a: number, b: number): boolean {
    return this.compare(this.heap[a] as KeyedRun, this.heap[b] as KeyedRun) > 0;
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
