import { afterAll, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { parseDateTime } from "../../src/domain/datetime.ts";
import type { PipelineRun } from "../../src/domain/pipeline-info.ts";
import type { RunFilter } from "../../src/domain/run-query.ts";
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
    pipeline: fc.constantFrom("a", "b", "c", null),
    environment: fc.constantFrom("prod", "dev", null),
    type: fc.constantFrom("batch", null),
    naive: fc.boolean(),
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
      pipeline: fc.constantFrom("a", "b", "zzz"),
      environment: fc.constantFrom("prod", "dev"),
      type: fc.constant("batch"),
    },
    { requiredKeys: [] },
  )
  .map((f): RunFilter => ({
    startUtcFrom: f.from !== undefined ? instant(f.from) : undefined,
    endUtcTo: f.to !== undefined ? instant(f.to) : undefined,
    minRowcount: f.min,
    maxRowcount: f.max,
    labels: {
      ...(f.pipeline ? { pipeline_name: f.pipeline } : {}),
      ...(f.environment ? { environment: f.environment } : {}),
      ...(f.type ? { pipeline_type: f.type } : {}),
    },
  }));

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
      fc.array(fc.tuple(filterArb, fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 130 })), { minLength: 1, maxLength: 8 }),
      async (initial, appended, queries) => {
        const path = join(temp.dir, `runs-${dataset++}.jsonl`);
        await writeFile(path, initial.map(encodeRun).join(""));
        const indexed = createJsonlRepository({ path, fsync: "never", followIntervalMs: 60_000 });
        const scan = createJsonlScanRepository({ path, fsync: "never" });
        try {
          await indexed.countRuns({});
          // Appends through the store exercise out-of-order inserts into the sorted index.
          for (const run of appended) await indexed.insertRun(run);
          for (const [filter, limit, offset] of queries) {
            expect(await indexed.findRuns(filter, { limit, offset })).toEqual(await scan.findRuns(filter, { limit, offset }));
            expect(await indexed.countRuns(filter)).toBe(await scan.countRuns(filter));
            expect(await indexed.summarizePipelines(filter)).toEqual(await scan.summarizePipelines(filter));
            expect(await collect(indexed.streamRuns(filter))).toEqual(await collect(scan.streamRuns(filter)));
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
