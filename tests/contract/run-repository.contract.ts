import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { parseDateTime } from "../../src/domain/datetime.ts";
import type { PipelineRun } from "../../src/domain/pipeline-info.ts";
import type { RunFilter } from "../../src/domain/run-filter.ts";
import type { OrderField } from "../../src/domain/run-ordering.ts";
import type { Keyset, RunRepository } from "../../src/repository/port.ts";
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

    const insert = async (run: PipelineRun) => (await repository.insertRuns([run]))[0];
    const insertAll = async (runs: PipelineRun[]) => {
      for (const run of runs) await insert(run);
    };
    const find = (filter: RunFilter, limit = 1000, offset = 0) => repository.findRuns({ filter, limit, offset });
    const dates = async (filter: RunFilter, limit = 1000, offset = 0) => (await find(filter, limit, offset)).runs.map((r) => r.date_code);

    test("an empty store has no runs, no count and no summaries", async () => {
      expect(await find({}, 100)).toEqual({ total: 0, runs: [], next: null });
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
      expect(await insert(run)).toEqual({ status: "created", run });
      expect(await find({}, 10)).toEqual({ total: 1, runs: [run], next: null });
      expect(await collect(repository.streamRuns({}))).toEqual([run]);
    });

    test("instants from 0001 to 9999 at microsecond precision read back exactly, in time order", async () => {
      const edges = [
        ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000001Z"],
        ["1600-02-29T12:00:00.5Z", "1600-02-29T12:00:00.75Z"],
        ["2300-06-01T12:34:56.123457Z", "2300-06-01T12:34:56.999999Z"],
        ["9999-12-31T23:59:58Z", "9999-12-31T23:59:59.999999Z"],
      ] as const;
      const runs = edges.map(([start_utc, end_utc], i) =>
        makeRun({ date_code: `edge-${i}`, start_utc, end_utc, start_local: start_utc.slice(0, -1), end_local: end_utc.slice(0, -1) }),
      );
      expect((await repository.insertRuns(runs)).map((o) => o.status)).toEqual(["created", "created", "created", "created"]);
      const stored = (await find({})).runs;
      expect(stored.map((r) => r.date_code)).toEqual(["edge-3", "edge-2", "edge-1", "edge-0"]);
      expect(stored.map((r) => [r.start_utc, r.end_utc, r.start_local, r.end_local])).toEqual(
        [...runs].reverse().map((r) => [r.start_utc, r.end_utc, r.start_local, r.end_local]),
      );
      // Stored once: the same runs again are already there.
      expect((await repository.insertRuns(runs)).map((o) => o.status)).toEqual(["existing", "existing", "existing", "existing"]);
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
      expect(await find({}, 3, 7)).toEqual({ total: 7, runs: [], next: null });
      expect(await find({}, 3, 100)).toEqual({ total: 7, runs: [], next: null });
      expect((await find({}, 1, 0)).total).toBe(7);
    });

    describe("filters", () => {
      beforeEach(async () => {
        await insertAll([
          makeRun({ date_code: "r1", start: "2025-03-01T10:00:00Z", seconds: 60, rowcount: 0, environment: "prod", pipeline_name: "sales" }),
          makeRun({ date_code: "r2", start: "2025-03-02T10:00:00Z", seconds: 120, rowcount: 100, environment: "dev", pipeline_name: "sales" }),
          makeRun({
            date_code: "r3",
            start: "2025-03-03T10:00:00Z",
            seconds: 60,
            rowcount: 200,
            environment: "prod",
            pipeline_name: "billing",
            script_name: "b.py",
          }),
          makeRun({
            date_code: "r4",
            start: "2025-03-04T10:00:00Z",
            seconds: 60,
            rowcount: 300,
            environment: null,
            pipeline_name: "billing",
            pipeline_type: "stream",
          }),
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
        expect(await dates({ labels: { environment: ["prod"] } })).toEqual(["r3", "r1"]);
        expect(await dates({ labels: { environment: ["Prod"] } })).toEqual([]);
        expect(await dates({ labels: { pipeline_name: ["billing"] } })).toEqual(["r4", "r3"]);
        expect(await dates({ labels: { pipeline_name: ["billing"], environment: ["prod"] } })).toEqual(["r3"]);
        expect(await dates({ labels: { script_name: ["b.py"] } })).toEqual(["r3"]);
        expect(await dates({ labels: { pipeline_type: ["stream"] } })).toEqual(["r4"]);
      });

      test("every filter combined, with count, stream and pages agreeing", async () => {
        const filter: RunFilter = {
          startUtcFrom: at("2025-03-02"),
          endUtcTo: at("2025-03-04T10:01:00Z"),
          minRowcount: 100,
          maxRowcount: 300,
          labels: { pipeline_name: ["billing"] },
        };
        expect(await dates(filter)).toEqual(["r4", "r3"]);
        expect(await repository.countRuns(filter)).toBe(2);
        expect((await collect(repository.streamRuns(filter))).map((r) => r.date_code)).toEqual(["r4", "r3"]);
        expect(await find(filter, 1, 1)).toMatchObject({ total: 2, runs: [{ date_code: "r3" }], next: null });
      });

      test("summaries accept the same filters", async () => {
        const summaries = await repository.summarizePipelines({ labels: { environment: ["prod"] } });
        expect(summaries.map((s) => [s.pipeline_name, s.total_runs])).toEqual([
          ["billing", 1],
          ["sales", 1],
        ]);
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
      expect(summaries).toHaveLength(3);
      expect(summaries).toMatchObject([
        {
          pipeline_name: "p",
          script_name: makeRun().script_name,
          pipeline_type: "batch",
          environment: null,
          total_runs: 1,
          last_run: "2025-04-05T00:00:00Z",
          avg_duration: null,
          avg_rowcount: null,
          first_run: "2025-04-05T00:00:00Z",
          last_duration: 0,
          last_rowcount: 0,
        },
        {
          pipeline_name: "q",
          script_name: makeRun().script_name,
          pipeline_type: "batch",
          environment: "prod",
          total_runs: 1,
          last_run: "2025-04-04T00:00:00Z",
          avg_duration: 5,
          avg_rowcount: 7,
          first_run: "2025-04-04T00:00:00Z",
          last_duration: 5,
          last_rowcount: 7,
        },
        {
          pipeline_name: "p",
          script_name: makeRun().script_name,
          pipeline_type: "batch",
          environment: "prod",
          total_runs: 3,
          last_run: "2025-04-03T00:00:00Z",
          avg_duration: 20,
          avg_rowcount: 20,
          first_run: "2025-04-01T00:00:00Z",
          last_duration: 30,
          last_rowcount: 0,
        },
      ]);
    });

    test("the last run of a group is the latest start; on a tie, the most recently stored", async () => {
      await insertAll([
        makeRun({ pipeline_name: "t", start: "2025-06-01T00:00:00Z", seconds: 11, rowcount: 1 }),
        makeRun({ pipeline_name: "t", start: "2025-06-02T00:00:00Z", seconds: 22, rowcount: 2, pid: 2 }),
        makeRun({ pipeline_name: "t", start: "2025-06-02T00:00:00Z", seconds: 33, rowcount: 3, pid: 3 }),
        makeRun({ pipeline_name: "t", start: "2025-05-01T00:00:00Z", seconds: 44, rowcount: 4 }),
      ]);
      const [summary] = await repository.summarizePipelines();
      expect(summary).toMatchObject({
        total_runs: 4,
        first_run: "2025-05-01T00:00:00Z",
        last_run: "2025-06-02T00:00:00Z",
        last_duration: 33,
        last_rowcount: 3,
      });
      const [filtered] = await repository.summarizePipelines({ maxRowcount: 2 });
      expect(filtered).toMatchObject({ total_runs: 2, first_run: "2025-06-01T00:00:00Z", last_duration: 22, last_rowcount: 2 });
    });

    test("summaries with the same last_run are ordered by labels, nulls first", async () => {
      await insertAll([
        makeRun({ pipeline_name: "b", start: "2025-05-01T00:00:00Z" }),
        makeRun({ pipeline_name: "a", start: "2025-05-01T00:00:00Z" }),
        makeRun({ pipeline_name: "a", environment: null, start: "2025-05-01T00:00:00Z", pid: 2 }),
      ]);
      const summaries = await repository.summarizePipelines();
      expect(summaries.map((s) => [s.pipeline_name, s.environment])).toEqual([
        ["a", null],
        ["a", "prod"],
        ["b", "prod"],
      ]);
    });

    test("inserts do not disturb each other and all become visible", async () => {
      const runs = Array.from({ length: 50 }, (_, i) => makeRun({ date_code: `c${i}`, pid: i }));
      await Promise.all(runs.map((run) => insert(run)));
      expect(await repository.countRuns({})).toBe(50);
      const pids = (await find({}, 100)).runs.map((r) => r.pid).sort((a, b) => a - b);
      expect(pids).toEqual(runs.map((r) => r.pid));
    });

    describe("richer filters", () => {
      beforeEach(async () => {
        await insertAll([
          makeRun({ date_code: "a", start: "2025-07-01T10:00:00Z", seconds: 10, environment: "prod", start_local: "2025-07-01T03:00:00" }),
          makeRun({ date_code: "b", start: "2025-07-02T10:00:00Z", seconds: 100, environment: "staging", start_local: "2025-07-02T03:00:00.5" }),
          makeRun({ date_code: "c", start: "2025-07-03T10:00:00Z", seconds: 1000, environment: "dev", start_local: "2025-07-03T03:00:00" }),
          makeRun({ date_code: "d", start: "2025-07-04T10:00:00Z", seconds: 0, environment: null, start_local: "2025-07-04T03:00:00" }),
        ]);
      });

      test("a label with several values matches any of them; null never matches", async () => {
        expect(await dates({ labels: { environment: ["prod", "staging"] } })).toEqual(["b", "a"]);
        expect(await dates({ labels: { environment: ["prod", "nope"] } })).toEqual(["a"]);
        expect(await dates({ labels: { environment: ["nope"] } })).toEqual([]);
        expect(await repository.countRuns({ labels: { environment: ["prod", "staging", "dev"] } })).toBe(3);
      });

      test("duration bounds are inclusive", async () => {
        expect(await dates({ minElapsedSeconds: 100 })).toEqual(["c", "b"]);
        expect(await dates({ maxElapsedSeconds: 10 })).toEqual(["d", "a"]);
        expect(await dates({ minElapsedSeconds: 10, maxElapsedSeconds: 100 })).toEqual(["b", "a"]);
      });

      test("the local start window compares wall-clock time, fractions included", async () => {
        expect(await dates({ startLocalFrom: "2025-07-02T03:00:00" })).toEqual(["d", "c", "b"]);
        expect(await dates({ startLocalFrom: "2025-07-02T03:00:00.6" })).toEqual(["d", "c"]);
        expect(await dates({ startLocalTo: "2025-07-02T03:00:00.5" })).toEqual(["b", "a"]);
        expect(await dates({ startLocalFrom: "2025-07-02T00:00:00", startLocalTo: "2025-07-03T03:00:00" })).toEqual(["c", "b"]);
      });
    });

    describe("order and keyset pages", () => {
      const runs = [
        makeRun({ date_code: "p1", pipeline_name: "beta", start: "2025-08-01T00:00:00Z", seconds: 30, rowcount: 5 }),
        makeRun({ date_code: "p2", pipeline_name: "alpha", start: "2025-08-03T00:00:00Z", seconds: 10, rowcount: 5 }),
        // (A stored run always has a pipeline_name: one missing is inferred before it is stored.)
        makeRun({ date_code: "p3", pipeline_name: "aardvark", start: "2025-08-02T00:00:00Z", seconds: 20, rowcount: 1 }),
        makeRun({ date_code: "p4", pipeline_name: "alpha", start: "2025-08-03T00:00:00Z", seconds: 30, rowcount: 9 }),
        makeRun({ date_code: "p5", pipeline_name: "beta", start: "2025-08-05T00:00:00Z", seconds: 5, rowcount: 5 }),
      ];
      beforeEach(() => insertAll(runs));
      const ordered = async (field: OrderField, descending: boolean, filter: RunFilter = {}) =>
        (await repository.findRuns({ filter, order: { field, descending }, limit: 100 })).runs.map((r) => r.date_code);

      test("each field sorts both ways, ties by storage order in the same direction", async () => {
        expect(await ordered("start_utc", true)).toEqual(["p5", "p4", "p2", "p3", "p1"]);
        expect(await ordered("start_utc", false)).toEqual(["p1", "p3", "p2", "p4", "p5"]);
        expect(await ordered("end_utc", true)).toEqual(["p5", "p4", "p2", "p3", "p1"]);
        expect(await ordered("elapsed_seconds", false)).toEqual(["p5", "p2", "p3", "p1", "p4"]);
        expect(await ordered("elapsed_seconds", true)).toEqual(["p4", "p1", "p3", "p2", "p5"]);
        expect(await ordered("rowcount", true)).toEqual(["p4", "p5", "p2", "p1", "p3"]);
        expect(await ordered("rowcount", false)).toEqual(["p3", "p1", "p2", "p5", "p4"]);
        expect(await ordered("pipeline_name", false)).toEqual(["p3", "p2", "p4", "p1", "p5"]);
        expect(await ordered("pipeline_name", true)).toEqual(["p5", "p1", "p4", "p2", "p3"]);
      });

      test("streams follow the requested order", async () => {
        const streamed = await collect(repository.streamRuns({}, { field: "rowcount", descending: false }));
        expect(streamed.map((r) => r.date_code)).toEqual(["p3", "p1", "p2", "p5", "p4"]);
      });

      for (const [field, descending] of [
        ["start_utc", true],
        ["start_utc", false],
        ["elapsed_seconds", true],
        ["rowcount", false],
        ["pipeline_name", true],
      ] as Array<[OrderField, boolean]>) {
        test(`keyset pages by ${descending ? "-" : ""}${field} cover every run once; next is null on the last page`, async () => {
          const all = await ordered(field, descending);
          const seen: string[] = [];
          let after: Keyset | undefined;
          for (let pages = 0; pages < 10; pages++) {
            const page = await repository.findRuns({ filter: {}, order: { field, descending }, limit: 2, after });
            seen.push(...page.runs.map((r) => r.date_code));
            if (!page.next) break;
            after = page.next;
          }
          expect(seen).toEqual(all);
        });
      }

      test("keyset pages stay correct while runs are inserted", async () => {
        const order = { field: "start_utc" as const, descending: true };
        const first = await repository.findRuns({ filter: {}, order, limit: 2 });
        expect(first.runs.map((r) => r.date_code)).toEqual(["p5", "p4"]);
        // A newer run and an older one arrive between the pages.
        await insertAll([makeRun({ date_code: "new", start: "2025-09-01T00:00:00Z" }), makeRun({ date_code: "old", start: "2025-07-01T00:00:00Z" })]);
        const second = await repository.findRuns({ filter: {}, order, limit: 2, after: first.next ?? undefined });
        expect(second.runs.map((r) => r.date_code)).toEqual(["p2", "p3"]);
        const third = await repository.findRuns({ filter: {}, order, limit: 2, after: second.next ?? undefined });
        expect(third.runs.map((r) => r.date_code)).toEqual(["p1", "old"]);
        expect(third.next).toBeNull();
      });

      test("keyset pages combine with filters; the total is optional", async () => {
        const page = await repository.findRuns({ filter: { labels: { pipeline_name: ["alpha", "beta"] } }, limit: 3, includeTotal: false });
        expect(page.total).toBeNull();
        expect(page.runs.map((r) => r.date_code)).toEqual(["p5", "p4", "p2"]);
        const rest = await repository.findRuns({ filter: { labels: { pipeline_name: ["alpha", "beta"] } }, limit: 3, after: page.next ?? undefined });
        expect(rest.runs.map((r) => r.date_code)).toEqual(["p1"]);
        expect(rest.total).toBe(4);
        expect(rest.next).toBeNull();
      });
    });

    test("statistics: min, max and exact percentiles of duration and rowcount", async () => {
      const seconds = [10, 20, 30, 40, 100];
      const rowcounts = [0, 100, 200, 300, 1000];
      for (let i = 0; i < 5; i++)
        await insert(makeRun({ pipeline_name: "s", start: `2025-09-0${i + 1}T00:00:00Z`, seconds: seconds[i], rowcount: rowcounts[i] }));
      const [stats] = await repository.summarizePipelines();
      expect(stats).toMatchObject({
        total_runs: 5,
        min_elapsed_seconds: 10,
        max_elapsed_seconds: 100,
        p50_elapsed_seconds: 30,
        min_rowcount: 0,
        max_rowcount: 1000,
        p50_rowcount: 200,
        last_rowcount: 1000,
        avg_rowcount: 400,
      });
      // PERCENTILE_CONT: position 0.95 * 4 = 3.8 between 40 and 100.
      expect(stats?.p95_elapsed_seconds).toBeCloseTo(88, 9);
      const [filtered] = await repository.summarizePipelines({ maxRowcount: 300 });
      expect(filtered).toMatchObject({ total_runs: 4, p50_elapsed_seconds: 25, max_rowcount: 300, p50_rowcount: 150 });
    });

    test("typical interval: the median gap between the newest distinct starts, in any insert order", async () => {
      // Hourly for 30 runs, then a burst 60 s apart; stored out of order with one duplicate start.
      const starts = Array.from({ length: 30 }, (_, i) => Date.UTC(2025, 9, 1) + i * 3_600_000);
      starts.push(starts[29] as number);
      const iso = (ms: number) => new Date(ms).toISOString().replace(".000", "");
      const runs = starts.map((ms, i) => makeRun({ pipeline_name: "t", date_code: `t${i}`, start: iso(ms) }));
      await insertAll([...runs.slice(15), ...runs.slice(0, 15).reverse()]);
      await insert(makeRun({ pipeline_name: "once", start: "2025-10-01T00:00:00Z" }));
      const byName = new Map((await repository.summarizePipelines()).map((s) => [s.pipeline_name, s]));
      expect(byName.get("t")?.typical_interval_seconds).toBe(3600);
      expect(byName.get("once")?.typical_interval_seconds).toBeNull();
      // Only the newest 21 distinct starts count: 12 gaps of 60 s outweigh 8 hourly ones.
      const last = starts[29] as number;
      await insertAll(Array.from({ length: 12 }, (_, i) => makeRun({ pipeline_name: "t", date_code: `b${i}`, start: iso(last + (i + 1) * 60_000) })));
      const [t] = await repository.summarizePipelines({ labels: { pipeline_name: ["t"] } });
      expect(t?.typical_interval_seconds).toBe(60);
    });

    describe("history", () => {
      beforeEach(() =>
        insertAll([
          makeRun({ pipeline_name: "h", start: "2025-03-08T07:30:00Z", seconds: 10, rowcount: 1 }),
          makeRun({ pipeline_name: "h", start: "2025-03-08T08:30:00Z", seconds: 30, rowcount: 2 }),
          makeRun({ pipeline_name: "h", start: "2025-03-10T12:00:00Z", seconds: 50, rowcount: 4 }),
          makeRun({ pipeline_name: "g", start: "2025-03-09T09:00:00Z", seconds: 7, rowcount: 8 }),
        ]),
      );

      test("days in UTC", async () => {
        expect(await repository.runHistory({}, "day", "UTC")).toEqual([
          { pipeline_name: "g", buckets: [{ start: "2025-03-09T00:00:00+00:00", runs: 1, total_rows: 8, p50_elapsed_seconds: 7 }] },
          {
            pipeline_name: "h",
            buckets: [
              { start: "2025-03-08T00:00:00+00:00", runs: 2, total_rows: 3, p50_elapsed_seconds: 20 },
              { start: "2025-03-10T00:00:00+00:00", runs: 1, total_rows: 4, p50_elapsed_seconds: 50 },
            ],
          },
        ]);
      });

      test("days in the caller's zone, across a DST change", async () => {
        // Los Angeles: 2025-03-08 is -08:00; DST starts 2025-03-09 02:00 local, then -07:00.
        const history = await repository.runHistory({ labels: { pipeline_name: ["h"] } }, "day", "America/Los_Angeles");
        expect(history).toEqual([
          {
            pipeline_name: "h",
            buckets: [
              { start: "2025-03-07T00:00:00-08:00", runs: 1, total_rows: 1, p50_elapsed_seconds: 10 },
              { start: "2025-03-08T00:00:00-08:00", runs: 1, total_rows: 2, p50_elapsed_seconds: 30 },
              { start: "2025-03-10T00:00:00-07:00", runs: 1, total_rows: 4, p50_elapsed_seconds: 50 },
            ],
          },
        ]);
      });

      test("hours and ISO weeks", async () => {
        const hours = await repository.runHistory({ labels: { pipeline_name: ["h"] } }, "hour", "Asia/Kolkata");
        expect(hours[0]?.buckets.map((b) => b.start)).toEqual(["2025-03-08T13:00:00+05:30", "2025-03-08T14:00:00+05:30", "2025-03-10T17:00:00+05:30"]);
        const weeks = await repository.runHistory({}, "week", "UTC");
        expect(weeks.map((s) => s.buckets.map((b) => [b.start, b.runs]))).toEqual([
          [["2025-03-03T00:00:00+00:00", 1]],
          [
            ["2025-03-03T00:00:00+00:00", 2],
            ["2025-03-10T00:00:00+00:00", 1],
          ],
        ]);
      });
    });

    describe("identity and batches", () => {
      test("the same identity with the same content is stored once", async () => {
        const run = makeRun({ date_code: "idem", pid: 7 });
        expect(await insert(run)).toEqual({ status: "created", run });
        expect(await insert({ ...run })).toEqual({ status: "existing", run });
        expect(await repository.countRuns({})).toBe(1);
      });

      test("the same identity with other content is a conflict naming the fields", async () => {
        const run = makeRun({ date_code: "idem", pid: 7 });
        await insert(run);
        const outcome = await insert({ ...run, rowcount: run.rowcount + 1, environment: "dev" });
        expect(outcome).toEqual({ status: "conflict", run, fields: ["rowcount", "environment"] });
        expect(await repository.countRuns({})).toBe(1);
      });

      test("another pid, date_code, start or pipeline is another run", async () => {
        const run = makeRun({ date_code: "idem", pid: 7 });
        await insert(run);
        for (const other of [{ pid: 8 }, { date_code: "other" }, { pipeline_name: "other" }, { start_utc: "2025-08-15T05:49:08Z" }]) {
          expect((await insert({ ...run, ...other }))?.status).toBe("created");
        }
        expect(await repository.countRuns({})).toBe(5);
      });

      test("a batch stores its new runs in order and reports each", async () => {
        const a = makeRun({ date_code: "b1", pid: 1 });
        const b = makeRun({ date_code: "b2", pid: 2 });
        await insert(a);
        const outcomes = await repository.insertRuns([makeRun({ date_code: "b0", pid: 0 }), a, { ...a, rowcount: 1 }, b, { ...b }]);
        expect(outcomes.map((o) => o.status)).toEqual(["created", "existing", "conflict", "created", "existing"]);
        expect(await repository.countRuns({})).toBe(3);
        expect(await repository.insertRuns([])).toEqual([]);
      });

      test("concurrent inserts of one identity store it once", async () => {
        const run = makeRun({ date_code: "race", pid: 99 });
        const outcomes = await Promise.all(Array.from({ length: 10 }, () => insert({ ...run })));
        expect(outcomes.filter((o) => o?.status === "created")).toHaveLength(1);
        expect(outcomes.filter((o) => o?.status === "existing")).toHaveLength(9);
        expect(await repository.countRuns({})).toBe(1);
      });
    });

    describe("deletion", () => {
      const runs = [
        makeRun({ date_code: "old-dev", pid: 1, start: "2024-01-01T00:00:00Z", environment: "dev", pipeline_name: "sales" }),
        makeRun({ date_code: "old-prod", pid: 2, start: "2024-01-02T00:00:00Z", environment: "prod", pipeline_name: "sales" }),
        makeRun({ date_code: "new-dev", pid: 3, start: "2025-06-01T00:00:00Z", environment: "dev", pipeline_name: "billing" }),
        makeRun({ date_code: "new-prod", pid: 4, start: "2025-06-02T00:00:00Z", environment: "prod", pipeline_name: "billing" }),
      ];
      beforeEach(() => insertAll(runs));

      test("removes exactly the runs a filter selects and says how many", async () => {
        expect(await repository.deleteRuns({ labels: { environment: ["dev"] } })).toBe(2);
        expect(await dates({})).toEqual(["new-prod", "old-prod"]);
        expect(await repository.countRuns({ labels: { environment: ["dev"] } })).toBe(0);
        expect((await collect(repository.streamRuns({}))).map((r) => r.date_code)).toEqual(["new-prod", "old-prod"]);
      });

      test("time bounds and labels combine; nothing matching removes nothing", async () => {
        expect(await repository.deleteRuns({ endUtcTo: at("2024-12-31"), labels: { pipeline_name: ["sales"] } })).toBe(2);
        expect(await repository.deleteRuns({ labels: { pipeline_name: ["nobody"] } })).toBe(0);
        expect(await dates({})).toEqual(["new-prod", "new-dev"]);
      });

      test("summaries and history count only what is left", async () => {
        await repository.deleteRuns({ labels: { pipeline_name: ["sales"] } });
        const summaries = await repository.summarizePipelines();
        expect(summaries.map((s) => [s.pipeline_name, s.environment, s.total_runs])).toEqual([
          ["billing", "prod", 1],
          ["billing", "dev", 1],
        ]);
        const history = await repository.runHistory({}, "day", "UTC");
        expect(history.map((h) => h.pipeline_name)).toEqual(["billing"]);
      });

      test("an empty filter removes every run; the store then takes new ones as before", async () => {
        expect(await repository.deleteRuns({})).toBe(4);
        expect(await find({}, 10)).toEqual({ total: 0, runs: [], next: null });
        expect(await insert(runs[0] as PipelineRun)).toEqual({ status: "created", run: runs[0] as PipelineRun });
        expect(await dates({})).toEqual(["old-dev"]);
      });

      test("a deleted identity can be stored again; kept ones stay idempotent", async () => {
        await repository.deleteRuns({ labels: { environment: ["prod"] } });
        const outcomes = await repository.insertRuns(runs);
        expect(outcomes.map((o) => o.status)).toEqual(["existing", "created", "existing", "created"]);
        expect(await repository.countRuns({})).toBe(4);
      });

      test("writes during a deletion are all kept", async () => {
        const extra = Array.from({ length: 20 }, (_, i) => makeRun({ date_code: `during-${i}`, pid: 100 + i, start: "2025-07-01T00:00:00Z" }));
        const [removed] = await Promise.all([repository.deleteRuns({ labels: { environment: ["dev"] } }), ...extra.map((run) => insert(run))]);
        expect(removed).toBe(2);
        expect(await repository.countRuns({})).toBe(22);
      });
    });

    test("the data version changes with every insert and deletion, and only then", async () => {
      const empty = await repository.dataVersion();
      expect(await repository.dataVersion()).toBe(empty);
      await insert(makeRun({ date_code: "v1", pid: 1 }));
      const one = await repository.dataVersion();
      expect(one).not.toBe(empty);
      await repository.findRuns({ filter: {}, limit: 10 });
      await insert(makeRun({ date_code: "v1", pid: 1 }));
      expect(await repository.dataVersion()).toBe(one);
      await insert(makeRun({ date_code: "v2", pid: 2 }));
      const two = await repository.dataVersion();
      expect(two).not.toBe(one);
      await repository.deleteRuns({ labels: { pipeline_name: ["nobody"] } });
      expect(await repository.dataVersion()).toBe(two);
      await repository.deleteRuns({ labels: {}, minRowcount: 0 });
      expect(await repository.dataVersion()).not.toBe(two);
    });

    test("health reports a healthy store once it serves", async () => {
      await repository.countRuns({});
      expect((await repository.health()).status).toBe("healthy");
    });
  });
}
