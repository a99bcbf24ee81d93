import { compareValues, type RunOrder } from "../../../domain/run-ordering.ts";
import { BoundedHeap as PositionHeap } from "../../in-process/bounded-heap.ts";
import type { Keyset } from "../../port.ts";
import type { Chunk } from "./chunk.ts";
import type { SortedColumns } from "./columns.ts";
import type { Labels } from "./labels.ts";
import { type Selection, scan } from "./selection.ts";

/** Where a run's line is in the file. */
export interface LineRef {
  offset: number;
  length: number;
}

/** One page of rows: their lines, and the keyset after the last one when more follow. */
export interface IndexPage {
  total: number | null;
  refs: LineRef[];
  next: Keyset | null;
}

export interface PageRequest {
  order: RunOrder;
  offset?: number;
  limit: number;
  after?: Keyset;
  /** Whether to count the selection. */
  total: boolean;
}

/** Reads order values and line references of rows by position. */
export class RowReader {
  constructor(
    private readonly columns: SortedColumns,
    private readonly labels: Labels,
  ) {}

  valueAt(chunk: Chunk, i: number, field: RunOrder["field"]): number | string | null {
    switch (field) {
      case "start_utc":
        return chunk.start[i] as number;
      case "end_utc":
        return chunk.end[i] as number;
      case "elapsed_seconds":
        return chunk.elapsed[i] as number;
      case "rowcount":
        return chunk.rowcount[i] as number;
      case "pipeline_name":
        return this.labels.labelsOf(chunk.group[i] as number)[0];
    }
  }

  keysetAt(position: number, field: RunOrder["field"]): Keyset {
    const chunk = this.columns.chunkAt(position);
    const i = this.columns.rowAt(position);
    return { value: this.valueAt(chunk, i, field), tie: chunk.offset[i] as number };
  }

  /** Orders two rows by `order`'s field, then file offset, as compareKeysets orders their
   * keysets, without building them: a heap or a sort compares rows millions of times. */
  compare(a: number, b: number, order: RunOrder): number {
    const { columns } = this;
    const ca = columns.chunkAt(a);
    const ia = columns.rowAt(a);
    const cb = columns.chunkAt(b);
    const ib = columns.rowAt(b);
    const base = compareValues(this.valueAt(ca, ia, order.field), this.valueAt(cb, ib, order.field)) || (ca.offset[ia] as number) - (cb.offset[ib] as number);
    return order.descending ? -base : base;
  }

  /** Orders row i of a chunk against a keyset, as compare does two rows. */
  compareTo(chunk: Chunk, i: number, keyset: Keyset, order: RunOrder): number {
    const base = compareValues(this.valueAt(chunk, i, order.field), keyset.value) || (chunk.offset[i] as number) - keyset.tie;
    return order.descending ? -base : base;
  }

  ref(position: number): LineRef {
    const chunk = this.columns.chunkAt(position);
    const i = this.columns.rowAt(position);
    return { offset: chunk.offset[i] as number, length: chunk.length[i] as number };
  }
}

/**
 * The selected rows in `order` after `after` (or skipping `offset`), at most `limit`, and the
 * keyset to continue from; the total when asked. Start order walks the sorted chunks from a
 * binary-searched place; other orders keep the best offset+limit+1 rows in a heap.
 */
export function pageOf(columns: SortedColumns, rows: RowReader, s: Selection, req: PageRequest, count: (s: Selection) => number): IndexPage {
  const { order } = req;
  const after = req.after;
  // Rows to pass over before the page; an offset into an unfiltered range needs no scan.
  let skip = after ? 0 : (req.offset ?? 0);
  let kept: number[] = [];
  let total: number | null = null;

  if (order.field === "start_utc") {
    let range = s;
    if (after) {
      const v = after.value as number;
      range = order.descending
        ? { ...s, hi: minCursor(s.hi, columns.pairBound(v, after.tie, false)) }
        : { ...s, lo: maxCursor(s.lo, columns.pairBound(v, after.tie, true)) };
    } else if (s.all && skip > 0) {
      range = order.descending ? { ...s, hi: maxCursor(s.lo, columns.backward(s.hi, skip)) } : { ...s, lo: minCursor(s.hi, columns.forward(s.lo, skip)) };
      skip = 0;
    }
    const want = skip + req.limit + 1;
    scan(
      columns,
      range,
      (_chunk, i, c) => {
        kept.push(columns.position(c, i));
        return kept.length < want;
      },
      !order.descending,
    );
    if (req.total) total = count(s);
  } else {
    const heap = new PositionHeap(skip + req.limit + 1, (a, b) => rows.compare(a, b, order));
    let seen = 0;
    scan(columns, s, (chunk, i, c) => {
      seen++;
      if (after && rows.compareTo(chunk, i, after, order) <= 0) return;
      heap.offer(columns.position(c, i));
    });
    kept = heap.sorted();
    total = seen;
  }
  const rest = kept.slice(skip);
  const positions = rest.slice(0, req.limit);
  const last = positions.at(-1);
  return {
    total: req.total ? total : null,
    refs: positions.map((p) => rows.ref(p)),
    next: rest.length > positions.length && last !== undefined ? rows.keysetAt(last, order.field) : null,
  };
}

/** Line references of every selected row in `order`: a snapshot later inserts cannot move. */
export function refsOf(columns: SortedColumns, rows: RowReader, s: Selection, order: RunOrder): { offsets: Float64Array; lengths: Uint32Array } {
  if (order.field === "start_utc") {
    // Rows come in the answer's order: their line references are copied as the scan finds them.
    let offsets = new Float64Array(1024);
    let lengths = new Uint32Array(1024);
    let n = 0;
    scan(
      columns,
      s,
      (chunk, i) => {
        if (n === offsets.length) {
          offsets = grown(offsets, new Float64Array(n * 2));
          lengths = grown(lengths, new Uint32Array(n * 2));
        }
        offsets[n] = chunk.offset[i] as number;
        lengths[n++] = chunk.length[i] as number;
      },
      !order.descending,
    );
    return { offsets: offsets.subarray(0, n), lengths: lengths.subarray(0, n) };
  }
  const list: number[] = [];
  scan(columns, s, (_chunk, i, c) => void list.push(columns.position(c, i)));
  list.sort((a, b) => rows.compare(a, b, order));
  const offsets = new Float64Array(list.length);
  const lengths = new Uint32Array(list.length);
  for (let k = 0; k < list.length; k++) {
    const ref = rows.ref(list[k] as number);
    offsets[k] = ref.offset;
    lengths[k] = ref.length;
  }
  return { offsets, lengths };
}

function grown<T extends Float64Array | Uint32Array>(values: T, into: T): T {
  into.set(values);
  return into;
}

const minCursor = <T extends { chunk: number; row: number }>(a: T, b: T) => (a.chunk < b.chunk || (a.chunk === b.chunk && a.row <= b.row) ? a : b);
const maxCursor = <T extends { chunk: number; row: number }>(a: T, b: T) => (minCursor(a, b) === a ? b : a);
