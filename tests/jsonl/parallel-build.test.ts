import { afterAll, expect, test } from "bun:test";
import { appendFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PipelineRun } from "../../src/domain/pipeline-info.ts";
import type { RunFilter } from "../../src/domain/run-filter.ts";
import { ORDER_FIELDS } from "../../src/domain/run-ordering.ts";
import { createLogger } from "../../src/logger.ts";
import { type BuildPlan, buildGeneration, consumeLines, type Generation } from "../../src/repository/jsonl/generation.ts";
import { encodeRun } from "../../src/repository/jsonl/record-codec.ts";
import { readRuns } from "../../src/repository/jsonl/run-reader.ts";
import { generateRun, prng } from "../bench/generate.ts";
import { tempDir } from "../support/temp-dir.ts";

const temp = await tempDir();
afterAll(() => temp.remove());

const LINE_BY_LINE: BuildPlan = { parallelFromBytes: Number.POSITIVE_INFINITY, workers: 1, rangeBytes: 1 };
const parallel = (rangeBytes: number, workers = 2): BuildPlan => ({ parallelFromBytes: 0, workers, rangeBytes });

/** A file with everything a range boundary can fall into: shuffled runs with equal starts,
 * blank, CRLF, non-JSON and invalid lines, multi-byte text, one very long line, and a tail. */
function fileText(count: number, tail: string, long = true): string {
  const random = prng(3);
  const runs = Array.from({ length: count }, (_, i) => generateRun(i, count, random));
  for (let i = runs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [runs[i], runs[j]] = [runs[j] as PipelineRun, runs[i] as PipelineRun];
  }
  const lines: string[] = [];
  runs.forEach((run, i) => {
    // Every tenth run shares the start of the one before it: ties keep file order.
    const previous = runs[i - 1];
    const tied = i % 10 === 5 && previous ? { ...run, start_utc: previous.start_utc, start_local: previous.start_local } : run;
    const line = encodeRun(i % 17 === 3 ? { ...tied, pipeline_name: `pïpeline ✓ ${i % 3}` } : tied).slice(0, -1);
    lines.push(i % 23 === 7 ? `${line}\r` : line);
    if (i % 29 === 11) lines.push("");
    if (i % 31 === 13) lines.push("{not json");
    if (i % 37 === 17) lines.push(JSON.stringify({ ...run, rowcount: "many" }));
    if (long && i === Math.floor(count / 2)) lines.push(encodeRun({ ...run, output_file: `/x/${"ü".repeat(600_000)}` }).slice(0, -1));
  });
  return `${lines.join("\n")}\n${tail}`;
}

const FILTERS: RunFilter[] = [{}, { labels: { environment: ["prod"] } }, { minRowcount: 500_000 }, { labels: { pipeline_name: ["pïpeline ✓ 1"] } }];

async function build(path: string, plan: BuildPlan) {
  const warnings: unknown[] = [];
  const logger = createLogger("warn", (line) => {
    const { msg, line: number, reason } = JSON.parse(line);
    warnings.push({ msg, number, reason });
  });
  const gen = await buildGeneration(path, logger, () => {}, false, undefined, plan);
  await gen.handle?.close();
  return { gen, warnings };
}

/** Everything a build leaves that answers depend on. */
function answers({ gen, warnings }: { gen: Generation; warnings: unknown[] }) {
  const index = gen.index;
  return {
    state: { indexedBytes: gen.indexedBytes, provisionalTail: gen.provisionalTail, nextLine: gen.nextLine, skipped: gen.skipped, size: index.size },
    warnings,
    queries: FILTERS.map((filter) => {
      const s = index.select(filter);
      return {
        count: index.count(s),
        orders: ORDER_FIELDS.flatMap((field) =>
          [false, true].map((descending) => {
            const { offsets, lengths } = index.refs(s, { field, descending });
            return [Array.from(offsets), Array.from(lengths)];
          }),
        ),
        summaries: index.summaries(s),
        page: index.page(s, { limit: 7, offset: 3, order: { field: "start_utc", descending: true }, total: true }),
      };
    }),
  };
}

for (const [name, tail] of [
  ["a newline at the end", ""],
  ["a whole record without newline", encodeRun(generateRun(5, 10, prng(9))).slice(0, -1)],
  ["a torn last line", '{"start_utc":"2024-'],
] as const) {
  test(`worker threads build what a line-by-line read builds, ranges cut anywhere (${name})`, async () => {
    const path = join(temp.dir, `mixed-${name.length}.jsonl`);
    await writeFile(path, fileText(3000, tail));
    const expected = answers(await build(path, LINE_BY_LINE));
    expect(expected.state.skipped).toBeGreaterThan(100);
    for (const plan of [parallel(4093), parallel(200_000), parallel(1 << 30), parallel(65_536, 1), parallel(777, 3)]) {
      expect(answers(await build(path, plan))).toEqual(expected);
    }
  }, 60_000);
}

test("tiny ranges: most hold no line start, some lines span many ranges", async () => {
  const path = join(temp.dir, "tiny.jsonl");
  await writeFile(path, fileText(60, encodeRun(generateRun(1, 2, prng(4))).slice(0, -1), false));
  const expected = answers(await build(path, LINE_BY_LINE));
  for (const rangeBytes of [7, 97, 5000]) expect(answers(await build(path, parallel(rangeBytes)))).toEqual(expected);
}, 60_000);

test("a follow reads the generation's own file, not what the path names after a rotation", async () => {
  const path = join(temp.dir, "rotated.jsonl");
  const random = prng(8);
  const own = Array.from({ length: 40 }, (_, i) => generateRun(i, 40, random));
  await writeFile(path, own.slice(0, 20).map(encodeRun).join(""));
  const logger = createLogger("silent");
  const gen = await buildGeneration(path, logger, () => {}, false);
  expect(gen.index.size).toBe(20);
  // The file grows, then is rotated away and replaced before the follow reads the growth.
  await appendFile(path, own.slice(20).map(encodeRun).join(""));
  await rename(path, `${path}.1`);
  const other = Array.from({ length: 300 }, (_, i) => generateRun(i, 300, prng(99)));
  await writeFile(path, other.map(encodeRun).join(""));
  await consumeLines(gen, path, logger, gen.indexedBytes);
  expect(gen.index.size).toBe(40);
  // Every indexed line is one of the generation's own runs, read back from its own file.
  const { offsets, lengths } = gen.index.refs(gen.index.select({}), { field: "start_utc", descending: false });
  const read = await readRuns(gen, path, offsets, lengths);
  const key = (r: PipelineRun) => `${r.start_utc} ${r.pid} ${r.output_file}`;
  expect(read.map(key)).toEqual(own.map(key));
  expect(gen.indexedBytes).toBe(Buffer.byteLength(await Bun.file(`${path}.1`).text()));
  await gen.handle?.close();
});
