import { afterAll, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { parseDateTime } from "../../src/domain/datetime.ts";
import type { PipelineRun } from "../../src/domain/pipeline-info.ts";
import type { RunFilter } from "../../src/domain/run-filter.ts";
import { ORDER_FIELDS } from "../../src/domain/run-ordering.ts";
import { createJsonlRepository } from "../../src/repository/jsonl/jsonl-repository.ts";
import { encodeRun } from "../../src/repository/jsonl/record-codec.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { createJsonlScanRepository } from "../support/jsonl-scan-repository.ts";
import { makeRun } from "../support/runs.ts";
import { tempDir } from "../support/temp-dir.ts";

const temp = await tempDir();
afterAll(() => temp.remove());

const DAY = 86_400_000;
const BASE = Date.UTC(2025, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);

// Few distinct values on purpose, so ties, shared labels and empty groups all happen.
const runArb = fc
  .record({
    day: fc.integer({ min: 0, max: 20 }),
    hour: fc.constantFrom(0, 6, 12),
    seconds: fc.constantFrom(0, 30, 3600),
    rowcount: fc.constantFrom(0, 5, 100, 1000),
    pipeline: fc.constantFrom("a", "b", "c"),
    environment: fc.constantFrom("prod", "dev", null),
    type: fc.constantFrom("batch", null),
    naive: fc.boolean(),
    localShiftHours: fc.constantFrom(0, -5, 9),
    localFraction: fc.constantFrom("", ".5", ".25"),
  })
  .map((r): PipelineRun => {
    const start = BASE + r.day * DAY + r.hour * 3_600_000;
    return makeRun({
      start: r.naive ? iso(start).replace("T", " ") : `${iso(start)}Z`,
      seconds: r.seconds,
      rowcount: r.rowcount,
      pipeline_name: r.pipeline,
      environment: r.environment,
      pipeline_type: r.type,
      date_code: `${r.day}-${r.hour}`,
      start_local: `${iso(start + r.localShiftHours * 3_600_000)}${r.localFraction}`,
    });
  });

const instant = (day: number) => parseDateTime(`${iso(BASE + day * DAY)}Z`) ?? undefined;
const filterArb = fc
  .record(
    {
      from: fc.integer({ min: -1, max: 22 }),
      to: fc.integer({ min: -1, max: 22 }),
      min: fc.constantFrom(0, 5, 100, 1001),
      max: fc.constantFrom(0, 5, 100, 1000),
      minElapsed: fc.constantFrom(0, 30, 31),
      maxElapsed: fc.constantFrom(0, 30, 3600),
      localFrom: fc.integer({ min: -1, max: 22 }),
      localTo: fc.integer({ min: -1, max: 22 }),
      pipeline: fc.subarray(["a", "b", "c", "zzz"], { minLength: 1 }),
      environment: fc.subarray(["prod", "dev"], { minLength: 1 }),
      type: fc.constant(["batch"] as string[]),
    },
    { requiredKeys: [] },
  )
  .map(
    (f): RunFilter => ({
      startUtcFrom: f.from !== undefined ? instant(f.from) : undefined,
      endUtcTo: f.to !== undefined ? instant(f.to) : undefined,
      startLocalFrom: f.localFrom !== undefined ? iso(BASE + f.localFrom * DAY) : undefined,
      startLocalTo: f.localTo !== undefined ? iso(BASE + f.localTo * DAY) : undefined,
      minRowcount: f.min,
      maxRowcount: f.max,
      minElapsedSeconds: f.minElapsed,
      maxElapsedSeconds: f.maxElapsed,
      labels: {
        ...(f.pipeline ? { pipeline_name: f.pipeline } : {}),
        ...(f.environment ? { environment: f.environment } : {}),
        ...(f.type ? { pipeline_type: f.type } : {}),
      },
    }),
  );

const orderArb = fc.record({ field: fc.constantFrom(...ORDER_FIELDS), descending: fc.boolean() });

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The orders files come in: as generated (random), sorted by start, reversed, or two sorted
 * files concatenated (two hosts). */
const ARRANGEMENTS = ["random", "sorted", "reversed", "two_files"] as const;
type Arrangement = (typeof ARRANGEMENTS)[number];
const startOf = (r: PipelineRun) => parseDateTime(r.start_utc)?.epochMicros ?? 0;
function arrange(runs: readonly PipelineRun[], how: Arrangement): PipelineRun[] {
  // A stable sort keeps duplicate starts in their generated order.
  const sorted = (list: readonly PipelineRun[]) => [...list].sort((a, b) => startOf(a) - startOf(b));
  switch (how) {
    case "random":
      return [...runs];
    case "sorted":
      return sorted(runs);
    case "reversed":
      return sorted(runs).reverse();
    case "two_files":
      return [...sorted(runs.filter((_, i) => i % 2 === 0)), ...sorted(runs.filter((_, i) => i % 2 === 1))];
  }
}

type Query = [RunFilter, number, number, { field: (typeof ORDER_FIELDS)[number]; descending: boolean }];

/** Every read of the port, on both stores, must agree. */
async function expectSameAnswers(indexed: RunRepository, scan: RunRepository, queries: readonly Query[]) {
  for (const [filter, limit, offset, order] of queries) {
    const first = await indexed.findRuns({ filter, order, limit, offset });
    expect(first).toEqual(await scan.findRuns({ filter, order, limit, offset }));
    if (first.next) {
      const q = { filter, order, limit, after: first.next, includeTotal: false };
      expect(await indexed.findRuns(q)).toEqual(await scan.findRuns(q));
    }
    expect(await indexed.countRuns(filter)).toBe(await scan.countRuns(filter));
    expect(await indexed.summarizePipelines(filter)).toEqual(await scan.summarizePipelines(filter));
    expect(await collect(indexed.streamRuns(filter, order))).toEqual(await collect(scan.streamRuns(filter, order)));
    expect(await indexed.runHistory(filter, "day", "America/New_York")).toEqual(await scan.runHistory(filter, "day", "America/New_York"));
  }
  expect(await indexed.summarizePipelines()).toEqual(await scan.summarizePipelines());
}

/** POSTs as singles and batches, in the order given: past and future runs interleave. */
async function post(store: RunRepository, runs: readonly PipelineRun[], batch: number) {
  for (let i = 0; i < runs.length; i += batch) await store.insertRuns(runs.slice(i, i + batch));
}

let dataset = 0;
async function withStores(lines: readonly PipelineRun[], use: (indexed: RunRepository, scan: RunRepository) => Promise<void>) {
  const path = join(temp.dir, `runs-${dataset++}.jsonl`);
  await writeFile(path, lines.map(encodeRun).join(""));
  const indexed = createJsonlRepository({ path, fsync: "never", followIntervalMs: 60_000 });
  const scan = createJsonlScanRepository({ path, fsync: "never" });
  try {
    await indexed.countRuns({});
    await use(indexed, scan);
  } finally {
    await indexed.close();
    await scan.close();
  }
}

const queriesArb = fc.array(fc.tuple(filterArb, fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 130 }), orderArb), { minLength: 1, maxLength: 8 });

