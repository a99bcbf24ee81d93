import type { Chunk } from "./chunk.ts";

/**
 * What a count needs to know of a chunk without reading its rows: the range of each bounded
 * column, so a bound that every row (or no row) passes is decided once for the chunk, and its
 * rows by label group, sorted by rowcount within a group, so a label filter with a rowcount range
 * is two binary searches per allowed group.
 */
export class ChunkSummary {
  constructor(
    /** Rows of the chunk when summarized; a chunk that changed is summarized again. */
    readonly n: number,
    readonly minEnd: number,
    readonly maxEnd: number,
    readonly minElapsed: number,
    readonly maxElapsed: number,
    readonly minLocal: number,
    readonly maxLocal: number,
    /** The groups present, ascending; where each one's rows begin in `rows` (one more at the end). */
    private readonly groups: Uint32Array,
    private readonly starts: Uint32Array,
    /** Row numbers by (group, rowcount). */
    private readonly rows: Uint16Array,
  ) {}

  /** Rows of the allowed groups (null: any) with minRows <= rowcount <= maxRows. */
  count(chunk: Chunk, allowed: Uint8Array | null, minRows: number, maxRows: number): number {
    const { groups, starts, rows } = this;
    const rowcount = chunk.rowcount;
    const unbounded = minRows === -Infinity && maxRows === Infinity;
    let n = 0;
    for (let k = 0; k < groups.length; k++) {
      if (allowed !== null && allowed[groups[k] as number] !== 1) continue;
      const from = starts[k] as number;
      const to = starts[k + 1] as number;
      if (unbounded) {
        n += to - from;
        continue;
      }
      // The first row with rowcount >= minRows, then the first with rowcount > maxRows.
      let a = from;
      let b = to;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if ((rowcount[rows[mid] as number] as number) < minRows) a = mid + 1;
        else b = mid;
      }
      const first = a;
      b = to;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if ((rowcount[rows[mid] as number] as number) <= maxRows) a = mid + 1;
        else b = mid;
      }
      n += a - first;
    }
    return n;
  }
}

/** Rows by group id, reused by every summary (only touched entries are reset). */
let scratch = new Uint32Array(256);

/** The chunk's summary, kept on the chunk until its rows change. */
export function summaryOf(chunk: Chunk): ChunkSummary {
  const cached = chunk.summary;
  if (cached && cached.n === chunk.n) return cached;
  const { n, group, end, elapsed, startLocal, rowcount } = chunk;
  let minEnd = Infinity;
  let maxEnd = -Infinity;
  let minElapsed = Infinity;
  let maxElapsed = -Infinity;
  let minLocal = Infinity;
  let maxLocal = -Infinity;
  const present: number[] = [];
  for (let i = 0; i < n; i++) {
    const e = end[i] as number;
    const d = elapsed[i] as number;
    const l = startLocal[i] as number;
    if (e < minEnd) minEnd = e;
    if (e > maxEnd) maxEnd = e;
    if (d < minElapsed) minElapsed = d;
    if (d > maxElapsed) maxElapsed = d;
    if (l < minLocal) minLocal = l;
    if (l > maxLocal) maxLocal = l;
    const g = group[i] as number;
    if (g >= scratch.length) {
      const grown = new Uint32Array(Math.max(g + 1, scratch.length * 2));
      grown.set(scratch);
      scratch = grown;
    }
    const seen = scratch[g] as number;
    scratch[g] = seen + 1;
    if (seen === 0) present.push(g);
  }
  const groups = Uint32Array.from(present.sort((a, b) => a - b));
  const starts = new Uint32Array(groups.length + 1);
  for (let k = 0; k < groups.length; k++) {
    const g = groups[k] as number;
    starts[k + 1] = (starts[k] as number) + (scratch[g] as number);
    // From here on, the group's next free place in `rows`.
    scratch[g] = starts[k] as number;
  }
  const rows = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const g = group[i] as number;
    const at = scratch[g] as number;
    rows[at] = i;
    scratch[g] = at + 1;
  }
  for (let k = 0; k < groups.length; k++) {
    scratch[groups[k] as number] = 0;
    rows.subarray(starts[k], starts[k + 1]).sort((x, y) => (rowcount[x] as number) - (rowcount[y] as number));
  }
  const summary = new ChunkSummary(n, minEnd, maxEnd, minElapsed, maxElapsed, minLocal, maxLocal, groups, starts, rows);
  chunk.summary = summary;
  return summary;
}
