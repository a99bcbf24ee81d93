import { parseDateTime } from "../../../domain/datetime.ts";
import type { RunFilter } from "../../../domain/run-filter.ts";
import type { Chunk } from "./chunk.ts";
import { type Cursor, type SortedColumns, compareCursors } from "./columns.ts";
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

const UNBOUNDED = { endTo: Infinity, minRows: -Infinity, maxRows: Infinity, minElapsed: -Infinity, maxElapsed: Infinity, localFrom: -Infinity, localTo: Infinity };
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
export type Visit = (chunk: Chunk, row: number, chunkNumber: number) => boolean | void;

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

/** How many rows the selection holds. */
export function countSelected(columns: SortedColumns, s: Selection): number {
  if (s.all) return columns.countBetween(s.lo, s.hi);
  return scan(columns, s, null);
}

/** Whether the selection's range is every stored row. */
export function coversAll(columns: SortedColumns, s: Selection): boolean {
  return columns.countBetween(s.lo, s.hi) === columns.size;
}
