import { parseDateTime } from "../../domain/datetime.ts";
import { LABELS } from "../../domain/pipeline-info.ts";
import type { RunKeys } from "../../domain/run-decoder.ts";
import type { RunFilter } from "../../domain/run-filter.ts";
import type { OrderField } from "../../domain/run-ordering.ts";
import type { PipelineStats } from "../../domain/statistics.ts";
import { GroupStats, rankGroups } from "../pipeline-stats.ts";
import type { Keyset } from "../port.ts";

/** Where a run's line is in the file. */
export interface LineRef {
  offset: number;
  length: number;
}

/**
 * Rows a filter selects: positions [lo, hi) of the sorted columns (the start_utc bound), then
 * per-row bounds; a label's allowed ids as a membership table (null: any value). `all` means
 * every row in the range matches.
 */
export interface Selection {
  lo: number;
  hi: number;
  all: boolean;
  endTo: number;
  minRows: number;
  maxRows: number;
  minElapsed: number;
  maxElapsed: number;
  localFrom: number;
  localTo: number;
  labels: [Uint8Array | null, Uint8Array | null, Uint8Array | null, Uint8Array | null];
}

const UNBOUNDED = { endTo: Infinity, minRows: -Infinity, maxRows: Infinity, minElapsed: -Infinity, maxElapsed: Infinity, localFrom: -Infinity, localTo: Infinity };
const EMPTY: Selection = { lo: 0, hi: 0, all: true, ...UNBOUNDED, labels: [null, null, null, null] };

/**
 * The in-memory index of a JSONL file: typed columns, one row per run, kept sorted by
 * (start_utc, file offset) ascending, so "newest first" is a walk from the end and a start_utc
 * bound is a binary search. About 90 bytes a run; the records stay in the file and are read
 * back by offset. Per-pipeline statistics are folded in as rows arrive.
 */
export class RunIndex {
  size = 0;
  private capacity: number;
  start: Float64Array;
  end: Float64Array;
  /** start_local as wall-clock microseconds (the local text read as if it were UTC). */
  startLocal: Float64Array;
  elapsed: Float64Array;
  rowcount: Float64Array;
  offset: Float64Array;
  length: Uint32Array;
  group: Int32Array;
  labels: Int32Array[];
  /** identityHash of each run, to find a stored identity without reading lines. */
  identity: Int32Array;

  /** Label values; id 0 is null. */
  private readonly values: (string | null)[] = [null];
  private readonly valueIds = new Map<string, number>();
  private readonly groups: GroupStats[] = [];
  private readonly groupIds = new Map<number | string, number>();

  constructor(initialCapacity = 1024) {
    this.capacity = initialCapacity;
    this.start = new Float64Array(initialCapacity);
    this.end = new Float64Array(initialCapacity);
    this.startLocal = new Float64Array(initialCapacity);
    this.elapsed = new Float64Array(initialCapacity);
    this.rowcount = new Float64Array(initialCapacity);
    this.offset = new Float64Array(initialCapacity);
    this.length = new Uint32Array(initialCapacity);
    this.group = new Int32Array(initialCapacity);
    this.labels = LABELS.map(() => new Int32Array(initialCapacity));
    this.identity = new Int32Array(initialCapacity);
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
    this.startLocal[at] = keys.startLocalMicros;
    this.elapsed[at] = elapsed;
    this.rowcount[at] = rowcount;
    this.offset[at] = ref.offset;
    this.length[at] = ref.length;
    this.group[at] = groupId;
    this.identity[at] = keys.identity;
    const [c0, c1, c2, c3] = this.labels as [Int32Array, Int32Array, Int32Array, Int32Array];
    c0[at] = l0;
    c1[at] = l1;
    c2[at] = l2;
    c3[at] = l3;
    this.size += 1;
    (this.groups[groupId] as GroupStats).addValues(startMicros, ref.offset, elapsed, rowcount);
  }

  /** The rows a filter selects. */
  select(filter: RunFilter): Selection {
    const lo = filter.startUtcFrom ? this.lowerBound(filter.startUtcFrom.epochMicros) : 0;
    const hi = this.size;
    if (lo >= hi) return EMPTY;
    const labels: Selection["labels"] = [null, null, null, null];
    for (let l = 0; l < LABELS.length; l++) {
      const wanted = filter.labels?.[LABELS[l] as (typeof LABELS)[number]];
      if (wanted === undefined) continue;
      const member = new Uint8Array(this.values.length);
      let any = false;
      for (const value of wanted) {
        const id = this.valueIds.get(value);
        if (id !== undefined) {
          member[id] = 1;
          any = true;
        }
      }
      if (!any) return EMPTY;
      labels[l] = member;
    }
    const local = (text: string | undefined) => (text === undefined ? undefined : parseDateTime(text)?.epochMicros);
    const s: Selection = {
      lo,
      hi,
      all: false,
      endTo: filter.endUtcTo?.epochMicros ?? Infinity,
      minRows: filter.minRowcount ?? -Infinity,
      maxRows: filter.maxRowcount ?? Infinity,
      minElapsed: filter.minElapsedSeconds ?? -Infinity,
      maxElapsed: filter.maxElapsedSeconds ?? Infinity,
      localFrom: local(filter.startLocalFrom) ?? -Infinity,
      localTo: local(filter.startLocalTo) ?? Infinity,
      labels,
    };
    s.all = Object.entries(UNBOUNDED).every(([k, v]) => s[k as keyof typeof UNBOUNDED] === v) && labels.every((m) => m === null);
    return s;
  }

