import type { ChunkSummary } from "./chunk-summary.ts";

/** Rows a chunk holds at most: inserting into one moves at most this many rows per column. */
export const CHUNK_ROWS = 4096;

/** The values the index keeps of one run (about 60 bytes); the record stays in the file. */
export interface RowValues {
  start: number;
  end: number;
  /** start_local as wall-clock microseconds (the local text read as if it were UTC). */
  startLocal: number;
  elapsed: number;
  rowcount: number;
  /** Where the run's line is in the file. */
  offset: number;
  length: number;
  /** The run's label combination (see labels.ts). */
  group: number;
  /** identityHash of the run, to find a stored identity without reading lines. */
  identity: number;
}

export type Column = Float64Array | Uint32Array | Int32Array;

/** The column names, for code that treats every column alike (copies, permutations). */
export const COLUMNS = ["start", "end", "startLocal", "elapsed", "rowcount", "offset", "length", "group", "identity"] as const;
export type ColumnName = (typeof COLUMNS)[number];

/**
 * A block of rows as typed columns. The index keeps its rows in chunks sorted by
 * (start, offset); staged rows wait in chunks in file order. Only the index's own parts
 * (src/repository/jsonl/index/) read the columns.
 */
export class Chunk {
  n = 0;
  start: Float64Array;
  end: Float64Array;
  startLocal: Float64Array;
  elapsed: Float64Array;
  rowcount: Float64Array;
  offset: Float64Array;
  length: Uint32Array;
  group: Uint32Array;
  identity: Int32Array;
  /** What a count needs of the rows (chunk-summary.ts), dropped whenever the rows change. */
  summary: ChunkSummary | null = null;

  constructor(capacity = CHUNK_ROWS) {
    this.start = new Float64Array(capacity);
    this.end = new Float64Array(capacity);
    this.startLocal = new Float64Array(capacity);
    this.elapsed = new Float64Array(capacity);
    this.rowcount = new Float64Array(capacity);
    this.offset = new Float64Array(capacity);
    this.length = new Uint32Array(capacity);
    this.group = new Uint32Array(capacity);
    this.identity = new Int32Array(capacity);
  }

  get capacity(): number {
    return this.start.length;
  }

  get full(): boolean {
    return this.n === this.start.length;
  }

  push(v: RowValues): void {
    this.summary = null;
    this.write(this.n++, v);
  }

  /** Inserts a row at `at`, moving the rows after it; the chunk must have room. */
  insert(at: number, v: RowValues): void {
    this.summary = null;
    if (at < this.n) for (const column of this.columns()) column.copyWithin(at + 1, at, this.n);
    this.n += 1;
    this.write(at, v);
  }

  /** Makes room for one more row (up to CHUNK_ROWS), growing the columns by half. */
  reserveOne(): void {
    if (!this.full) return;
    const capacity = Math.min(CHUNK_ROWS, Math.max(16, Math.ceil(this.capacity * 1.5)));
    const grow = <T extends Column>(old: T): T => {
      const next = new (old.constructor as new (n: number) => T)(capacity);
      next.set(old.subarray(0, this.n) as never);
      return next;
    };
    this.start = grow(this.start);
    this.end = grow(this.end);
    this.startLocal = grow(this.startLocal);
    this.elapsed = grow(this.elapsed);
    this.rowcount = grow(this.rowcount);
    this.offset = grow(this.offset);
    this.length = grow(this.length);
    this.group = grow(this.group);
    this.identity = grow(this.identity);
  }

  /** Sets row k to row i of `from` (a permutation moves rows one at a time). Each column by
   * name, not in a loop over COLUMNS: one access site per column stays monomorphic, which a
   * loop over mixed column types is not (several times slower). */
  copyRow(k: number, from: Chunk, i: number): void {
    this.start[k] = from.start[i] as number;
    this.end[k] = from.end[i] as number;
    this.startLocal[k] = from.startLocal[i] as number;
    this.elapsed[k] = from.elapsed[i] as number;
    this.rowcount[k] = from.rowcount[i] as number;
    this.offset[k] = from.offset[i] as number;
    this.length[k] = from.length[i] as number;
    this.group[k] = from.group[i] as number;
    this.identity[k] = from.identity[i] as number;
  }

  /** Exchanges rows i of this chunk and j of `other`. */
  swapRow(i: number, other: Chunk, j: number): void {
    let f = this.start[i] as number;
    this.start[i] = other.start[j] as number;
    other.start[j] = f;
    f = this.end[i] as number;
    this.end[i] = other.end[j] as number;
    other.end[j] = f;
    f = this.startLocal[i] as number;
    this.startLocal[i] = other.startLocal[j] as number;
    other.startLocal[j] = f;
    f = this.elapsed[i] as number;
    this.elapsed[i] = other.elapsed[j] as number;
    other.elapsed[j] = f;
    f = this.rowcount[i] as number;
    this.rowcount[i] = other.rowcount[j] as number;
    other.rowcount[j] = f;
    f = this.offset[i] as number;
    this.offset[i] = other.offset[j] as number;
    other.offset[j] = f;
    f = this.length[i] as number;
    this.length[i] = other.length[j] as number;
    other.length[j] = f;
    f = this.group[i] as number;
    this.group[i] = other.group[j] as number;
    other.group[j] = f;
    f = this.identity[i] as number;
    this.identity[i] = other.identity[j] as number;
    other.identity[j] = f;
  }

  /** Exchanges the column arrays (not the row counts) of this chunk and `other`. */
  exchangeColumns(other: Chunk): void {
    for (const name of COLUMNS) {
      const mine = this[name];
      (this as Record<ColumnName, Column>)[name] = other[name];
      (other as Record<ColumnName, Column>)[name] = mine;
    }
  }

  column(name: ColumnName): Column {
    return this[name];
  }

  private write(k: number, v: RowValues): void {
    this.start[k] = v.start;
    this.end[k] = v.end;
    this.startLocal[k] = v.startLocal;
    this.elapsed[k] = v.elapsed;
    this.rowcount[k] = v.rowcount;
    this.offset[k] = v.offset;
    this.length[k] = v.length;
    this.group[k] = v.group;
    this.identity[k] = v.identity;
  }

  private columns(): Column[] {
    return COLUMNS.map((name) => this[name]);
  }
}
