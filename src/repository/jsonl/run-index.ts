import type { PipelineStats } from "../../domain/pipeline-stats.ts";
import type { RunKeys } from "../../domain/run-decoder.ts";
import type { RunFilter } from "../../domain/run-filter.ts";
import { NEWEST_FIRST, type RunOrder } from "../../domain/run-ordering.ts";
import type { HistoryBuilder } from "../in-process/history-builder.ts";
import type { Chunk } from "./index/chunk.ts";
import { type RowColumns, SortedColumns, StagedRows } from "./index/columns.ts";
import { Labels, type LabelValues } from "./index/labels.ts";
import { type IndexPage, type LineRef, type PageRequest, pageOf, RowReader, refsOf } from "./index/pages.ts";
import { countSelected, coversAll, type Selection, select } from "./index/selection.ts";
import { type Pause, runNow, runSliced, type Steps, stableOrder } from "./index/stable-order.ts";
import { addHistory, GroupTotals, summarize } from "./index/statistics.ts";

export type { IndexPage, LineRef, Selection };

/** Staged rows up to this many merge at once (in place, mostly); more merge in slices. */
const SYNC_MERGE_ROWS = 1024;
/**
 * Rows from which a merge sorts and lays out rows in the lean ways (stable-order.ts, columns.ts):
 * at 1M rows the fast ways add ~24 bytes a row at the peak and start 0.2-0.5 s sooner; at 10M
 * the lean ways keep a start under 1 GiB.
 */
const LEAN_ROWS = 1 << 22;
/** Past rows that go into their chunks in place between two settles; later ones are staged. */
const IN_PLACE_ROWS = 8;

/**
 * The in-memory index of a JSONL file, one row per run, about 76 bytes each: the records stay in
 * the file and are read back by offset. Its parts: sorted columns in chunks (columns.ts), the
 * label dictionary (labels.ts), filter selection and scans (selection.ts), pages and exports
 * (pages.ts) and per-group statistics (statistics.ts).
 *
 * Rows are kept sorted by (start_utc, file offset), so "newest first" is a walk from the end
 * and a time bound is a binary search. A row that arrives in start order is appended; others
 * are staged and merged into the chunks they belong to before the next read, so inserts in any
 * time order cost about what appends do, and a build from a file in any order is one stable
 * O(n log n) sort (one pass for a sorted file).
 */
export class RunIndex {
  private readonly columns = new SortedColumns();
  private readonly labels = new Labels();
  private readonly totals = new GroupTotals(this.labels);
  private readonly rows = new RowReader(this.columns, this.labels);
  private staged = new StagedRows();
  /** The smallest end - start of any row: lets an end bound narrow the range (selection.ts). */
  private minGap = Infinity;
  /** The unfiltered summary and the size it was computed at (rows are only ever added). */
  private summary: { size: number; value: PipelineStats[] } | null = null;
  /** While building, every row is staged: one sort at the end lays them all out in place. */
  private building: boolean;
  /** Follows of many lines under way (deferMerges): their rows wait until they finish. */
  private follows = 0;
  /** A sliced merge is under way: it writes new chunks from the current ones, which must not
   * change meanwhile. */
  private merging = false;
  /** Past rows put in place since the last settle (IN_PLACE_ROWS). */
  private insertedInPlace = 0;
  /** Settles when the running sliced merge ends. */
  private mergeDone: Promise<void> | null = null;

  constructor(options: { building?: boolean } = {}) {
    this.building = options.building ?? false;
  }

  /** Runs indexed, staged ones included. */
  get size(): number {
    return this.columns.size + this.staged.size;
  }

  /** Adds the run whose line is at `ref`; lines must be added in file order. */
  add(keys: RunKeys, ref: LineRef): void {
    const group = this.labels.groupOf(keys.labels);
    const row = {
      start: keys.startMicros,
      end: keys.endMicros,
      startLocal: keys.startLocalMicros,
      elapsed: keys.elapsed,
      rowcount: keys.rowcount,
      offset: ref.offset,
      length: ref.length,
      group,
      identity: keys.identity,
    };
    // Nothing waiting: a row in start order is appended, another goes into its chunk in place
    // (unless that chunk is full), a few at a time; the rest waits for a merge, which costs
    // allocations a single past run need not pay, but a batch's merge runs in slices.
    const direct = this.staged.size === 0 && !this.building && !this.deferred;
    if (direct && this.columns.fitsAtEnd(row.start)) this.columns.append(row);
    else if (direct && this.insertedInPlace < IN_PLACE_ROWS && this.columns.insert(row)) this.insertedInPlace += 1;
    else this.staged.push(row);
    const gap = row.end - row.start;
    if (gap < this.minGap) this.minGap = gap;
    this.totals.add(group, row.start, row.offset, row.elapsed, row.rowcount);
  }

  /** Whether reads leave staged rows staged and new rows are staged (never appended in place). */
  private get deferred(): boolean {
    return this.follows > 0 || this.merging;
  }

  /** This index's group ids of label combinations numbered elsewhere (a build worker's), in
   * that order, so groups are numbered as if their rows had been added one by one. */
  groupIds(labels: readonly LabelValues[]): Uint32Array {
    return Uint32Array.from(labels, (l) => this.labels.groupOf(l));
  }