  /**
   * Calls `visit` with each selected position, newest start first (or oldest first), until it
   * returns false. One monomorphic loop over the typed columns: the hot path of every filtered
   * query.
   */
  scan(s: Selection, visit: (position: number) => boolean | void, ascending = false): void {
    const { end, rowcount, elapsed, startLocal } = this;
    const [c0, c1, c2, c3] = this.labels as [Int32Array, Int32Array, Int32Array, Int32Array];
    const [m0, m1, m2, m3] = s.labels;
    const { endTo, minRows, maxRows, minElapsed, maxElapsed, localFrom, localTo, lo, hi, all } = s;
    // Bounds that do not filter are skipped outright, so their columns are never read: at a
    // million rows the memory traffic, not the comparisons, is what a scan costs.
    const byEnd = endTo !== Infinity;
    const byRows = minRows !== -Infinity || maxRows !== Infinity;
    const byElapsed = minElapsed !== -Infinity || maxElapsed !== Infinity;
    const byLocal = localFrom !== -Infinity || localTo !== Infinity;
    const step = ascending ? 1 : -1;
    for (let i = ascending ? lo : hi - 1; ascending ? i < hi : i >= lo; i += step) {
      if (!all) {
        // Labels first: small integer columns, and usually the most selective test.
        if (m0 !== null && m0[c0[i] as number] !== 1) continue;
        if (m1 !== null && m1[c1[i] as number] !== 1) continue;
        if (m2 !== null && m2[c2[i] as number] !== 1) continue;
        if (m3 !== null && m3[c3[i] as number] !== 1) continue;
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

  /** The order value of a row, as the port's keysets carry it. */
  valueAt(position: number, field: OrderField): number | string | null {
    switch (field) {
      case "start_utc":
        return this.start[position] as number;
      case "end_utc":
        return this.end[position] as number;
      case "elapsed_seconds":
        return this.elapsed[position] as number;
      case "rowcount":
        return this.rowcount[position] as number;
      case "pipeline_name":
        return this.values[this.labels[0]?.[position] as number] ?? null;
    }
  }

  keysetAt(position: number, field: OrderField): Keyset {
    return { value: this.valueAt(position, field), tie: this.offset[position] as number };
  }

  ref(position: number): LineRef {
    return { offset: this.offset[position] as number, length: this.length[position] as number };
  }

  /** Positions that start at `micros` with one of the identity hashes, by hash: the candidates
   * an identity lookup must read. One pass over the runs with that start serves a whole batch. */
  identityCandidates(micros: number, hashes: ReadonlySet<number>): Map<number, number[]> {
    const found = new Map<number, number[]>();
    const { identity, start } = this;
    let i = this.lowerBound(micros);
    if (hashes.size === 1) {
      // The single-run POST: one integer compare per run with this start.
      const [h] = hashes as Set<number>;
      const list: number[] = [];
      for (; i < this.size && start[i] === micros; i++) if (identity[i] === h) list.push(i);
      if (list.length) found.set(h as number, list);
      return found;
    }
    for (; i < this.size && start[i] === micros; i++) {
      const h = identity[i] as number;
      if (!hashes.has(h)) continue;
      const list = found.get(h);
      if (list) list.push(i);
      else found.set(h, [i]);
    }
    return found;
  }

  labelValue(position: number, label: number): string | null {
    return this.values[this.labels[label]?.[position] as number] ?? null;
  }

  /** Per-pipeline statistics over the selection, in the port's order. */
  summaries(s: Selection): PipelineStats[] {
    if (s.all && s.lo === 0 && s.hi === this.size) return rankGroups(this.groups);
    const out = this.groups.map((g) => new GroupStats(g.labels));
    this.scan(s, (i) => {
      (out[this.group[i] as number] as GroupStats).addValues(this.start[i] as number, this.offset[i] as number, this.elapsed[i] as number, this.rowcount[i] as number);
    });
    return rankGroups(out);
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
      this.groups.push(new GroupStats([l0, l1, l2, l3].map((v) => this.values[v] ?? null)));
    }
    return id;
  }

  /** First position whose (start, offset) is >= (start, tie), or > it when `strictlyAfter`. */
  pairBound(start: number, tie: number, strictlyAfter: boolean): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const ms = this.start[mid] as number;
      const mo = this.offset[mid] as number;
      const before = ms < start || (ms === start && (strictlyAfter ? mo <= tie : mo < tie));
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
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

  private columns(): Array<Float64Array | Uint32Array | Int32Array> {
    return [this.start, this.end, this.startLocal, this.elapsed, this.rowcount, this.offset, this.length, this.group, this.identity, ...this.labels];
  }

  private shiftRight(at: number): void {
    const end = this.size;
    for (const column of this.columns()) column.copyWithin(at + 1, at, end);
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
    this.startLocal = grow(this.startLocal);
    this.elapsed = grow(this.elapsed);
    this.rowcount = grow(this.rowcount);
    this.offset = grow(this.offset);
    this.length = grow(this.length);
    this.group = grow(this.group);
    this.identity = grow(this.identity);
    this.labels = this.labels.map(grow);
  }
}
