import { describe, expect, test } from "bun:test";
import { parseDateTime } from "../../src/domain/datetime.ts";
import { LABELS } from "../../src/domain/pipeline-info.ts";
import type { HistoryBucketSize } from "../../src/domain/pipeline-stats.ts";
import type { RunFilter } from "../../src/domain/run-filter.ts";
import { ORDER_FIELDS } from "../../src/domain/run-ordering.ts";
import { tableLayout } from "../../src/repository/oracle/columns.ts";
import { createOracleRepository } from "../../src/repository/oracle/oracle-repository.ts";
import { LOOKUP_CHUNK, writeStatements } from "../../src/repository/oracle/write-statements.ts";
import type { Keyset } from "../../src/repository/port.ts";
import { makeRun } from "../support/runs.ts";
import { foreignConstructs, plsqlSyntaxErrors } from "./support/plsql-grammar.ts";
import { createSqliteOracle } from "./support/sqlite-oracle.ts";

const instant = (text: string) => parseDateTime(text, { allowDateOnly: true }) ?? undefined;

/** Each optional filter on its own; the WHERE clause is these conditions AND-ed. */
const FILTER_PARTS: RunFilter[] = [
  { startUtcFrom: instant("2025-01-01") },
  { endUtcTo: instant("2026-01-01T00:00:00Z") },
  { startLocalFrom: "2025-01-01T00:00:00" },
  { startLocalTo: "2026-01-01T00:00:00.5" },
  { minRowcount: 1 },
  { maxRowcount: 1000 },
  { minElapsedSeconds: 0.5 },
  { maxElapsedSeconds: 3600 },
  ...LABELS.map((label): RunFilter => ({ labels: { [label]: [makeRun()[label] as string] } })),
];

const combine = (parts: RunFilter[], labelValues: (value: string) => string[]): RunFilter => {
  const filter: RunFilter = Object.assign({}, ...parts);
  filter.labels = Object.fromEntries(LABELS.map((label) => [label, labelValues(makeRun()[label] as string)]));
  return filter;
};

/** No filter, each filter alone, all of them with one value per label, all with three. */
const FILTERS: RunFilter[] = [{}, ...FILTER_PARTS, combine(FILTER_PARTS, (v) => [v]), combine(FILTER_PARTS, (v) => [v, "other", "third"])];

/** A keyset of the right type for each order field; pipeline_name also at a NULL name. */
const KEYSETS: Record<string, Keyset[]> = {
  start_utc: [{ value: Date.UTC(2025, 2, 1) * 1000, tie: 2 }],
  end_utc: [{ value: Date.UTC(2025, 2, 1) * 1000 + 5, tie: 2 }],
  elapsed_seconds: [{ value: 60, tie: 2 }],
  rowcount: [{ value: 100, tie: 2 }],
  pipeline_name: [
    { value: "sales", tie: 2 },
    { value: null, tie: 2 },
  ],
};
const BUCKETS: HistoryBucketSize[] = ["hour", "day", "week"];

/** Drives the store through every path with every filter, order and page kind, and returns each
 * distinct SQL text it sent, as the driver received it. */
async function everyStatement(table: string, columnMap: Record<string, string>): Promise<string[]> {
  const fake = createSqliteOracle(table, columnMap);
  const repository = createOracleRepository({ connectString: "fake", user: "u", password: "p", table, columnMap }, { driver: fake.driver, streamBatchSize: 2 });
  // A batch of three (lookup padded to 10) and a single run (lookup of 1), each with its insert.
  await repository.insertRuns([0, 1, 2].map((i) => makeRun({ date_code: `g${i}`, rowcount: 100, start: `2025-03-0${i + 1}T00:00:00Z` })));
  await repository.insertRuns([makeRun({ date_code: "g3" })]);
  await repository.health();
  await repository.dataVersion();
  for (const filter of FILTERS) {
    for (const field of ORDER_FIELDS) {
      for (const descending of [false, true]) {
        const order = { field, descending };
        for (const includeTotal of [true, false]) {
          await repository.findRuns({ filter, order, limit: 2, offset: 0, includeTotal });
          for (const after of KEYSETS[field] ?? []) await repository.findRuns({ filter, order, limit: 2, after, includeTotal });
        }
      }
    }
    await repository.countRuns(filter);
    for await (const _ of repository.streamRuns(filter)) {
      // first batch and keyset batches: the same texts as the pages above
    }
    await repository.summarizePipelines(filter);
    for (const bucket of BUCKETS) await repository.runHistory(filter, bucket, "America/Los_Angeles");
    await repository.deleteRuns(filter);
  }
  await repository.close();
  fake.close();
  return [...new Set(fake.executed.map((s) => s.sql))];
}

