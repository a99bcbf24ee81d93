import { CHUNK_ROWS, Chunk, COLUMNS, type Column, type ColumnName, type RowValues } from "./chunk.ts";

const CHUNK_BITS = Math.log2(CHUNK_ROWS);
const CHUNK_MASK = CHUNK_ROWS - 1;

import type { Steps } from "./stable-order.ts";

/** A place between rows: before row `row` of chunk `chunk` (chunk === count: the end). */
export interface Cursor {
  chunk: number;
  row: number;
}

/** Rows as plain columns: a Chunk's data, as it arrives from another thread. */
export type RowColumns = Pick<Chunk, "n" | ColumnName>;

/** Rows waiting to be merged, in file order (so in offset order), in full chunks but the last. */
export class StagedRows {
  readonly chunks: Chunk[] = [];
  size = 0;

  push(v: RowValues): void {
    let last = this.chunks.at(-1);
    // The first chunk starts small and grows: a single POST stages a single row.
    if (!last || last.n === CHUNK_ROWS) {
      last = last ? new Chunk() : new Chunk(16);
      this.chunks.push(last);
    }
    last.reserveOne();
    last.push(v);
    this.size += 1;
  }

  /** Appends rows given as columns (a build worker's, which arrive without Chunk's methods),
   * their groups renumbered through `groupIds`. */
  pushColumns(rows: RowColumns, groupIds: Uint32Array): void {
    for (let from = 0; from < rows.n; ) {
      let last = this.chunks.at(-1);
      if (!last || last.n === CHUNK_ROWS) {
        last = new Chunk();
        this.chunks.push(last);
      } else if (last.full) last.reserveOne();
      const take = Math.min(last.capacity - last.n, rows.n - from);
      for (const name of COLUMNS) {
        if (name !== "group") (last[name] as Column).set((rows[name] as Column).subarray(from, from + take) as never, last.n);
      }
      const group = last.group;
      const source = rows.group;
      for (let i = 0; i < take; i++) group[last.n + i] = groupIds[source[from + i] as number] as number;
      last.n += take;
      this.size += take;
      from += take;
    }
  }

  chunkOf(j: number): Chunk {
    return this.chunks[Math.floor(j / CHUNK_ROWS)] as Chunk;
  }

  /** Start of every staged row, the sort key, as one view per chunk (no copy). */
  starts(): Float64Array[] {
    return this.chunks.map((chunk) => chunk.start.subarray(0, chunk.n));
  }
}

/**
 * The index's rows sorted by (start, offset) ascending, in chunks of at most CHUNK_ROWS: an
 * append at the end is O(1), an insert anywhere moves at most one chunk's rows, and a sorted
 * batch merges in one pass over the chunks it touches. Positions (chunk * CHUNK_ROWS + row)
 * name a row until the next change.
 */
export class SortedColumns {
  private list: Chunk[] = [];
  private rows = 0;

  get size(): number {
    return this.rows;
  }

  get chunks(): readonly Chunk[] {
    return this.list;
  }

  /** Whether a row with this start (and an offset after every row's) belongs at the end. */
  fitsAtEnd(start: number): boolean {
    const last = this.list.at(-1);
    return !last || last.n === 0 || (last.start[last.n - 1] as number) <= start;
  }

  /** Adds a row that fitsAtEnd. */
  append(v: RowValues): void {
    let last = this.list.at(-1);
    if (!last || last.n === CHUNK_ROWS) {
      last = new Chunk();
      this.list.push(last);
    }
    last.reserveOne();
    last.push(v);
    this.rows += 1;
  }

  /**
   * Adds a row whose offset is after every row's where its start belongs, moving the rows after
   * it in its chunk; false (and nothing changed) when that chunk is full, which a merge splits.
   */
  insert(v: RowValues): boolean {
    const target = firstChunkAfter(this.list, v.start) - 1;
    const chunk = this.list[Math.max(0, target)];
    if (!chunk || chunk.n >= CHUNK_ROWS) return false;
    chunk.reserveOne();
    chunk.insert(upperBoundIn(chunk, v.start), v);
    this.rows += 1;
    return true;
  }

  /**
   * Merges staged rows, visited in `order` (ascending start; every staged offset is after every
   * stored one, so on equal starts stored rows come first). Only the chunks the rows fall into
   * change: they get the rows inserted in place when few arrive, or are rewritten (and split).
   * Into an empty index, the staged chunks are taken over as they are, permuted in place
   * (`lean`: see adopt).
   *
   * The steps yield between chunks. Run in slices (`copyOnly`), the merge writes new chunks and
   * never changes the current ones, which it swaps for the merged list at the end: reads in
   * between see the rows as they were. The build's takeover alone changes rows in place; it
   * runs before anything reads the index.
   */
  *merge(staged: StagedRows, order: Uint32Array, copyOnly = false, lean = false): Steps<void> {
    if (this.list.length === 0) yield* this.adopt(staged, order, lean);
    else yield* this.mergeInto(staged, order, copyOnly);
  }

