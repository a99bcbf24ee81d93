import { expect, test } from "bun:test";
import fc from "fast-check";
import { parseDateTime } from "../../src/domain/datetime.ts";
import type { RunFilter } from "../../src/domain/run-filter.ts";
import { RunIndex } from "../../src/repository/jsonl/run-index.ts";

// Counts over many full chunks (4,096 rows each) are decided from chunk summaries; these runs
// and filters make every bound pass all, none or some of a chunk's rows.
const ROWS = 30_000;
const HOUR = 3_600_000_000;
const BASE = Date.UTC(2025, 0, 1) * 1000;
const PIPELINES = ["a", "b", "c", "d", "e"];
const ENVIRONMENTS = ["prod", "dev", null];

interface Row {
  start: number;
  end: number;
  local: number;
  elapsed: number;
  rowcount: number;
  pipeline: string;
  environment: string | null;
}

function rowsOf(seed: number): Row[] {
  const random = fc.sample(fc.integer({ min: 0, max: 2 ** 30 }), { seed, numRuns: ROWS * 4 });
  return Array.from({ length: ROWS }, (_, i) => {
    const [a, b, c, d] = random.slice(i * 4, i * 4 + 4) as [number, number, number, number];
    // Mostly in time order, with past runs mixed in (as backfills make them).
    const start = BASE + (a % 10 === 0 ? a % ROWS : i) * HOUR;
    const elapsed = b % 7200;
    // Rowcounts beyond 2^24 in the first half: those chunks keep their rowcounts as float64.
    const rowcount = i < ROWS / 2 && d % 11 === 0 ? 2 ** 40 + (c % 1000) : c % 1000;
    return {
      start,
      end: start + elapsed * 1_000_000,
      local: start - 5 * HOUR,
      elapsed,
      rowcount,
      pipeline: PIPELINES[d % 5] as string,
      environment: ENVIRONMENTS[d % 3] ?? null,
    };
  });
}

const instant = (micros: number) => parseDateTime(`${new Date(micros / 1000).toISOString().slice(0, 19)}Z`) ?? undefined;
const localText = (micros: number) => new Date(micros / 1000).toISOString().slice(0, 19);

function matches(r: Row, f: RunFilter): boolean {
  const labels = f.labels ?? {};
  if (labels.pipeline_name && !labels.pipeline_name.includes(r.pipeline)) return false;
  if (labels.environment && (r.environment === null || !labels.environment.includes(r.environment))) return false;
  if (f.startUtcFrom && r.start < f.startUtcFrom.epochMicros) return false;
  if (f.endUtcTo && r.end > f.endUtcTo.epochMicros) return false;
  if (f.minRowcount !== undefined && r.rowcount < f.minRowcount) return false;
  if (f.maxRowcount !== undefined && r.rowcount > f.maxRowcount) return false;
  if (f.minElapsedSeconds !== undefined && r.elapsed < f.minElapsedSeconds) return false;
  if (f.maxElapsedSeconds !== undefined && r.elapsed > f.maxElapsedSeconds) return false;
  if (f.startLocalFrom !== undefined && r.local < (parseDateTime(f.startLocalFrom)?.epochMicros ?? 0)) return false;
  return true;
}

const filterArb = fc
  .record(
    {
      pipelines: fc.subarray(PIPELINES, { minLength: 1 }),
      environments: fc.subarray(["prod", "dev"], { minLength: 1 }),
      from: fc.integer({ min: 0, max: ROWS }),
      to: fc.integer({ min: 0, max: ROWS + 10 }),
      minRows: fc.integer({ min: 0, max: 1000 }),
      maxRows: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constant(2 ** 41)),
      minElapsed: fc.integer({ min: 0, max: 7200 }),
      local: fc.integer({ min: 0, max: ROWS }),
    },
    { requiredKeys: [] },
  )
  .map(
    (r): RunFilter => ({
      ...(r.pipelines || r.environments
        ? { labels: { ...(r.pipelines ? { pipeline_name: r.pipelines } : {}), ...(r.environments ? { environment: r.environments } : {}) } }
        : {}),
      ...(r.from !== undefined ? { startUtcFrom: instant(BASE + r.from * HOUR) } : {}),
      ...(r.to !== undefined ? { endUtcTo: instant(BASE + r.to * HOUR) } : {}),
      ...(r.minRows !== undefined ? { minRowcount: r.minRows } : {}),
      ...(r.maxRows !== undefined ? { maxRowcount: r.maxRows } : {}),
      ...(r.minElapsed !== undefined ? { minElapsedSeconds: r.minElapsed } : {}),
      ...(r.local !== undefined ? { startLocalFrom: localText(BASE + r.local * HOUR) } : {}),
    }),
  );

test("counts over many chunks agree with a plain count, after appends and past inserts too", () => {
  const rows = rowsOf(7);
  const index = new RunIndex();
  const stored: Row[] = [];
  const add = (r: Row) => {
    index.add(
      {
        startMicros: r.start,
        endMicros: r.end,
        startLocalMicros: r.local,
        identity: stored.length,
        elapsed: r.elapsed,
        rowcount: r.rowcount,
        startUtc: "",
        labels: [r.pipeline, null, null, r.environment],
      },
      { offset: stored.length * 100, length: 99 },
    );
    stored.push(r);
  };
  rows.slice(0, ROWS - 500).forEach(add);
  const check = () =>
    fc.assert(
      fc.property(filterArb, (f) => {
        expect(index.count(index.select(f))).toBe(stored.filter((r) => matches(r, f)).length);
      }),
      { numRuns: 150, seed: 11 },
    );
  check();
  // Rows that change summarized chunks: each must be summarized again.
  rows.slice(ROWS - 500).forEach(add);
  check();
});
