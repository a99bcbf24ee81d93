import { describe, expect, test } from "bun:test";
import { parseDateTime } from "../../src/domain/datetime.ts";
import type { Label } from "../../src/domain/pipeline-info.ts";
import type { RunFilter } from "../../src/domain/run-query.ts";
import { createOracleRepository } from "../../src/repository/oracle/oracle-repository.ts";
import { makeRun } from "../support/runs.ts";
import { foreignConstructs, plsqlSyntaxErrors } from "./support/plsql-grammar.ts";
import { createSqliteOracle } from "./support/sqlite-oracle.ts";

const instant = (text: string) => parseDateTime(text, { allowDateOnly: true }) ?? undefined;

/** The eight optional filters; every one of the 256 combinations is exercised. */
const FILTER_PARTS: Array<(f: RunFilter) => void> = [
  (f) => (f.startUtcFrom = instant("2025-01-01")),
  (f) => (f.endUtcTo = instant("2026-01-01T00:00:00Z")),
  (f) => (f.minRowcount = 1),
  (f) => (f.maxRowcount = 1000),
  ...(["pipeline_name", "script_name", "pipeline_type", "environment"] as Label[]).map(
    (label) => (f: RunFilter) => (f.labels = { ...f.labels, [label]: makeRun()[label] as string }),
  ),
];

function filterFor(mask: number): RunFilter {
  const filter: RunFilter = {};
  FILTER_PARTS.forEach((apply, bit) => {
    if (mask & (1 << bit)) apply(filter);
  });
  return filter;
}

/** Drives the store through every path with every filter combination and returns each distinct
 * SQL text it sent, as the driver received it. */
async function everyStatement(table: string, columnMap: Record<string, string>): Promise<string[]> {
  const fake = createSqliteOracle(table, columnMap);
  const repository = createOracleRepository({ connectString: "fake", user: "u", password: "p", table, columnMap }, { driver: fake.driver, streamBatchSize: 2 });
  for (let i = 0; i < 3; i++) await repository.insertRun(makeRun({ date_code: `g${i}`, rowcount: 100, start: `2025-03-0${i + 1}T00:00:00Z` }));
  await repository.health();
  for (let mask = 0; mask < 1 << FILTER_PARTS.length; mask++) {
    const filter = filterFor(mask);
    expect((await repository.findRuns(filter, { limit: 2, offset: 0 })).total).toBe(3);
    await repository.findRuns(filter, { limit: 2, offset: 10 }); // past the end: a separate count
    await repository.countRuns(filter);
    let streamed = 0;
    for await (const _ of repository.streamRuns(filter)) streamed += 1; // two batches: first and keyset
    expect(streamed).toBe(3);
    await repository.summarizePipelines(filter);
  }
  await repository.close();
  fake.close();
  return [...new Set(fake.executed.map((s) => s.sql))];
}

const LAYOUTS = [
  ["default names", "PIPELINE_RUNS", {}],
  ["SCHEMA.TABLE and a column map", 'APP."Runs"', { id: "RUN_ID", start_utc: '"Started At"', rowcount: "ROW_COUNT", environment: "ENV", end_utc: "ENDED" }],
] as const;

describe("every statement the Oracle store emits parses as Oracle SQL", () => {
  for (const [name, table, columnMap] of LAYOUTS) {
    test(`${name}: all filter combinations, every path`, async () => {
      const statements = await everyStatement(table, columnMap);
      // 256 filter combinations x (page, count, first batch, next batch, summary) + insert + probe.
      expect(statements.length).toBe(256 * 5 + 2);
      const failures: string[] = [];
      for (const sql of statements) {
        const problems = [...plsqlSyntaxErrors(sql), ...foreignConstructs(sql)];
        if (problems.length > 0) failures.push(`${problems.join("; ")}\n  in ${sql}`);
      }
      expect(failures).toEqual([]);
    }, 120_000);
  }

  test("the check itself rejects what Oracle would reject", () => {
    expect(plsqlSyntaxErrors("SELECT a FROM t ORDER BY a OFFSET :o ROWS FETCH NEXT :n ROWS ONLY")).toEqual([]);
    expect(plsqlSyntaxErrors("SELECT a FROM t WHERE ((a = 1)").length).toBeGreaterThan(0);
    expect(plsqlSyntaxErrors("SELECT a FROM t LIMIT 10").length).toBeGreaterThan(0);
    expect(plsqlSyntaxErrors("SELECT a FROM t WHERE a = $1").length).toBeGreaterThan(0);
    expect(foreignConstructs("SELECT a FROM t WHERE a = $1 LIMIT 5")).toEqual(["LIMIT", "$n bind"]);
    expect(foreignConstructs("INSERT INTO t (a) VALUES (:a) ON CONFLICT DO NOTHING")).toEqual(["ON CONFLICT"]);
  });
});