  private *mergeInto(staged: StagedRows, order: Uint32Array, copyOnly: boolean): Steps<void> {
    const key = (k: number) => {
      const j = order[k] as number;
      return staged.chunkOf(j).start[j & CHUNK_MASK] as number;
    };
    const old = this.list;
    const out: Chunk[] = [];
    let c = 0;
    let k = 0;
    let written = 0;
    while (k < order.length) {
      // A staged row belongs to the last chunk whose first start is not after its own.
      const target = Math.max(c, firstChunkAfter(old, key(k)) - 1);
      while (c < target) out.push(old[c++] as Chunk);
      const chunk = old[target] as Chunk;
      const limit = target + 1 < old.length ? ((old[target + 1] as Chunk).start[0] as number) : Infinity;
      let end = k + 1;
      while (end < order.length && key(end) < limit) end++;
      if (!copyOnly && end - k <= 8 && chunk.n + end - k <= CHUNK_ROWS) {
        for (let m = k; m < end; m++) this.insertInPlace(chunk, staged, order[m] as number);
        out.push(chunk);
      } else {
        this.writeRuns(out, chunk, staged, order, k, end);
        written += chunk.n + end - k;
      }
      c = target + 1;
      k = end;
      if (written >= 1 << 14) {
        written = 0;
        yield;
      }
    }
    while (c < old.length) out.push(old[c++] as Chunk);
    this.list = out;
    this.rows += staged.size;
  }

  /**
   * Takes the staged chunks as the columns, rows permuted into `order`: a build from a file in
   * any order needs no second copy of the rows, and a sorted file needs no moves at all. The
   * rows move one column at a time through one spare column (8 bytes a row, the fastest way),
   * or, `lean`, in place by blocks (permuteRows: slower, little beyond `order`, which it uses up).
   */
  private *adopt(staged: StagedRows, order: Uint32Array, lean: boolean): Steps<void> {
    const n = order.length;
    let sorted = true;
    for (let k = 0; k < n && sorted; k++) sorted = order[k] === k;
    const chunks = staged.chunks;
    if (!sorted && lean) yield* permuteRows(chunks, order);
    else if (!sorted) yield* gatherRows(chunks, order);
    if (!sorted) for (const chunk of chunks) chunk.summary = null;
    this.list = chunks;
    this.rows = staged.size;
  }

  /** The first place whose start is >= `start`. */
  lowerBound(start: number): Cursor {
    return this.bound((s) => s < start);
  }

  /** The first place whose start is > `start`. */
  upperBound(start: number): Cursor {
    return this.bound((s) => s <= start);
  }

  /** The first place whose (start, offset) is >= (start, tie), or > it when `strictlyAfter`. */
  pairBound(start: number, tie: number, strictlyAfter: boolean): Cursor {
    return this.bound((s, o) => s < start || (s === start && (strictlyAfter ? o <= tie : o < tie)));
  }

  begin(): Cursor {
    return { chunk: 0, row: 0 };
  }

  end(): Cursor {
    return { chunk: this.list.length, row: 0 };
  }

  /** Rows from `lo` up to `hi`. */
  countBetween(lo: Cursor, hi: Cursor): number {
    if (compareCursors(lo, hi) >= 0) return 0;
    if (lo.chunk === hi.chunk) return hi.row - lo.row;
    let n = (this.list[lo.chunk] as Chunk).n - lo.row + hi.row;
    for (let c = lo.chunk + 1; c < hi.chunk; c++) n += (this.list[c] as Chunk).n;
    return n;
  }

  /** The place `k` rows after `at` (clamped to the end). */
  forward(at: Cursor, k: number): Cursor {
    let { chunk, row } = at;
    while (chunk < this.list.length) {
      const n = (this.list[chunk] as Chunk).n;
      if (row + k < n) return { chunk, row: row + k };
      k -= n - row;
      chunk += 1;
      row = 0;
    }
    return this.end();
  }

  /** The place `k` rows before `at` (clamped to the beginning). */
  backward(at: Cursor, k: number): Cursor {
    let { chunk, row } = at;
    for (;;) {
      if (row >= k) return { chunk, row: row - k };
      k -= row;
      if (chunk === 0) return this.begin();
      chunk -= 1;
      row = (this.list[chunk] as Chunk).n;
    }
  }

  /** The position of a row, and back. */
  position(chunk: number, row: number): number {
    return chunk * CHUNK_ROWS + row;
  }

  chunkAt(position: number): Chunk {
    return this.list[Math.floor(position / CHUNK_ROWS)] as Chunk;
  }