  /** Adds rows parsed elsewhere, in file order after every row added so far, during a build;
   * `groupIds` (from groupIds()) renumbers their groups. */
  addColumns(rows: RowColumns, groupIds: Uint32Array, minGap: number): void {
    this.staged.pushColumns(rows, groupIds);
    if (minGap < this.minGap) this.minGap = minGap;
    for (let i = 0; i < rows.n; i++) {
      this.totals.add(
        groupIds[rows.group[i] as number] as number,
        rows.start[i] as number,
        rows.offset[i] as number,
        rows.elapsed[i] as number,
        rows.rowcount[i] as number,
      );
    }
  }

  /** Merges staged rows into the sorted chunks at once; every read does this first, except
   * while merges are deferred. */
  settleNow(): void {
    if (this.deferred) return;
    this.insertedInPlace = 0;
    const work = this.mergeStaged(false);
    if (work) runNow(work);
  }

  /**
   * Makes every row added so far visible to reads before it resolves (read-your-writes for a
   * batch): a few rows at once, many (a backfill) in slices with `pause` between them, while
   * reads see the index as it was.
   */
  async settle(pause: Pause): Promise<void> {
    while (this.mergeDone) await this.mergeDone;
    if (this.staged.size <= SYNC_MERGE_ROWS) this.settleNow();
    else await this.mergeSliced(pause);
  }

  /**
   * Holds back the merge of rows added from now on, for a follow of many lines: reads meanwhile
   * see the index as it was (as if those lines were not read yet). `finish` merges them in
   * slices; `release` leaves them to the next read.
   */
  deferMerges(): { finish(pause: Pause): Promise<void>; release(): void } {
    this.follows += 1;
    let held = true;
    const end = () => {
      if (held) this.follows -= 1;
      held = false;
    };
    return {
      finish: async (pause) => {
        try {
          await this.mergeSliced(pause);
        } finally {
          end();
        }
      },
      release: end,
    };
  }

  /** Gives back the room the per-group samples kept for growth (16 bytes a run, doubled as
   * they grew); a build does it before its sort allocates. Trimming twice costs nothing. */
  trimStatistics(): void {
    this.totals.trim();
  }

  /** Ends a build: the sort and the layout in slices; nothing else may use the index meanwhile. */
  async finishBuild(pause: Pause): Promise<void> {
    this.trimStatistics();
    const work = this.mergeStaged(false);
    if (work) await runSliced(work, pause);
    this.building = false;
  }

  /** The rows a filter selects. */
  select(filter: RunFilter): Selection {
    this.settleNow();
    return select(this.columns, this.labels, filter, this.minGap);
  }

  count(s: Selection): number {
    if (s.labelsOnly && s.groups && coversAll(this.columns, s)) return this.totals.count(s.groups);
    return countSelected(this.columns, s);
  }

  /** One page of the selection (see pages.ts). */
  page(s: Selection, req: PageRequest): IndexPage {
    return pageOf(this.columns, this.rows, s, req, (sel) => this.count(sel));
  }

  /** Line references of every selected row in `order`. */
  refs(s: Selection, order: RunOrder = NEWEST_FIRST): { offsets: Float64Array; lengths: Uint32Array } {
    return refsOf(this.columns, this.rows, s, order);
  }

  /** Per-pipeline statistics over the selection, in the port's order. */
  summaries(s: Selection): PipelineStats[] {
    if (!(s.all && coversAll(this.columns, s))) return summarize(this.columns, this.labels, this.totals, s);
    if (this.summary?.size !== this.size) this.summary = { size: this.size, value: this.totals.summaries() };
    return this.summary.value;
  }

  /** Feeds the selected rows to a history builder. */
  history(s: Selection, builder: HistoryBuilder): void {
    addHistory(this.columns, this.labels, s, builder);
  }

  /** Lines of the runs that start at `micros` with one of the identity hashes, by hash: the
   * candidates an identity lookup must read. One pass over the runs with that start. */
  identityCandidates(micros: number, hashes: ReadonlySet<number>): Map<number, LineRef[]> {
    this.settleNow();
    const found = new Map<number, LineRef[]>();
    const chunks = this.columns.chunks;
    let { chunk: c, row: i } = this.columns.lowerBound(micros);
    for (; c < chunks.length; c++, i = 0) {
      const chunk = chunks[c] as Chunk;
      for (; i < chunk.n; i++) {
        if (chunk.start[i] !== micros) return found;
        const h = chunk.identity[i] as number;
        if (!hashes.has(h)) continue;
        const ref = { offset: chunk.offset[i] as number, length: chunk.length[i] as number };
        const list = found.get(h);
        if (list) list.push(ref);
        else found.set(h, [ref]);
      }
    }
    return found;
  }

  /** Merges the staged rows in slices into new chunks, swapped in when done. */
  private async mergeSliced(pause: Pause): Promise<void> {
    while (this.mergeDone) await this.mergeDone;
    const work = this.mergeStaged(true);
    if (!work) return;
    this.merging = true;
    let done = () => {};
    this.mergeDone = new Promise((resolve) => {
      done = resolve;
    });
    try {
      await runSliced(work, pause);
    } finally {
      this.merging = false;
      this.mergeDone = null;
      done();
    }
  }

  private mergeStaged(copyOnly: boolean): Steps<void> | null {
    if (this.staged.size === 0) return null;
    const staged = this.staged;
    this.staged = new StagedRows();
    return (function* (columns: SortedColumns) {
      // Past LEAN_ROWS, the sort's and the layout's own memory would dominate a build's peak.
      const lean = staged.size > LEAN_ROWS;
      const order = yield* stableOrder(staged.starts(), lean);
      yield* columns.merge(staged, order, copyOnly, lean);
    })(this.columns);
  }
}