// Per filter: 5 fields x 2 directions x (offset page with total, without, keyset page) plus the
// NULL-name keyset both ways; a count; a summary; three history buckets; a batch delete.
const PER_FILTER = 5 * 2 * 3 + 2 + 1 + 1 + BUCKETS.length + 1;
// Once: two identity lookups (1 and 10 identities), the executeMany insert, the health probe,
// the data version.
const ONCE = 5;

const LAYOUTS = [
  ["default names", "PIPELINE_RUNS", {}],
  [
    "SCHEMA.TABLE and a column map",
    'APP."Runs"',
    { id: "RUN_ID", start_utc: '"Started At"', rowcount: "ROW_COUNT", environment: "ENV", end_utc: "ENDED", pipeline_name: '"Pipeline"' },
  ],
] as const;

describe("every statement the Oracle store emits parses as Oracle SQL", () => {
  for (const [name, table, columnMap] of LAYOUTS) {
    test(`${name}: every filter, order, page kind, bucket and write`, async () => {
      const statements = await everyStatement(table, columnMap);
      expect(statements.length).toBe(FILTERS.length * PER_FILTER + ONCE);
      const failures: string[] = [];
      for (const sql of statements) {
        const problems = [...plsqlSyntaxErrors(sql), ...foreignConstructs(sql)];
        if (problems.length > 0) failures.push(`${problems.join("; ")}\n  in ${sql}`);
      }
      expect(failures).toEqual([]);
    }, 180_000);
  }

  test("the largest identity lookups are the parsed group repeated", () => {
    const statements = writeStatements(tableLayout("PIPELINE_RUNS"));
    const runs = Array.from({ length: LOOKUP_CHUNK }, (_, i) => makeRun({ pid: i }));
    const groups = (sql: string) =>
      sql
        .replace(/:i\d+_/g, ":i_")
        .split(" WHERE ")[1]
        ?.replace(/ ORDER BY .*$/, "")
        .split(" OR ") ?? [];
    const one = groups(statements.identityLookup(runs.slice(0, 1)).sql);
    expect(one).toHaveLength(1);
    for (const size of [100, LOOKUP_CHUNK]) {
      const many = groups(statements.identityLookup(runs.slice(0, size)).sql);
      expect(many).toEqual(Array(size).fill(one[0]));
    }
  });

  test("the check itself rejects what Oracle would reject", () => {
    expect(plsqlSyntaxErrors("SELECT a FROM t ORDER BY a OFFSET :o ROWS FETCH NEXT :n ROWS ONLY")).toEqual([]);
    expect(plsqlSyntaxErrors("SELECT a FROM t WHERE ((a = 1)").length).toBeGreaterThan(0);
    expect(plsqlSyntaxErrors("SELECT a FROM t LIMIT 10").length).toBeGreaterThan(0);
    expect(plsqlSyntaxErrors("SELECT a FROM t WHERE a = $1").length).toBeGreaterThan(0);
    expect(plsqlSyntaxErrors("SELECT PERCENTILE_CONT(0.5) WITHIN (ORDER BY a) FROM t").length).toBeGreaterThan(0);
    expect(foreignConstructs("SELECT a FROM t WHERE a = $1 LIMIT 5")).toEqual(["LIMIT", "$n bind"]);
    expect(foreignConstructs("INSERT INTO t (a) VALUES (:a) ON CONFLICT DO NOTHING")).toEqual(["ON CONFLICT"]);
  });
});
