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
