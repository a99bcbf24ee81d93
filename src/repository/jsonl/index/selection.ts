import { parseDateTime } from "../../../domain/datetime.ts";
import type { RunFilter } from "../../../domain/run-filter.ts";
import type { Chunk } from "./chunk.ts";
import { summaryOf } from "./chunk-summary.ts";
import { type Cursor, compareCursors, type SortedColumns } from "./columns.ts";
import type { Labels } from "./labels.ts";

/**
 * The rows a filter selects: the places [lo, hi) of the sorted rows its time bounds allow, then
 * per-row bounds, and the allowed label groups (null: any). `all` means every row in the range
 * matches, `labelsOnly` that only the groups filter inside it.
 */
export interface Selection {
  lo: Cursor;
  hi: Cursor;
  all: boolean;
  labelsOnly: boolean;
  groups: Uint8Array | null;
  endTo: number;
  minRows: number;
  maxRows: number;
  minElapsed: number;
  maxElapsed: number;
  localFrom: number;
  localTo: number;
}

const UNBOUNDED = {
  endTo: Infinity,
  minRows: -Infinity,
  maxRows: Infinity,
  minElapsed: -Infinity,
  maxElapsed: Infinity,
  localFrom: -Infinity,
  localTo: Infinity,
};
const NOWHERE: Cursor = { chunk: 0, row: 0 };
const EMPTY: Selection = { lo: NOWHERE, hi: NOWHERE, all: true, labelsOnly: false, groups: null, ...UNBOUNDED };

const local = (text: string | undefined) => (text === undefined ? undefined : parseDateTime(text)?.epochMicros);

/**
 * Selects the rows of `filter`. `minGap` is the smallest end - start of any row: no row ending by
 * endTo can start after endTo - minGap, so an end bound also narrows the range.
 */
export function select(columns: SortedColumns, labels: Labels, filter: RunFilter, minGap: number): Selection {
  const groups = labels.allowedGroups(filter);
  if (groups === "none" || columns.size === 0) return EMPTY;
  const endTo = filter.endUtcTo?.epochMicros ?? Infinity;
  const lo = filter.startUtcFrom ? columns.lowerBound(filter.startUtcFrom.epochMicros) : columns.begin();
  const hi = endTo !== Infinity && Number.isFinite(minGap) ? columns.upperBound(endTo - minGap) : columns.end();
  if (compareCursors(lo, hi) >= 0) return EMPTY;
  const s: Selection = {
    lo,
    hi,
    all: false,
    labelsOnly: false,
    groups,
    endTo,
    minRows: filter.minRowcount ?? -Infinity,
    maxRows: filter.maxRowcount ?? Infinity,
    minElapsed: filter.minElapsedSeconds ?? -Infinity,
    maxElapsed: filter.maxElapsedSeconds ?? Infinity,
    localFrom: local(filter.startLocalFrom) ?? -Infinity,
    localTo: local(filter.startLocalTo) ?? Infinity,
  };
  const unbounded = Object.entries(UNBOUNDED).every(([k, v]) => s[k as keyof typeof UNBOUNDED] === v);
  s.all = unbounded && groups === null;
  s.labelsOnly = unbounded && groups !== null;
  return s;
}

/** Called with each selected row; returning false stops the scan. */
export type Visit = (chunk: Chunk, row: number, chunkNumber: number) => boolean | undefined;

/**
 * Visits the selected rows, newest start first (or oldest first), until `visit` returns false;
 * without `visit` it only counts them. Returns how many rows matched. One monomorphic loop per
 * chunk over its typed columns: the hot path of every filtered query.
 */
export function scan(columns: SortedColumns, s: Selection, visit: Visit | null, ascending = false): number {
  const { groups, endTo, minRows, maxRows, minElapsed, maxElapsed, localFrom, localTo, lo, hi, all } = s;
  // Bounds that do not filter are skipped outright, so their columns are never read: at a
  // million rows the memory traffic, not the comparisons, is what a scan costs.
  const byEnd = endTo !== Infinity;
  const byRows = minRows !== -Infinity || maxRows !== Infinity;
  const byElapsed = minElapsed !== -Infinity || maxElapsed !== Infinity;
  const byLocal = localFrom !== -Infinity || localTo !== Infinity;
  const chunks = columns.chunks;
  const lastChunk = Math.min(hi.chunk, chunks.length - 1);
  let matched = 0;
  for (let k = 0; k <= lastChunk - lo.chunk; k++) {
    const c = ascending ? lo.chunk + k : lastChunk - k;
    const chunk = chunks[c] as Chunk;
    const from = c === lo.chunk ? lo.row : 0;
    const to = c === hi.chunk ? hi.row : chunk.n;
    const { group, end, rowcount, elapsed, startLocal } = chunk;
    const step = ascending ? 1 : -1;
    for (let i = ascending ? from : to - 1; ascending ? i < to : i >= from; i += step) {
      if (!all) {
        // Labels first: one small integer, and usually the most selective test.
        if (groups !== null && groups[group[i] as number] !== 1) continue;
        if (byEnd && (end[i] as number) > endTo) continue;
        if (byRows) {
          const r = rowcount[i] as number;
          if (r < minRows || r > maxRows) continue;
        }
        if (byElapsed) {
          const e = elapsed[i] as number;
          if (e < minElapsed || e > maxElapsed) continue;
        }
        if (byLocal) {
          const t = startLocal[i] as number;
          if (t < localFrom || t > localTo) continue;
        }
      }
      matched++;
      if (visit !== null && visit(chunk, i, c) === false) return matched;
    }
  }
  return matched;
}

