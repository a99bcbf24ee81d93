import { formatUtcMicros } from "../../domain/datetime.ts";
import { LABELS } from "../../domain/pipeline-info.ts";
import type { RunKeys } from "../../domain/run-decoder.ts";
import type { PipelineSummary } from "../../domain/responses.ts";
import type { RunFilter } from "../../domain/run-query.ts";
import { compareLabels } from "../run-order.ts";

/** Where a run's line is in the file. */
export interface LineRef {
  offset: number;
  length: number;
}

interface GroupStats {
  labels: (string | null)[];
  total: number;
  firstMicros: number;
  lastMicros: number;
  /** File offset of the last run: the tie-break among runs with the same start. */
  lastOffset: number;
  lastRun: string;
  lastDuration: number;
  lastRowcount: number;
  durationSum: number;
  durationCount: number;
  rowSum: number;
  rowCount: number;
}

/**
 * Rows a filter selects: positions [lo, hi) of the sorted columns (the start_utc bound), then
 * per-row bounds; a label id of -1 matches any value. `all` means every row in the range matches.
 */
export interface Selection {
  lo: number;
  hi: number;
  all: boolean;
  endTo: number;
  minRows: number;
  maxRows: number;
  label: [number, number, number, number];
}

const EMPTY: Selection = { lo: 0, hi: 0, all: true, endTo: Infinity, minRows: -Infinity, maxRows: Infinity, label: [-1, -1, -1, -1] };

/**
 * The in-memory index of a JSONL file: typed columns, one row per run, kept sorted by
 * (start_utc, file offset) ascending, so "newest first" is a walk from the end and a start_utc
 * bound is a binary search. About 70 bytes a run; the records stay in the file and are read
 * back by offset. Per-pipeline statistics are folded in as rows arrive.
 */
export class RunIndex {
  size = 0;
  private capacity: number;
  start: Float64Array;
  end: Float64Array;
  elapsed: Float64Array;
  rowcount: Float64Array;
  offset: Float64Array;
  length: Uint32Array;
  group: Int32Array;
  labels: Int32Array[];

  /** Label values; id 0 is null. */
  private readonly values: (string | null)[] = [null];
  private readonly valueIds = new Map<string, number>();
  private readonly groups: GroupStats[] = [];
  private readonly groupIds = new Map<number | string, number>();

  constructor(initialCapacity = 1024) {
    this.capacity = initialCapacity;
    this.start = new Float64Array(initialCapacity);
    this.end = new Float64Array(initialCapacity);
    this.elapsed = new Float64Array(initialCapacity);
    this.rowcount = new Float64Array(initialCapacity);
    this.offset = new Float64Array(initialCapacity);
    this.length = new Uint32Array(initialCapacity);
    this.group = new Int32Array(initialCapacity);
    this.labels = LABELS.map(() => new Int32Array(initialCapacity));
  }

  /** Adds the run whose line is at `ref`. */
  add(keys: RunKeys, ref: LineRef): void {
    if (this.size === this.capacity) this.grow();
    const { startMicros, endMicros, elapsed, rowcount } = keys;
    const [a, b, c, d] = keys.labels;
    const l0 = this.valueId(a);
    const l1 = this.valueId(b);
    const l2 = this.valueId(c);
    const l3 = this.valueId(d);
    const groupId = this.groupId(l0, l1, l2, l3);
    const at = this.insertionPoint(startMicros, ref.offset);
    if (at < this.size) this.shiftRight(at);
    this.start[at] = startMicros;
    this.end[at] = endMicros;
    this.elapsed[at] = elapsed;
    this.rowcount[at] = rowcount;
    this.offset[at] = ref.offset;
    this.length[at] = ref.length;
    this.group[at] = groupId;
    const [c0, c1, c2, c3] = this.labels as [Int32Array, Int32Array, Int32Array, Int32Array];
    c0[at] = l0;
    c1[at] = l1;
    c2[at] = l2;
    c3[at] = l3;
    this.size += 1;

    const g = this.groups[groupId] as GroupStats;
    g.total += 1;
    if (startMicros < g.firstMicros) g.firstMicros = startMicros;
    if (startMicros > g.lastMicros || (startMicros === g.lastMicros && ref.offset > g.lastOffset)) {
      g.lastMicros = startMicros;
      g.lastOffset = ref.offset;
      g.lastRun = keys.startUtc;
      g.lastDuration = elapsed;
      g.lastRowcount = rowcount;
    }
    if (elapsed > 0) {
      g.durationSum += elapsed;
      g.durationCount += 1;
    }
    if (rowcount > 0) {
      g.rowSum += rowcount;
      g.rowCount += 1;
    }
  }

