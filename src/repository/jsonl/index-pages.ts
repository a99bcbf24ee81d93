import { NEWEST_FIRST, type RunOrder } from "../../domain/run-ordering.ts";
import type { Keyset } from "../port.ts";
import { compareKeysets } from "../run-order.ts";
import { PositionHeap } from "./position-heap.ts";
import type { RunIndex, Selection } from "./run-index.ts";

/**
 * Positions of the selected rows in `order`, after `after` (or skipping `offset`), at most
 * `limit`, plus whether more follow; the total when asked. Start order walks the sorted
 * columns; other orders keep the best offset+limit+1 rows in a heap.
 */
export function pageOf(index: RunIndex, s: Selection, opts: { order?: RunOrder; offset?: number; limit: number; after?: Keyset; total?: boolean }) {
  const order = opts.order ?? NEWEST_FIRST;
  const skip = opts.after ? 0 : (opts.offset ?? 0);
  const want = skip + opts.limit + 1;
  const after = opts.after;
  const isAfter = (i: number) => !after || compareKeysets(index.keysetAt(i, order.field), after, order.descending) > 0;
  let kept: number[];
  let total: number | null = null;

  if (order.field === "start_utc" && s.all && !after) {
    // Every row matches: the page is a slice of the sorted columns.
    const positions: number[] = [];
    const from = order.descending ? s.hi - 1 - skip : s.lo + skip;
    for (let k = 0; k <= opts.limit; k++) {
      const i = order.descending ? from - k : from + k;
      if (i < s.lo || i >= s.hi) break;
      positions.push(i);
    }
    const more = positions.length > opts.limit;
    if (more) positions.pop();
    return { total: opts.total === false ? null : s.hi - s.lo, positions, more };
  }
  if (order.field === "start_utc") {
    // Keyset pages in start order start at a binary-searched position of the sorted columns.
    let range = s;
    if (after) {
      const v = after.value as number;
      range = order.descending
        ? { ...s, hi: Math.min(s.hi, index.pairBound(v, after.tie, false)) }
        : { ...s, lo: Math.max(s.lo, index.pairBound(v, after.tie, true)) };
    }
    kept = [];
    if (range.lo < range.hi) {
      index.scan(
        range,
        (i) => {
          kept.push(i);
          return kept.length < want;
        },
        !order.descending,
      );
    }
    total = opts.total === false ? null : index.count(s);
  } else {
    const heap = new PositionHeap(want, (a, b) => compareKeysets(index.keysetAt(a, order.field), index.keysetAt(b, order.field), order.descending));
    let seen = 0;
    index.scan(s, (i) => {
      seen++;
      if (isAfter(i)) heap.offer(i);
    });
    kept = heap.sorted();
    total = seen;
  }
  const rest = kept.slice(skip);
  const positions = rest.slice(0, opts.limit);
  return { total: opts.total === false ? null : total, positions, more: rest.length > positions.length };
}

/** Line references of every selected row in `order`: a snapshot later appends cannot move. */
export function refsOf(index: RunIndex, s: Selection, order: RunOrder = NEWEST_FIRST): { offsets: Float64Array; lengths: Uint32Array } {
  let positions: ArrayLike<number>;
  if (order.field === "start_utc") {
    const list: number[] = [];
    index.scan(s, (i) => void list.push(i), !order.descending);
    positions = list;
  } else {
    const list: number[] = [];
    index.scan(s, (i) => void list.push(i));
    list.sort((a, b) => compareKeysets(index.keysetAt(a, order.field), index.keysetAt(b, order.field), order.descending));
    positions = list;
  }
  const offsets = new Float64Array(positions.length);
  const lengths = new Uint32Array(positions.length);
  for (let k = 0; k < positions.length; k++) {
    const i = positions[k] as number;
    offsets[k] = index.offset[i] as number;
    lengths[k] = index.length[i] as number;
  }
  return { offsets, lengths };
}
