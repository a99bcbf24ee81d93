import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig } from "../../src/config.ts";
import type { Label } from "../../src/domain/pipeline-info.ts";
import { tableLayout } from "../../src/repository/oracle/columns.ts";
import { createOracleRepository } from "../../src/repository/oracle/oracle-repository.ts";
import { makeRun } from "../support/runs.ts";
import { createSqliteOracle } from "./support/sqlite-oracle.ts";

const BASE = { PIPELINE_BACKEND: "oracle", ORACLE_DSN: "db:1521/FREEPDB1", ORACLE_USER: "pipeline", ORACLE_PASSWORD: "pw-never-shown" };

function configError(env: Record<string, string>): string {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe("hostile configuration stops startup with a message naming the variable", () => {
  test.each([
    "PIPELINE_RUNS; DROP TABLE PIPELINE_RUNS",
    "PIPELINE_RUNS--",
    "RUNS WHERE 1=1",
    "A.B.C",
    "1RUNS",
    "_RUNS",
    '"A""B"',
    '"RUNS" OR 1=1',
    '""',
    '"a\u0000b"',
    "RUNS\n",
    `R${"X".repeat(128)}`,
  ])("ORACLE_TABLE=%p", (table) => {
    const message = configError({ ORACLE_TABLE: table });
    expect(message).toContain("ORACLE_TABLE:");
    expect(message).not.toContain("pw-never-shown");
  });

  test.each([
    ['{"rowcount":"ROWCOUNT) ; DROP TABLE PIPELINE_RUNS --"}', '"rowcount"'],
    ['{"rowcount":"ROW COUNT"}', '"rowcount"'],
    ['{"rowcount":"\\"A\\"\\"B\\""}', '"rowcount"'],
    ['{"rowcount":5}', '"rowcount"'],
    ['{"x; DROP TABLE T":"X"}', '"x; DROP TABLE T"'],
    ['{"__proto__":"X"}', '"__proto__"'],
    ['{"pid":"ROWCOUNT"}', '"pid"'],
    ['"ROWCOUNT"', "JSON object"],
    ["not json", "JSON object"],
  ])("ORACLE_COLUMN_MAP=%s", (map, entry) => {
    const message = configError({ ORACLE_COLUMN_MAP: map });
    expect(message).toContain("ORACLE_COLUMN_MAP:");
    expect(message).toContain(entry);
    expect(message).not.toContain("pw-never-shown");
  });

  test("valid names pass: SCHEMA.TABLE, quoted names, $ and #", () => {
    const config = loadConfig({ ...BASE, ORACLE_TABLE: 'APP."Pipeline Runs"', ORACLE_COLUMN_MAP: '{"rowcount":"ROW$COUNT#","environment":"\\"env\\""}' });
    expect(config).toMatchObject({ ORACLE_TABLE: 'APP."Pipeline Runs"', ORACLE_COLUMN_MAP: { rowcount: "ROW$COUNT#", environment: '"env"' } });
  });

  test("the store itself refuses names config would refuse, whoever calls it", () => {
    expect(() => tableLayout("RUNS; DROP TABLE X")).toThrow("ORACLE_TABLE");
    expect(() => tableLayout("RUNS", { rowcount: "X) --" })).toThrow("ORACLE_COLUMN_MAP");
  });
});

const HOSTILE = ["x' OR '1'='1", "'; DROP TABLE PIPELINE_RUNS; --", ":evil) OR (1=1", "$1", '" OR ""="', "a\u0000b"];

test("hostile filter and record values travel only as binds", async () => {
  const fake = createSqliteOracle();
  const repository = createOracleRepository({ connectString: "db", user: "u", password: "p", table: "PIPELINE_RUNS" }, { driver: fake.driver });
  await repository.insertRuns([makeRun({ date_code: "kept" })]);
  for (const value of HOSTILE) {
    const labels = Object.fromEntries((["pipeline_name", "script_name", "pipeline_type", "environment"] as Label[]).map((l) => [l, [value, `${value}2`]]));
    const filter = { labels, startLocalFrom: value, startLocalTo: value };
    expect(await repository.findRuns({ filter, limit: 10, offset: 0 })).toEqual({ total: 0, runs: [], next: null });
    const after = { value, tie: 1 };
    expect((await repository.findRuns({ filter: { labels }, order: { field: "pipeline_name", descending: true }, limit: 10, after })).runs).toEqual([]);
    expect(await repository.countRuns(filter)).toBe(0);
    for await (const _ of repository.streamRuns(filter)) throw new Error("matched a hostile value");
    expect(await repository.summarizePipelines(filter)).toEqual([]);
    expect(await repository.runHistory(filter, "day", "UTC")).toEqual([]);
    // No zone has that name: refused before any SQL (the HTTP edge checks zones the same way).
    await expect(repository.runHistory(filter, "week", value)).rejects.toBeInstanceOf(RangeError);
    const [outcome] = await repository.insertRuns([makeRun({ date_code: value, log_file: value, environment: value })]);
    expect(outcome?.run.date_code).toBe(value);
  }
  for (const statement of fake.executed) {
    for (const value of HOSTILE) expect(statement.sql).not.toContain(value);
  }
  const boundValues = fake.executed.flatMap((s) => (s.rows ?? [s.binds]).flatMap((row) => Object.values(row)));
  for (const value of HOSTILE) expect(boundValues).toContain(value);
  // The table is intact and holds the hostile texts verbatim.
  expect(await repository.countRuns({})).toBe(1 + HOSTILE.length);
  const dateCodes = (await repository.findRuns({ filter: {}, limit: 100, offset: 0 })).runs.map((r) => r.date_code);
  expect(dateCodes).toEqual(expect.arrayContaining(["kept", ...HOSTILE]));
  await repository.close();
  fake.close();
});