  /** The rows a filter selects. */
  select(filter: RunFilter): Selection {
    const lo = filter.startUtcFrom ? this.lowerBound(filter.startUtcFrom.epochMicros) : 0;
    const hi = this.size;
    if (lo >= hi) return EMPTY;
    const label: Selection["label"] = [-1, -1, -1, -1];
    for (let l = 0; l < LABELS.length; l++) {
      const wanted = filter.labels?.[LABELS[l] as (typeof LABELS)[number]];
      if (wanted === undefined) continue;
      const id = this.valueIds.get(wanted);
      if (id === undefined) return EMPTY;
      label[l] = id;
    }
    const endTo = filter.endUtcTo?.epochMicros ?? Infinity;
    const minRows = filter.minRowcount ?? -Infinity;
    const maxRows = filter.maxRowcount ?? Infinity;
    const all = endTo === Infinity && minRows === -Infinity && maxRows === Infinity && label.every((id) => id === -1);
    return { lo, hi, all, endTo, minRows, maxRows, label };
  }

  /**
   * Calls `visit` with each selected position, newest first, until it returns false. One
   * monomorphic loop over the typed columns: this is the hot path of every filtered query.
   */
  scan(s: Selection, visit: (position: number) => boolean | void): void {
    const { end, rowcount } = this;
    const [c0, c1, c2, c3] = this.labels as [Int32Array, Int32Array, Int32Array, Int32Array];
    const [l0, l1, l2, l3] = s.label;
    const { endTo, minRows, maxRows, lo } = s;
    for (let i = s.hi - 1; i >= lo; i--) {
      if (!s.all) {
        if ((end[i] as number) > endTo) continue;
        const r = rowcount[i] as number;
        if (r < minRows || r > maxRows) continue;
        if (l0 !== -1 && c0[i] !== l0) continue;
        if (l1 !== -1 && c1[i] !== l1) continue;
        if (l2 !== -1 && c2[i] !== l2) continue;
        if (l3 !== -1 && c3[i] !== l3) continue;
      }
      if (visit(i) === false) return;
    }
  }

  count(s: Selection): number {
    if (s.all) return s.hi - s.lo;
    let n = 0;
    this.scan(s, () => {
      n++;
    });
    return n;
  }

  /** Positions of the selected rows, newest first, skipping `offset` and keeping `limit`;
   * also counts every selected row. */
  page(s: Selection, offset: number, limit: number): { total: number; positions: number[] } {
    const positions: number[] = [];
    if (s.all) {
      for (let i = s.hi - 1 - offset; i >= s.lo && positions.length < limit; i--) positions.push(i);
      return { total: s.hi - s.lo, positions };
    }
    let seen = 0;
    const stop = offset + limit;
    this.scan(s, (i) => {
      if (seen >= offset && seen < stop) positions.push(i);
      seen++;
    });
    return { total: seen, positions };
  }

  /** Line references of every selected row, newest first: a snapshot later appends cannot move. */
  refs(s: Selection): { offsets: Float64Array; lengths: Uint32Array } {
    const n = this.count(s);
    const offsets = new Float64Array(n);
    const lengths = new Uint32Array(n);
    let k = 0;
    this.scan(s, (i) => {
      offsets[k] = this.offset[i] as number;
      lengths[k] = this.length[i] as number;
      k++;
    });
    return { offsets, lengths };
  }

  ref(position: number): LineRef {
    return { offset: this.offset[position] as number, length: this.length[position] as number };
  }

  /** Per-pipeline summaries over the selection, in the port's order. */
  summaries(s: Selection | null): PipelineSummary[] {
    const everything = !s || (s.all && s.lo === 0 && s.hi === this.size);
    const stats = everything ? this.groups : this.groupStats(s);
    const rows = stats.filter((g) => g.total > 0).map((g) => ({
      micros: g.lastMicros,
      summary: {
        pipeline_name: g.labels[0] ?? null,
        script_name: g.labels[1] ?? null,
        pipeline_type: g.labels[2] ?? null,
        environment: g.labels[3] ?? null,
        total_runs: g.total,
        last_run: g.lastRun,
        avg_duration: g.durationCount ? g.durationSum / g.durationCount : null,
        avg_rowcount: g.rowCount ? g.rowSum / g.rowCount : null,
        first_run: formatUtcMicros(g.firstMicros),
        last_duration: g.lastDuration,
        last_rowcount: g.lastRowcount,
      },
    }));
    rows.sort((a, b) => b.micros - a.micros || compareLabels(a.summary, b.summary));
    return rows.map((r) => r.summary);
  }

