import { afterEach, beforeEach, expect, test } from "bun:test";
import type { Keyset } from "../../src/domain/run-ordering.ts";
import { createOracleRepository } from "../../src/repository/oracle/oracle-repository.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { makeRun } from "../support/runs.ts";
import { createSqliteOracle, type SqliteOracle } from "./support/sqlite-oracle.ts";

let fake: SqliteOracle;
let repository: RunRepository;

beforeEach(async () => {
  fake = createSqliteOracle();
  repository = createOracleRepository({ connectString: "db", user: "u", password: "p", table: "PIPELINE_RUNS" }, { driver: fake.driver, streamBatchSize: 2 });
  await repository.insertRuns([
    makeRun({ date_code: "a", pid: 1, pipeline_name: "x", start: "2025-01-01T00:00:00.000001Z" }),
    makeRun({ date_code: "b", pid: 2, pipeline_name: "y", start: "2025-01-01T00:00:00.000002Z" }),
    makeRun({ date_code: "c", pid: 3, pipeline_name: null, start: "2025-01-01T00:00:00.000003Z" }),
    makeRun({ date_code: "d", pid: 4, pipeline_name: null, start: "2025-01-01T00:00:00.000004Z" }),
  ]);
  fake.executed.length = 0;
});

afterEach(async () => {
  await repository.close();
  expect(fake.checkedOut).toBe(0);
  fake.close();
});

const sqls = () => fake.executed.map((s) => s.sql);

test("an offset page carries its total (one round trip); a keyset page counts apart; include_total=false counts nothing", async () => {
  const first = await repository.findRuns({ filter: {}, limit: 2 });
  expect(first.total).toBe(4);
  expect(sqls()).toHaveLength(1);
  expect(sqls()[0]).toContain("COUNT(*) OVER ()");

  fake.executed.length = 0;
  const next = await repository.findRuns({ filter: {}, limit: 2, after: first.next ?? undefined });
  expect(next).toMatchObject({ total: 4, next: null });
  expect(sqls()).toHaveLength(2);
  expect(sqls()[0]).toContain("FETCH FIRST :p_limit ROWS ONLY");
  expect(sqls()[0]).not.toContain("COUNT(");
  expect(sqls()[1]).toStartWith('SELECT COUNT(*) AS "match_count" FROM PIPELINE_RUNS');

  fake.executed.length = 0;
  expect((await repository.findRuns({ filter: {}, limit: 2, includeTotal: false })).total).toBeNull();
  expect((await repository.findRuns({ filter: {}, limit: 2, includeTotal: false, after: first.next ?? undefined })).total).toBeNull();
  expect(sqls().some((s) => s.includes("COUNT("))).toBe(false);
});

test("start_utc keysets are epoch microseconds and seek on the exact instant", async () => {
  const page = await repository.findRuns({ filter: {}, limit: 1 });
  expect(page.next).toEqual({ value: Date.UTC(2025, 0, 1) * 1000 + 4, tie: 4 });
  const rest = await repository.findRuns({ filter: {}, limit: 10, after: page.next ?? undefined });
  expect(rest.runs.map((r) => r.date_code)).toEqual(["c", "b", "a"]);
  expect(fake.executed.at(-2)?.binds).toMatchObject({ k_value: "2025-01-01T00:00:00.000004000", k_tie: 4 });
});

test("NULL pipeline names: first ascending, last descending, and keysets can start on them", async () => {
  for (const descending of [false, true]) {
    const seen: string[] = [];
    let after: Keyset | undefined;
    for (let i = 0; i < 5; i++) {
      const page = await repository.findRuns({ filter: {}, order: { field: "pipeline_name", descending }, limit: 1, after });
      seen.push(...page.runs.map((r) => r.date_code));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual(descending ? ["b", "a", "d", "c"] : ["c", "d", "a", "b"]);
  }
});

test("a keyset value that cannot be the order field's (a forged cursor) is refused before any SQL", async () => {
  for (const [field, value] of [
    ["start_utc", "yesterday"],
    ["rowcount", "1; DROP"],
    ["elapsed_seconds", null],
    ["pipeline_name", 5],
  ] as const) {
    const attempt = repository.findRuns({ filter: {}, order: { field, descending: true }, limit: 1, after: { value, tie: 1 } });
    await expect(attempt).rejects.toBeInstanceOf(TypeError);
  }
  expect(sqls()).toEqual([]);
});

test("label lists: one bind per distinct value, split into IN lists of at most 1000", async () => {
  const many = [...Array.from({ length: 2400 }, (_, i) => `nope-${i}`), "x", "x", "y"];
  expect(await repository.countRuns({ labels: { pipeline_name: many } })).toBe(2);
  const [count] = fake.executed;
  expect(Object.keys(count?.binds ?? {})).toHaveLength(2402);
  expect(count?.sql.match(/ IN \(/g)).toHaveLength(3);
  expect(await repository.countRuns({ labels: { pipeline_name: [] } })).toBe(0);
});

test("streams in any order are keyset batches on the order field", async () => {
  const streamed: string[] = [];
  for await (const run of repository.streamRuns({}, { field: "end_utc", descending: false })) streamed.push(run.date_code);
  expect(streamed).toEqual(["a", "b", "c", "d"]);
  // Batches of two: the first from the start, then after each batch's last run; the third is empty.
  expect(sqls()).toHaveLength(3);
  expect(sqls()[0]).toContain("ORDER BY END_UTC ASC, ID ASC OFFSET :p_offset ROWS");
  expect(sqls()[1]).toContain("(END_UTC > FROM_TZ(TO_TIMESTAMP(:k_value");
});
