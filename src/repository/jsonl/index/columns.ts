import { CHUNK_ROWS, Chunk, type RowValues } from "./chunk.ts";
import type { Steps } from "./stable-order.ts";

/** A place between rows: before row `row` of chunk `chunk` (chunk === count: the end). */
export interface Cursor {
  chunk: number;
  row: number;
}

/** Rows waiting to be merged, in file order (so in offset order), in full chunks but the last. */
export class StagedRows {
  readonly chunks: Chunk[] = [];
  size = 0;

  push(v: RowValues): void {
    let last = this.chunks.at(-1);
    if (!last || last.full) this.chunks.push((last = new Chunk()));
    last.push(v);
    this.size += 1;
  }

  chunkOf(j: number): Chunk {
    return this.chunks[Math.floor(j / CHUNK_ROWS)] as Chunk;
  }

  /** Start of every staged row, the sort key. */
  starts(): Float64Array {
    const keys = new Float64Array(this.size);
    let k = 0;
    for (const chunk of this.chunks) {
      keys.set(chunk.start.subarray(0, chunk.n), k);
      k += chunk.n;
    }
    return keys;
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
    if (!last || last.n === CHUNK_ROWS) this.list.push((last = new Chunk()));
    last.reserveOne();
    last.push(v);
    this.rows += 1;
  }

  /**
   * Merges staged rows, visited in `order` (ascending start; every staged offset is after every
   * stored one, so on equal starts stored rows come first). Touched chunks are rebuilt, or get
   * the rows inserted in place when few arrive. The steps pause between chunks; run sliced only
   * while nothing else reads or changes the columns.
   */
  *merge(staged: StagedRows, order: Uint32Array): Steps<void> {
    if (this.list.length === 0) {
      yield* this.adopt(staged, order);
      return;
    }
    const key = (k: number) => {
      const j = order[k] as number;
      return staged.chunkOf(j).start[j % CHUNK_ROWS] as number;
    };
    const out: Chunk[] = [];
    let k = 0;
    let since = 0;
    const old = this.list;
    for (let c = 0; c <= old.length; c++) {
      const chunk = old[c];
      const next = old[c + 1];
      // Staged rows strictly before the next chunk's first start belong to this one.
      const limit = next ? (next.start[0] as number) : Infinity;
      let end = k;
      if (chunk || old.length === 0) while (end < order.length && key(end) < limit) end++;
      if (!chunk) {
        if (old.length === 0) yield* this.writeRuns(out, null, staged, order, k, end);
        break;
      }
      if (end === k) {
        out.push(chunk);
        continue;
      }
      if (end - k <= 64 && chunk.n + end - k <= CHUNK_ROWS) {
        for (let m = k; m < end; m++) this.insertInPlace(chunk, staged, order[m] as number);
        out.push(chunk);
      } else {
        yield* this.writeRuns(out, chunk, staged, order, k, end);
      }
      since += chunk.n + end - k;
      k = end;
      if (since >= 1 << 16) {
        since = 0;
        yield;
      }
    }
    this.list = out;
    this.rows += staged.size;
  }

  /**
   * Takes the staged chunks as the columns, rows permuted into `order` in place, one cycle of
   * the permutation at a time: a build from a file in any order needs no second copy of the rows.
   */
  private *adopt(staged: StagedRows, order: Uint32Array): Steps<void> {
    const n = order.length;
    const done = new Uint8Array(n);
    const spare = new Chunk(1);
    let moved = 0;
    for (let k = 0; k < n; k++) {
      if (done[k] || order[k] === k) continue;
      // Row k's values wait in `spare` while the cycle pulls each row into its place.
      spare.n = 0;
      spare.pushFrom(staged.chunkOf(k), k % CHUNK_ROWS);
      let j = k;
      for (;;) {
        done[j] = 1;
        const from = order[j] as number;
        const target = staged.chunkOf(j);
        if (from === k) {
          target.setFrom(j % CHUNK_ROWS, spare, 0);
          break;
        }
        target.setFrom(j % CHUNK_ROWS, staged.chunkOf(from), from % CHUNK_ROWS);
        j = from;
        if ((++moved & 0xffff) === 0) yield;
      }
    }
    this.list = staged.chunks;
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
    const start = from.start[i] as number;
    // After every stored row with the same start: the staged offset is the larger one.
    let a = 0;
    let b = chunk.n;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if ((chunk.start[mid] as number) <= start) a = mid + 1;
      else b = mid;
    }
    chunk.reserveOne();
    chunk.insert(a, rowOf(from, i));
  }

  /** Writes the merge of `chunk`'s rows and staged rows order[k, end) as new chunks into `out`. */
  private *writeRuns(out: Chunk[], chunk: Chunk | null, staged: StagedRows, order: Uint32Array, k: number, end: number): Steps<void> {
    const total = (chunk?.n ?? 0) + end - k;
    // Fresh chunks from a build are full; a chunk that grew past the limit splits evenly.
    const pieces = Math.ceil(total / CHUNK_ROWS);
    const per = chunk ? Math.ceil(total / pieces) : CHUNK_ROWS;
    let target = new Chunk(Math.min(per, total));
    let left = total;
    const emit = (from: Chunk, i: number) => {
      if (target.n === per) {
        out.push(target);
        target = new Chunk(Math.min(per, left));
      }
      target.pushFrom(from, i);
      left -= 1;
    };
    let a = 0;
    const n = chunk?.n ?? 0;
    for (let m = k; m < end; m++) {
      const j = order[m] as number;
      const from = staged.chunkOf(j);
      const i = j % CHUNK_ROWS;
      const start = from.start[i] as number;
      while (a < n && ((chunk as Chunk).start[a] as number) <= start) emit(chunk as Chunk, a++);
      emit(from, i);
      if ((m & 0xffff) === 0xffff) yield;
    }
    while (a < n) emit(chunk as Chunk, a++);
    if (target.n > 0) out.push(target);
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

export function compareCursors(a: Cursor, b: Cursor): number {
  return a.chunk - b.chunk || a.row - b.row;
}