  private groupStats(s: Selection): GroupStats[] {
    const out: GroupStats[] = this.groups.map((g) => ({
      ...g,
      total: 0,
      firstMicros: Infinity,
      lastMicros: -Infinity,
      lastOffset: -Infinity,
      durationSum: 0,
      durationCount: 0,
      rowSum: 0,
      rowCount: 0,
    }));
    this.scan(s, (i) => {
      const g = out[this.group[i] as number] as GroupStats;
      g.total += 1;
      const start = this.start[i] as number;
      const e = this.elapsed[i] as number;
      const r = this.rowcount[i] as number;
      if (start < g.firstMicros) g.firstMicros = start;
      // The walk goes newest first, so the first run seen at a start wins its ties.
      if (start > g.lastMicros) {
        g.lastMicros = start;
        g.lastDuration = e;
        g.lastRowcount = r;
      }
      if (e > 0) {
        g.durationSum += e;
        g.durationCount += 1;
      }
      if (r > 0) {
        g.rowSum += r;
        g.rowCount += 1;
      }
    });
    for (const g of out) if (g.total > 0) g.lastRun = formatUtcMicros(g.lastMicros);
    return out;
  }

  private valueId(value: string | null): number {
    if (value === null) return 0;
    let id = this.valueIds.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.valueIds.set(value, id);
    }
    return id;
  }

  private groupId(l0: number, l1: number, l2: number, l3: number): number {
    // One number per label combination while ids stay below 2^13 (they are distinct label
    // values, a few hundred in practice); a string beyond that.
    const key = l0 < 8192 && l1 < 8192 && l2 < 8192 && l3 < 8192 ? ((l0 * 8192 + l1) * 8192 + l2) * 8192 + l3 : `${l0},${l1},${l2},${l3}`;
    let id = this.groupIds.get(key);
    if (id === undefined) {
      id = this.groups.length;
      this.groupIds.set(key, id);
      this.groups.push({
        labels: [l0, l1, l2, l3].map((v) => this.values[v] ?? null),
        total: 0,
        firstMicros: Infinity,
        lastMicros: -Infinity,
        lastOffset: -Infinity,
        lastRun: "",
        lastDuration: 0,
        lastRowcount: 0,
        durationSum: 0,
        durationCount: 0,
        rowSum: 0,
        rowCount: 0,
      });
    }
    return id;
  }

  /** First position whose start is >= micros. */
  private lowerBound(micros: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.start[mid] as number) < micros) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position after every row ordered before (start, offset); usually the end. */
  private insertionPoint(start: number, offset: number): number {
    const last = this.size - 1;
    if (last < 0) return 0;
    const ls = this.start[last] as number;
    if (ls < start || (ls === start && (this.offset[last] as number) < offset)) return this.size;
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const ms = this.start[mid] as number;
      if (ms < start || (ms === start && (this.offset[mid] as number) < offset)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private shiftRight(at: number): void {
    const end = this.size;
    for (const column of this.columns()) column.copyWithin(at + 1, at, end);
  }

  private columns(): Array<Float64Array | Uint32Array | Int32Array> {
    return [this.start, this.end, this.elapsed, this.rowcount, this.offset, this.length, this.group, ...this.labels];
  }

  private grow(): void {
    this.capacity = Math.max(1024, Math.ceil(this.capacity * 1.5));
    const grow = <T extends Float64Array | Uint32Array | Int32Array>(old: T): T => {
      const next = new (old.constructor as new (n: number) => T)(this.capacity);
      next.set(old);
      return next;
    };
    this.start = grow(this.start);
    this.end = grow(this.end);
    this.elapsed = grow(this.elapsed);
    this.rowcount = grow(this.rowcount);
    this.offset = grow(this.offset);
    this.length = grow(this.length);
    this.group = grow(this.group);
    this.labels = this.labels.map(grow);
  }
}