/**
 * How many rows the selection holds. A chunk wholly inside the range is decided from its summary
 * (chunk-summary.ts) where it can be: bounds every row passes are dropped, a bound no row passes
 * makes it 0, and labels with a rowcount range read only the allowed groups' rowcounts. Other
 * rows are counted by adding each row's test result instead of branching on it: bounds that pass
 * about half the rows mispredict a branch per row, which cost more than the memory reads (3-4x
 * at 1M rows).
 */
export function countSelected(columns: SortedColumns, s: Selection): number {
  if (s.all) return columns.countBetween(s.lo, s.hi);
  const { lo, hi } = s;
  const chunks = columns.chunks;
  const lastChunk = Math.min(hi.chunk, chunks.length - 1);
  let n = 0;
  for (let c = lo.chunk; c <= lastChunk; c++) {
    const chunk = chunks[c] as Chunk;
    const from = c === lo.chunk ? lo.row : 0;
    const to = c === hi.chunk ? hi.row : chunk.n;
    if (from >= to) continue;
    n += from === 0 && to === chunk.n ? countChunk(chunk, s) : countRows(chunk, from, to, s);
  }
  return n;
}

/** Rows of a whole chunk that pass the selection's tests. */
function countChunk(chunk: Chunk, s: Selection): number {
  const sum = summaryOf(chunk);
  // Each bound: 1 when every row passes it, 0 when none does, -1 when rows must be read.
  const decide = (min: number, max: number, lo: number, hi: number) => (min >= lo && max <= hi ? 1 : max < lo || min > hi ? 0 : -1);
  const byEnd = decide(sum.minEnd, sum.maxEnd, -Infinity, s.endTo);
  const byElapsed = decide(sum.minElapsed, sum.maxElapsed, s.minElapsed, s.maxElapsed);
  const byLocal = decide(sum.minLocal, sum.maxLocal, s.localFrom, s.localTo);
  if (byEnd === 0 || byElapsed === 0 || byLocal === 0) return 0;
  if (byEnd === 1 && byElapsed === 1 && byLocal === 1) return sum.count(s.groups, s.minRows, s.maxRows);
  return countRows(chunk, 0, chunk.n, s);
}

/** Rows [from, to) of a chunk that pass the selection's tests. */
function countRows(chunk: Chunk, from: number, to: number, s: Selection): number {
  const { groups, endTo, minRows, maxRows, minElapsed, maxElapsed, localFrom, localTo } = s;
  // Bounds that do not filter are left out (these branches always go the same way), so their
  // columns are never read.
  const byEnd = endTo !== Infinity;
  const byRows = minRows !== -Infinity || maxRows !== Infinity;
  const byElapsed = minElapsed !== -Infinity || maxElapsed !== Infinity;
  const byLocal = localFrom !== -Infinity || localTo !== Infinity;
  const { group, end, rowcount, elapsed, startLocal } = chunk;
  let n = 0;
  for (let i = from; i < to; i++) {
    // `| 0`: a group the table does not know (none should be) counts as not allowed.
    let ok = groups === null ? 1 : (groups[group[i] as number] as number) | 0;
    if (byEnd) ok &= +((end[i] as number) <= endTo);
    if (byRows) {
      const r = rowcount[i] as number;
      ok &= +(r >= minRows) & +(r <= maxRows);
    }
    if (byElapsed) {
      const e = elapsed[i] as number;
      ok &= +(e >= minElapsed) & +(e <= maxElapsed);
    }
    if (byLocal) {
      const t = startLocal[i] as number;
      ok &= +(t >= localFrom) & +(t <= localTo);
    }
    n += ok;
  }
  return n;
}

/** Whether the selection's range is every stored row. */
export function coversAll(columns: SortedColumns, s: Selection): boolean {
  return columns.countBetween(s.lo, s.hi) === columns.size;
}