  rowAt(position: number): number {
    return position % CHUNK_ROWS;
  }

  private bound(before: (start: number, offset: number) => boolean): Cursor {
    const list = this.list;
    // The first chunk whose last row is not before the bound holds it.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = list[mid] as Chunk;
      const last = chunk.n - 1;
      if (last < 0 || before(chunk.start[last] as number, chunk.offset[last] as number)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === list.length) return this.end();
    const chunk = list[lo] as Chunk;
    let a = 0;
    let b = chunk.n;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (before(chunk.start[mid] as number, chunk.offset[mid] as number)) a = mid + 1;
      else b = mid;
    }
    return { chunk: lo, row: a };
  }

  private insertInPlace(chunk: Chunk, staged: StagedRows, j: number): void {
    const from = staged.chunkOf(j);
    const i = j % CHUNK_ROWS;
    chunk.reserveOne();
    chunk.insert(upperBoundIn(chunk, from.start[i] as number), rowOf(from, i));
  }

  /** Writes the merge of `chunk`'s rows and staged rows order[k, end) as new chunks into `out`. */
  private writeRuns(out: Chunk[], chunk: Chunk, staged: StagedRows, order: Uint32Array, k: number, end: number): void {
    const total = chunk.n + end - k;
    // Which row lands where: a stored row's index, or -1 - j for staged row j.
    const picks = new Int32Array(total);
    let a = 0;
    let t = 0;
    for (let m = k; m < end; m++) {
      const j = order[m] as number;
      const start = staged.chunkOf(j).start[j & CHUNK_MASK] as number;
      while (a < chunk.n && (chunk.start[a] as number) <= start) picks[t++] = a++;
      picks[t++] = -1 - j;
    }
    while (a < chunk.n) picks[t++] = a++;
    // A chunk that grows past the limit splits evenly.
    const pieces = Math.ceil(total / CHUNK_ROWS);
    const per = Math.ceil(total / pieces);
    for (let from = 0; from < total; from += per) {
      const to = Math.min(total, from + per);
      const piece = new Chunk(to - from);
      for (const name of COLUMNS) {
        const target = piece.column(name);
        const source = chunk.column(name);
        for (let p = from; p < to; p++) {
          const v = picks[p] as number;
          if (v >= 0) target[p - from] = source[v] as number;
          else {
            const j = -1 - v;
            target[p - from] = staged.chunkOf(j).column(name)[j & CHUNK_MASK] as number;
          }
        }
      }
      piece.n = to - from;
      out.push(piece);
    }
  }
}

function rowOf(c: Chunk, i: number): RowValues {
  return {
    start: c.start[i] as number,
    end: c.end[i] as number,
    startLocal: c.startLocal[i] as number,
    elapsed: c.elapsed[i] as number,
    rowcount: c.rowcount[i] as number,
    offset: c.offset[i] as number,
    length: c.length[i] as number,
    group: c.group[i] as number,
    identity: c.identity[i] as number,
  };
}

/** The first row of a chunk whose start is after `start`: where a row with a later offset than
 * every stored row's goes. */
function upperBoundIn(chunk: Chunk, start: number): number {
  let a = 0;
  let b = chunk.n;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if ((chunk.start[mid] as number) <= start) a = mid + 1;
    else b = mid;
  }
  return a;
}

/** Rows a block of the permutation holds: 16 chunks, whose spare copy stays in cache. */
const BLOCK_BITS = CHUNK_BITS + 4;
const BLOCK_ROWS = 1 << BLOCK_BITS;
/** Rows moved between two pauses of a permutation. */
const PERMUTE_STEP = 1 << 17;

/**
 * Puts row order[k] of the chunks (CHUNK_ROWS each, the last one possibly short) at row k, for
 * every k, in place but for one block's spare rows. First every row is swapped into its block
 * (rows of BLOCK_ROWS), a pass whose writes go to one cursor per block, so they stay in cache;
 * then each block's rows are copied into their places in a spare block and the spare's columns
 * are exchanged for the block's. gatherRows needs a spare column of all the rows (8 bytes a
 * row); following the permutation's cycles would need none, but waits on a cache miss per row
 * in a serial chain (six times as long at 10M rows).
 */
