import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { parseDateTime } from "../../src/domain/datetime.ts";
import type { PipelineRun } from "../../src/domain/pipeline-info.ts";
import type { RunFilter } from "../../src/domain/run-query.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { makeRun } from "../support/runs.ts";

/** Builds a fresh, empty store; `dispose` removes whatever it left behind. */
export type RepositoryFactory = () => Promise<{ repository: RunRepository; dispose?: () => Promise<void> }>;

const at = (text: string) => {
  const parsed = parseDateTime(text, { allowDateOnly: true });
  if (!parsed) throw new Error(text);
  return parsed;
};

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/**
 * The repository contract: every adapter must pass exactly these cases, which is what lets the
 * fast adapters stand in for the others in HTTP tests.
 */
export function runRepositoryContract(name: string, factory: RepositoryFactory): void {
  describe(`${name} repository contract`, () => {
    let repository: RunRepository;
    let dispose: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      ({ repository, dispose } = await factory());
    });
    afterEach(async () => {
      await repository.close();
      await dispose?.();
    });

    const insertAll = async (runs: PipelineRun[]) => {
      for (const run of runs) await repository.insertRun(run);
    };
    const dates = async (filter: RunFilter, limit = 1000, offset = 0) =>
      (await repository.findRuns(filter, { limit, offset })).runs.map((r) => r.date_code);

    test("an empty store has no runs, no count and no summaries", async () => {
      expect(await repository.findRuns({}, { limit: 100, offset: 0 })).toEqual({ total: 0, runs: [] });
      expect(await repository.countRuns({})).toBe(0);
      expect(await repository.summarizePipelines()).toEqual([]);
      expect(await collect(repository.streamRuns({}))).toEqual([]);
    });

    test("a stored run reads back with every field as stored, nulls included", async () => {
      const run = makeRun({
        start_local: "2025-08-14T22:49:07.250",
        start_utc: "2025-08-15T05:49:07.25Z",
        pipeline_type: null,
        environment: null,
        script_name: "ünïcode ✓.py",
        elapsed_seconds: 0.125,
      });
      const stored = await repository.insertRun(run);
      expect(stored).toEqual(run);
      const page = await repository.findRuns({}, { limit: 10, offset: 0 });
      expect(page).toEqual({ total: 1, runs: [run] });
      expect(await collect(repository.streamRuns({}))).toEqual([run]);
    });

    test("runs come newest start_utc first; equal starts most recently stored first", async () => {
      await insertAll([
        makeRun({ date_code: "b", start: "2025-01-02T00:00:00Z" }),
        makeRun({ date_code: "tie-1", start: "2025-01-03T00:00:00Z" }),
        makeRun({ date_code: "a", start: "2025-01-01T00:00:00Z" }),
        makeRun({ date_code: "tie-2", start: "2025-01-03T00:00:00Z" }),
        makeRun({ date_code: "frac", start: "2025-01-02T00:00:00.5Z" }),
      ]);
      expect(await dates({})).toEqual(["tie-2", "tie-1", "frac", "b", "a"]);
      expect((await collect(repository.streamRuns({}))).map((r) => r.date_code)).toEqual(["tie-2", "tie-1", "frac", "b", "a"]);
    });

    test("pages follow the same order; an offset past the end is empty but keeps the total", async () => {
      const runs = Array.from({ length: 7 }, (_, i) => makeRun({ date_code: `d${i}`, start: `2025-02-0${i + 1}T00:00:00Z` }));
      await insertAll(runs);
      const all = await dates({});
      expect(all).toEqual(["d6", "d5", "d4", "d3", "d2", "d1", "d0"]);
      const pages = [...(await dates({}, 3, 0)), ...(await dates({}, 3, 3)), ...(await dates({}, 3, 6))];
      expect(pages).toEqual(all);
      expect(await repository.findRuns({}, { limit: 3, offset: 7 })).toEqual({ total: 7, runs: [] });
      expect(await repository.findRuns({}, { limit: 3, offset: 100 })).toEqual({ total: 7, runs: [] });
      expect((await repository.findRuns({}, { limit: 1, offset: 0 })).total).toBe(7);
    });

    describe("filters", () => {
      beforeEach(async () => {
        await insertAll([
          makeRun({ date_code: "r1", start: "2025-03-01T10:00:00Z", seconds: 60, rowcount: 0, environment: "prod", pipeline_name: "sales" }),
          makeRun({ date_code: "r2", start: "2025-03-02T10:00:00Z", seconds: 120, rowcount: 100, environment: "dev", pipeline_name: "sales" }),
          makeRun({ date_code: "r3", start: "2025-03-03T10:00:00Z", seconds: 60, rowcount: 200, environment: "prod", pipeline_name: "billing", script_name: "b.py" }),
          makeRun({ date_code: "r4", start: "2025-03-04T10:00:00Z", seconds: 60, rowcount: 300, environment: null, pipeline_name: "billing", pipeline_type: "stream" }),
        ]);
      });

      test("start_utc is an inclusive lower bound on the start", async () => {
        expect(await dates({ startUtcFrom: at("2025-03-02T10:00:00Z") })).toEqual(["r4", "r3", "r2"]);
        expect(await dates({ startUtcFrom: at("2025-03-02T10:00:00.001Z") })).toEqual(["r4", "r3"]);
      });

      test("end_utc is an inclusive upper bound on the end", async () => {
        expect(await dates({ endUtcTo: at("2025-03-02T10:02:00Z") })).toEqual(["r2", "r1"]);
        expect(await dates({ endUtcTo: at("2025-03-02T10:01:59Z") })).toEqual(["r1"]);
      });

      test("a naive instant is UTC; an offset instant is converted", async () => {
        expect(await dates({ startUtcFrom: at("2025-03-03 10:00:00") })).toEqual(["r4", "r3"]);
        expect(await dates({ startUtcFrom: at("2025-03-03T12:00:00+02:00") })).toEqual(["r4", "r3"]);
        expect(await dates({ startUtcFrom: at("2025-03-03T05:00:01-05:00") })).toEqual(["r4"]);
      });

      test("rowcount bounds are inclusive", async () => {
        expect(await dates({ minRowcount: 100 })).toEqual(["r4", "r3", "r2"]);
        expect(await dates({ maxRowcount: 100 })).toEqual(["r2", "r1"]);
        expect(await dates({ minRowcount: 100, maxRowcount: 200 })).toEqual(["r3", "r2"]);
        expect(await dates({ minRowcount: 201, maxRowcount: 200 })).toEqual([]);
      });

      test("labels match exactly, alone and combined", async () => {
        expect(await dates({ labels: { environment: "prod" } })).toEqual(["r3", "r1"]);
        expect(await dates({ labels: { environment: "Prod" } })).toEqual([]);
        expect(await dates({ labels: { pipeline_name: "billing" } })).toEqual(["r4", "r3"]);
        expect(await dates({ labels: { pipeline_name: "billing", environment: "prod" } })).toEqual(["r3"]);
        expect(await dates({ labels: { script_name: "b.py" } })).toEqual(["r3"]);
        expect(await dates({ labels: { pipeline_type: "stream" } })).toEqual(["r4"]);
      });

      test("every filter combined, with count, stream and pages agreeing", async () => {
        const filter: RunFilter = {
          startUtcFrom: at("2025-03-02"),
          endUtcTo: at("2025-03-04T10:01:00Z"),
          minRowcount: 100,
          maxRowcount: 300,
          labels: { pipeline_name: "billing" },
        };
        expect(await dates(filter)).toEqual(["r4", "r3"]);
        expect(await repository.countRuns(filter)).toBe(2);
        expect((await collect(repository.streamRuns(filter))).map((r) => r.date_code)).toEqual(["r4", "r3"]);
        expect(await repository.findRuns(filter, { limit: 1, offset: 1 })).toMatchObject({ total: 2, runs: [{ date_code: "r3" }] });
      });

      test("summaries accept the same filters", async () => {
        const summaries = await repository.summarizePipelines({ labels: { environment: "prod" } });
        expect(summaries.map((s) => [s.pipeline_name, s.total_runs])).toEqual([["billing", 1], ["sales", 1]]);
      });
    });

    test("summaries group by all four labels, nulls as their own group, newest last_run first", async () => {
      await insertAll([
        makeRun({ pipeline_name: "p", environment: "prod", start: "2025-04-01T00:00:00Z", seconds: 10, rowcount: 10 }),
        makeRun({ pipeline_name: "p", environment: "prod", start: "2025-04-03T00:00:00Z", seconds: 30, rowcount: 0 }),
        makeRun({ pipeline_name: "p", environment: "prod", start: "2025-04-02T00:00:00Z", seconds: 0, rowcount: 30 }),
        makeRun({ pipeline_name: "p", environment: null, start: "2025-04-05T00:00:00Z", seconds: 0, rowcount: 0 }),
        makeRun({ pipeline_name: "q", environment: "prod", start: "2025-04-04T00:00:00Z", seconds: 5, rowcount: 7 }),
      ]);
      const summaries = await repository.summarizePipelines();
      expect(summaries).toEqual([
        { pipeline_name: "p", script_name: makeRun().script_name, pipeline_type: "batch", environment: null, total_runs: 1, last_run: "2025-04-05T00:00:00Z", avg_duration: null, avg_rowcount: null, first_run: "2025-04-05T00:00:00Z", last_duration: 0, last_rowcount: 0 },
        { pipeline_name: "q", script_name: makeRun().script_name, pipeline_type: "batch", environment: "prod", total_runs: 1, last_run: "2025-04-04T00:00:00Z", avg_duration: 5, avg_rowcount: 7, first_run: "2025-04-04T00:00:00Z", last_duration: 5, last_rowcount: 7 },
        { pipeline_name: "p", script_name: makeRun().script_name, pipeline_type: "batch", environment: "prod", total_runs: 3, last_run: "2025-04-03T00:00:00Z", avg_duration: 20, avg_rowcount: 20, first_run: "2025-04-01T00:00:00Z", last_duration: 30, last_rowcount: 0 },
      ]);
    });

    test("the last run of a group is the latest start; on a tie, the most recently stored", async () => {
      await insertAll([
        makeRun({ pipeline_name: "t", start: "2025-06-01T00:00:00Z", seconds: 11, rowcount: 1 }),
        makeRun({ pipeline_name: "t", start: "2025-06-02T00:00:00Z", seconds: 22, rowcount: 2 }),
        makeRun({ pipeline_name: "t", start: "2025-06-02T00:00:00Z", seconds: 33, rowcount: 3 }),
        makeRun({ pipeline_name: "t", start: "2025-05-01T00:00:00Z", seconds: 44, rowcount: 4 }),
      ]);
      const [summary] = await repository.summarizePipelines();
      expect(summary).toMatchObject({ total_runs: 4, first_run: "2025-05-01T00:00:00Z", last_run: "2025-06-02T00:00:00Z", last_duration: 33, last_rowcount: 3 });
      const [filtered] = await repository.summarizePipelines({ maxRowcount: 2 });
      expect(filtered).toMatchObject({ total_runs: 2, first_run: "2025-06-01T00:00:00Z", last_duration: 22, last_rowcount: 2 });
    });

    test("summaries with the same last_run are ordered by labels, nulls first", async () => {
      await insertAll([
        makeRun({ pipeline_name: "b", start: "2025-05-01T00:00:00Z" }),
        makeRun({ pipeline_name: "a", start: "2025-05-01T00:00:00Z" }),
        makeRun({ pipeline_name: "a", environment: null, start: "2025-05-01T00:00:00Z" }),
      ]);
      const summaries = await repository.summarizePipelines();
      expect(summaries.map((s) => [s.pipeline_name, s.environment])).toEqual([["a", null], ["a", "prod"], ["b", "prod"]]);
    });

    test("inserts do not disturb each other and all become visible", async () => {
      const runs = Array.from({ length: 50 }, (_, i) => makeRun({ date_code: `c${i}`, pid: i }));
      await Promise.all(runs.map((run) => repository.insertRun(run)));
      expect(await repository.countRuns({})).toBe(50);
      const pids = (await repository.findRuns({}, { limit: 100, offset: 0 })).runs.map((r) => r.pid).sort((a, b) => a - b);
      expect(pids).toEqual(runs.map((r) => r.pid));
    });

    test("health reports a healthy store once it serves", async () => {
      await repository.countRuns({});
      expect((await repository.health()).status).toBe("healthy");
    });
  });
}
