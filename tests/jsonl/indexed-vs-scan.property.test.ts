import { afterAll, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { parseDateTime } from "../../src/domain/datetime.ts";
import type { PipelineRun } from "../../src/domain/pipeline-info.ts";
import type { RunFilter } from "../../src/domain/run-filter.ts";
import { ORDER_FIELDS } from "../../src/domain/run-ordering.ts";
import { createJsonlRepository } from "../../src/repository/jsonl/jsonl-repository.ts";
import { createJsonlScanRepository } from "../../src/repository/jsonl/jsonl-scan-repository.ts";
import { encodeRun } from "../../src/repository/jsonl/record-codec.ts";
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
  .map((f): RunFilter => ({
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
  }));

const orderArb = fc.record({ field: fc.constantFrom(...ORDER_FIELDS), descending: fc.boolean() });

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

let dataset = 0;
test("the indexed store answers every query exactly as a plain scan of the file does", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(runArb, { maxLength: 120 }),
      fc.array(runArb, { maxLength: 20 }),
      fc.array(fc.tuple(filterArb, fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 130 }), orderArb), { minLength: 1, maxLength: 8 }),
      async (initial, appended, queries) => {
        const path = join(temp.dir, `runs-${dataset++}.jsonl`);
        await writeFile(path, initial.map(encodeRun).join(""));
        const indexed = createJsonlRepository({ path, fsync: "never", followIntervalMs: 60_000 });
        const scan = createJsonlScanRepository({ path, fsync: "never" });
        try {
          await indexed.countRuns({});
          // Appends through the store exercise out-of-order inserts into the sorted index.
          for (const run of appended) await indexed.insertRuns([run]);
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
        } finally {
          await indexed.close();
          await scan.close();
        }
      },
    ),
    { numRuns: 60 },
  );
});
