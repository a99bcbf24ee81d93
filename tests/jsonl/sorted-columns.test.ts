import { expect, test } from "bun:test";
import type { RowValues } from "../../src/repository/jsonl/index/chunk.ts";
import { SortedColumns, StagedRows } from "../../src/repository/jsonl/index/columns.ts";
import { runNow, stableOrder } from "../../src/repository/jsonl/index/stable-order.ts";
import { prng } from "../bench/generate.ts";

/** A row whose every value is derived from its file offset, so a row moved apart from its
 * values (or two rows' values mixed) is caught. */
const rowAt = (offset: number, start: number): RowValues => ({
  start,
  end: start + 7,
  startLocal: start - 3600e6,
  elapsed: offset / 8,
  rowcount: offset * 3,
  offset,
  length: offset % 997,
  group: offset % 13,
  identity: (offset * 2654435761) | 0,
});

test("a build's takeover of staged rows, either way, lays them out sorted by (start, offset), every row whole", () => {
  const random = prng(5);
  // Sizes below a chunk, over one permutation block, and with ties; starts in random order.
  for (const [n, distinct, lean] of [
    [1000, 1e9, false],
    [1000, 1e9, true],
    [150_001, 1e9, false],
    [150_001, 1e9, true],
    [70_000, 40, true],
  ] as const) {
    const staged = new StagedRows();
    for (let i = 0; i < n; i++) staged.push(rowAt(i * 10, Math.floor(random() * distinct) * 1000));
    const order = runNow(stableOrder(staged.starts(), lean));
    const columns = new SortedColumns();
    runNow(columns.merge(staged, order, false, lean));
    expect(columns.size).toBe(n);
    let previous = { start: -Infinity, offset: -Infinity };
    const seen = new Uint8Array(n);
    for (const chunk of columns.chunks) {
      for (let i = 0; i < chunk.n; i++) {
        const start = chunk.start[i] as number;
        const offset = chunk.offset[i] as number;
        expect(start > previous.start || (start === previous.start && offset > previous.offset)).toBe(true);
        previous = { start, offset };
        const expected = rowAt(offset, start);
        const actual: RowValues = {
          start,
          end: chunk.end[i] as number,
          startLocal: chunk.startLocal[i] as number,
          elapsed: chunk.elapsed[i] as number,
          rowcount: chunk.rowcount[i] as number,
          offset,
          length: chunk.length[i] as number,
          group: chunk.group[i] as number,
          identity: chunk.identity[i] as number,
        };
        if (JSON.stringify(actual) !== JSON.stringify(expected)) expect(actual).toEqual(expected);
        seen[offset / 10] = 1;
      }
    }
    expect(seen.every((v) => v === 1)).toBe(true);
  }
});
