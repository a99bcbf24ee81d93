import { parseDateTime } from "../../domain/datetime.ts";
import type { PipelineRun } from "../../domain/pipeline-info.ts";
import { compareValues, type Keyset, NEWEST_FIRST, type OrderField, type RunOrder } from "../../domain/run-ordering.ts";

/**
 * Ordering for stores that hold or stream whole runs (memory, the JSONL scan): a run's order
 * value and keyset position. The indexed JSONL store compares its positions the same way.
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