function* permuteRows(chunks: readonly Chunk[], order: Uint32Array): Steps<void> {
  const n = order.length;
  // Where the row now at each place goes; it moves with the row.
  const dest = new Uint32Array(n);
  for (let k = 0; k < n; k++) dest[order[k] as number] = k;
  yield;
  const blocks = Math.ceil(n / BLOCK_ROWS);
  const cursor = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) cursor[b] = b * BLOCK_ROWS;
  let moved = 0;
  for (let b = 0; b < blocks; b++) {
    const end = Math.min(n, (b + 1) * BLOCK_ROWS);
    for (let r = cursor[b] as number; r < end; ) {
      const to = (dest[r] as number) >>> BLOCK_BITS;
      if (to === b) {
        r++;
        continue;
      }
      // Every block before b is complete, so the row belongs to a later one.
      const s = cursor[to] as number;
      cursor[to] = s + 1;
      (chunks[r >>> CHUNK_BITS] as Chunk).swapRow(r & CHUNK_MASK, chunks[s >>> CHUNK_BITS] as Chunk, s & CHUNK_MASK);
      const d = dest[r] as number;
      dest[r] = dest[s] as number;
      dest[s] = d;
      if (++moved >= PERMUTE_STEP) {
        moved = 0;
        yield;
      }
    }
    cursor[b] = end;
  }
  const spare = Array.from({ length: BLOCK_ROWS >>> CHUNK_BITS }, () => new Chunk());
  for (let b = 0; b < blocks; b++) {
    const lo = b * BLOCK_ROWS;
    const hi = Math.min(n, lo + BLOCK_ROWS);
    for (let r = lo; r < hi; r++) {
      const q = (dest[r] as number) - lo;
      (spare[q >>> CHUNK_BITS] as Chunk).copyRow(q & CHUNK_MASK, chunks[r >>> CHUNK_BITS] as Chunk, r & CHUNK_MASK);
    }
    for (let c = lo >>> CHUNK_BITS; c * CHUNK_ROWS < hi; c++) {
      const s = c - (lo >>> CHUNK_BITS);
      (chunks[c] as Chunk).exchangeColumns(spare[s] as Chunk);
      // A chunk that grew from a small start hands over shorter columns than a spare needs.
      if ((spare[s] as Chunk).capacity < CHUNK_ROWS) spare[s] = new Chunk();
    }
    moved += hi - lo;
    if (moved >= PERMUTE_STEP) {
      moved = 0;
      yield;
    }
  }
}

/**
 * Puts row order[k] of the chunks (CHUNK_ROWS each, the last one possibly short) at row k, for
 * every k, one column at a time through one spare column (8 bytes a row); yields between steps.
 */
export function* gatherRows(chunks: readonly Chunk[], order: Uint32Array): Steps<void> {
  const n = order.length;
  // One spare serves every column: Float64 holds the integer columns' values exactly.
  const spare = new Float64Array(n);
  const STEP = 1 << 18;
  for (const name of COLUMNS) {
    const sources = chunks.map((chunk) => chunk.column(name));
    const gather = gatherOf(sources[0] as Column);
    for (let from = 0; from < n; from += STEP) {
      gather(sources as never, order, spare, from, Math.min(n, from + STEP));
      yield;
    }
    for (let c = 0; c < sources.length; c++) {
      const base = c * CHUNK_ROWS;
      (sources[c] as Column).set(spare.subarray(base, Math.min(n, base + CHUNK_ROWS)));
    }
    yield;
  }
}

/**
 * The gather for a column like `sample`: spare[k] = the value of row order[k] for k in
 * [from, to), rows numbered across `sources` (one column's arrays, CHUNK_ROWS each). One function
 * per array type, so each loop reads one element type: a single loop over columns of all three
 * types runs several times slower.
 */
function gatherOf(sample: Column): (sources: Column[], order: Uint32Array, spare: Float64Array, from: number, to: number) => void {
  if (sample instanceof Float64Array) return gatherFloat64 as never;
  if (sample instanceof Uint32Array) return gatherUint32 as never;
  return gatherInt32 as never;
}

function gatherFloat64(sources: Float64Array[], order: Uint32Array, spare: Float64Array, from: number, to: number): void {
  for (let k = from; k < to; k++) {
    const j = order[k] as number;
    spare[k] = (sources[j >>> CHUNK_BITS] as Float64Array)[j & CHUNK_MASK] as number;
  }
}

function gatherUint32(sources: Uint32Array[], order: Uint32Array, spare: Float64Array, from: number, to: number): void {
  for (let k = from; k < to; k++) {
    const j = order[k] as number;
    spare[k] = (sources[j >>> CHUNK_BITS] as Uint32Array)[j & CHUNK_MASK] as number;
  }
}

function gatherInt32(sources: Int32Array[], order: Uint32Array, spare: Float64Array, from: number, to: number): void {
  for (let k = from; k < to; k++) {
    const j = order[k] as number;
    spare[k] = (sources[j >>> CHUNK_BITS] as Int32Array)[j & CHUNK_MASK] as number;
  }
}

/** The first chunk whose first start is after `start` (the count when none is). */
function firstChunkAfter(list: readonly Chunk[], start: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (((list[mid] as Chunk).start[0] as number) <= start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function compareCursors(a: Cursor, b: Cursor): number {
  return a.chunk - b.chunk || a.row - b.row;
}