test("the indexed store answers every query exactly as a plain scan of the file does, for files and POSTs in any order", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(runArb, { maxLength: 120 }),
      fc.constantFrom(...ARRANGEMENTS),
      fc.array(runArb, { maxLength: 30 }),
      fc.constantFrom(...ARRANGEMENTS),
      fc.integer({ min: 1, max: 7 }),
      queriesArb,
      async (initial, fileOrder, posted, postOrder, batch, queries) => {
        await withStores(arrange(initial, fileOrder), async (indexed, scan) => {
          await post(indexed, arrange(posted, postOrder), batch);
          await expectSameAnswers(indexed, scan, queries);
        });
      },
    ),
    { numRuns: 60 },
  );
}, 120_000);

/**
 * Thousands of runs, so that the index holds many chunks: ties across chunk boundaries, chunks
 * that split under inserts, a build that permutes every row. Runs come from a seeded generator
 * (fast-check would spend its time building and shrinking the arrays).
 */
function manyRuns(seed: number, count: number, distinctStarts: number): PipelineRun[] {
  let s = seed >>> 0;
  const random = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)] as T;
  return Array.from({ length: count }, (_, i) => {
    const slot = Math.floor(random() * distinctStarts);
    const start = BASE + Math.floor(((slot / distinctStarts) * 21 * DAY) / 1000) * 1000;
    return makeRun({
      start: `${iso(start)}Z`,
      seconds: pick([0, 30, 3600]),
      rowcount: pick([0, 5, 100, 1000]),
      pipeline_name: pick(["a", "b", "c"]),
      environment: pick(["prod", "dev", null]),
      pipeline_type: pick(["batch", null]),
      date_code: `${seed}-${i}`,
      pid: i,
    });
  });
}

test("across many index chunks: files in every order, then past and future POSTs, answer as a plain scan does", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.integer({ min: 5000, max: 11000 }),
      fc.constantFrom(20, 500, 1_000_000),
      fc.constantFrom(...ARRANGEMENTS),
      fc.constantFrom(...ARRANGEMENTS),
      queriesArb,
      async (seed, count, distinctStarts, fileOrder, postOrder, queries) => {
        const runs = manyRuns(seed, count + 1600, distinctStarts);
        await withStores(arrange(runs.slice(0, count), fileOrder), async (indexed, scan) => {
          // Singles, then one batch large enough to merge in slices: all among the stored runs.
          const posted = arrange(runs.slice(count), postOrder);
          await post(indexed, posted.slice(0, 100), 1);
          await post(indexed, posted.slice(100), 1500);
          // Whole exports in start order compare every row's place, ties across chunks included.
          const everything: Query[] = [
            [{}, 50, 4000, { field: "start_utc", descending: false }],
            [{}, 50, 4000, { field: "start_utc", descending: true }],
          ];
          await expectSameAnswers(indexed, scan, [...everything, ...queries]);
        });
      },
    ),
    { numRuns: 6 },
  );
}, 120_000);
