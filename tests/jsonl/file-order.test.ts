import { afterAll, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDateTime } from "../../src/domain/datetime.ts";
import type { PipelineRun } from "../../src/domain/pipeline-info.ts";
import type { RunFilter } from "../../src/domain/run-filter.ts";
import { ORDER_FIELDS, type RunOrder } from "../../src/domain/run-ordering.ts";
import { createJsonlRepository } from "../../src/repository/jsonl/jsonl-repository.ts";
import { encodeRun } from "../../src/repository/jsonl/record-codec.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { generateRun, prng } from "../bench/generate.ts";
import { tempDir } from "../support/temp-dir.ts";

const temp = await tempDir();
afterAll(() => temp.remove());

// Enough runs for several index chunks (4096 rows each).
const COUNT = 10_000;
const random = prng(5);
// Start times strictly increase with i (generate.ts), so start order has no ties.
const runs = Array.from({ length: COUNT }, (_, i) => generateRun(i, COUNT, random));
const shuffle = (list: PipelineRun[]) => {
  const r = prng(11);
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [list[i], list[j]] = [list[j] as PipelineRun, list[i] as PipelineRun];
  }
  return list;
};
const FILES = {
  sorted: runs,
  shuffled: shuffle([...runs]),
  reversed: [...runs].reverse(),
  two_hosts: [...runs.filter((_, i) => i % 2 === 0), ...runs.filter((_, i) => i % 2 === 1)],
};

const instant = (text: string) => parseDateTime(text) ?? undefined;
const FILTERS: RunFilter[] = [
  {},
  { labels: { pipeline_name: ["pipeline_07"] } },
  {
    labels: { environment: ["prod"] },
    minRowcount: 1000,
    maxRowcount: 500_000,
    startUtcFrom: instant("2024-06-01T00:00:00Z"),
    endUtcTo: instant("2025-06-01T00:00:00Z"),
  },
  { labels: { pipeline_name: ["pipeline_01", "pipeline_02"], environment: ["dev", "qa"] }, startUtcFrom: instant("2025-01-01T00:00:00Z") },
  { minRowcount: 990_000 },
  { minElapsedSeconds: 100, maxElapsedSeconds: 200, startLocalFrom: "2024-03-01T00:00:00", startLocalTo: "2024-09-01T00:00:00" },
  { endUtcTo: instant("2024-02-01T00:00:00Z") },
  { labels: { pipeline_name: ["no such pipeline"] } },
];

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** What a query answers, made comparable across files: runs that tie on the order field are
 * ordered by their place in the file, which differs between the files, so ties are put in a
 * fixed order; keysets carry file offsets and are compared by presence. */
function canonical(list: PipelineRun[], order: RunOrder): PipelineRun[] {
  if (order.field === "start_utc") return list;
  const value = (r: PipelineRun) => r[order.field] ?? "";
  const groups: PipelineRun[][] = [];
  for (const run of list) {
    const last = groups.at(-1);
    if (last && value(last[0] as PipelineRun) === value(run)) last.push(run);
    else groups.push([run]);
  }
  return groups.flatMap((g) => g.sort((a, b) => (a.start_utc < b.start_utc ? -1 : 1)));
}

async function answers(store: RunRepository) {
  const out: unknown[] = [];
  for (const filter of FILTERS) {
    out.push(await store.countRuns(filter));
    out.push(await store.summarizePipelines(filter));
    out.push(await store.runHistory(filter, "week", "Europe/Berlin"));
    for (const field of ORDER_FIELDS) {
      for (const descending of [true, false]) {
        const order = { field, descending };
        // Ties make a page boundary fall between equal values differently; only start order
        // (no ties here) must page identically, every order must export the same runs.
        if (field === "start_utc") {
          for (const offset of [0, 150, 6_000]) {
            const page = await store.findRuns({ filter, order, limit: 100, offset });
            out.push({ total: page.total, runs: page.runs, more: page.next !== null });
          }
          let page = await store.findRuns({ filter, order, limit: 37 });
          for (let k = 0; k < 3 && page.next; k++) {
            page = await store.findRuns({ filter, order, limit: 37, after: page.next, includeTotal: false });
            out.push(page.runs);
          }
        }
        if (descending || field === "start_utc") out.push(canonical(await collect(store.streamRuns(filter, order)), order));
      }
    }
  }
  return out;
}

test("a store built from the shuffled, reversed or concatenated file answers every query as the sorted file's does", async () => {
  const results: Record<string, unknown[]> = {};
  for (const [name, list] of Object.entries(FILES)) {
    const path = join(temp.dir, `${name}.jsonl`);
    await writeFile(path, list.map(encodeRun).join(""));
    const store = createJsonlRepository({ path, fsync: "never", followIntervalMs: 60_000 });
    try {
      results[name] = await answers(store);
    } finally {
      await store.close();
    }
  }
  expect((results.sorted as unknown[]).length).toBeGreaterThan(100);
  expect(results.shuffled).toEqual(results.sorted as unknown[]);
  expect(results.reversed).toEqual(results.sorted as unknown[]);
  expect(results.two_hosts).toEqual(results.sorted as unknown[]);
}, 120_000);
