import { afterEach, expect, test } from "bun:test";
import type { PipelineRun } from "../../src/domain/pipeline-info.ts";
import { ConflictError, ValueTooLargeError } from "../../src/errors.ts";
import { createOracleRepository } from "../../src/repository/oracle/oracle-repository.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { makeRun } from "../support/runs.ts";
import { driverError } from "./support/oracle-errors.ts";
import { createSqliteOracle, oracleToSqlite, type SqliteOracle } from "./support/sqlite-oracle.ts";

const open: Array<{ fake: SqliteOracle; repository: RunRepository }> = [];

/** A store over a fake database; `shared` makes it another replica on the same table. */
function replica(shared?: SqliteOracle, identityIndex = true) {
  const fake = shared ? createSqliteOracle("PIPELINE_RUNS", {}, { db: shared.db }) : createSqliteOracle("PIPELINE_RUNS", {}, { identityIndex });
  const repository = createOracleRepository({ connectString: "db", user: "u", password: "p", table: "PIPELINE_RUNS" }, { driver: fake.driver });
  open.push({ fake, repository });
  return { fake, repository };
}

afterEach(async () => {
  for (const { fake, repository } of open.splice(0).reverse()) {
    await repository.close();
    expect(fake.checkedOut).toBe(0);
    fake.close();
  }
});

const kinds = (fake: SqliteOracle) => fake.executed.map((s) => (s.rows ? `INSERT x${s.rows.length}` : s.sql.split(" ")[0]));

/** Writes `row` (insert binds, as the store sent them) straight into the table: a row another
 * replica committed. */
function commitElsewhere(fake: SqliteOracle, sql: string, row: Record<string, string | number | null>) {
  const sqlite = oracleToSqlite(sql).sql;
  fake.db.query(sqlite).run(Object.fromEntries(Object.entries(row).map(([k, v]) => [`$${k}`, v === "" ? null : v])));
}

test("a batch is one identity lookup and one executeMany with bind definitions, committed in that round trip", async () => {
  const { fake, repository } = replica();
  const runs = [makeRun({ pid: 1, environment: "ünïcode ✓" }), makeRun({ pid: 2 }), makeRun({ pid: 3, output_file: "" })];
  const outcomes = await repository.insertRuns(runs);
  expect(outcomes.map((o) => o.status)).toEqual(["created", "created", "created"]);
  expect(kinds(fake)).toEqual(["SELECT", "INSERT x3"]);
  const insert = fake.executed[1];
  expect(insert?.options.autoCommit).toBe(true);
  expect(insert?.options.bindDefs?.v_rowcount).toEqual({ type: fake.driver.NUMBER });
  // Sizes in bytes, as node-oracledb measures: "ünïcode ✓" is 9 characters, 13 bytes.
  expect(insert?.options.bindDefs?.v_environment).toEqual({ type: fake.driver.STRING, maxSize: 13 });
  expect(insert?.options.bindDefs?.v_start_utc?.maxSize).toBe(29);
  expect(fake.rollbacks).toBe(0);
});

test("lookups are padded to a few sizes so batches share SQL texts", async () => {
  const { fake, repository } = replica();
  for (const size of [1, 2, 7, 10, 11, 99]) {
    await repository.insertRuns(Array.from({ length: size }, (_, i) => makeRun({ pid: 1000 * size + i })));
  }
  const lookups = fake.executed.filter((s) => !s.rows).map((s) => s.sql.split(" OR ").length);
  expect(lookups).toEqual([1, 10, 10, 10, 100, 100]);
});

test("10,000 runs: 20 lookups of 500 identities, one executeMany, one commit; a retry of it writes nothing", async () => {
  const { fake, repository } = replica();
  const runs = Array.from({ length: 10_000 }, (_, i) =>
    makeRun({ date_code: `bulk-${i % 7}`, pid: i, start: `2025-05-${String(1 + (i % 28)).padStart(2, "0")}T00:00:00Z` }),
  );
  const began = performance.now();
  const outcomes = await repository.insertRuns(runs);
  const seconds = (performance.now() - began) / 1000;
  expect(outcomes.every((o) => o.status === "created")).toBe(true);
  expect(kinds(fake)).toEqual([...Array(20).fill("SELECT"), "INSERT x10000"]);
  expect(await repository.countRuns({})).toBe(10_000);
  expect(seconds).toBeLessThan(10);
  fake.executed.length = 0;
  const again = await repository.insertRuns(runs);
  expect(again.every((o) => o.status === "existing")).toBe(true);
  expect(kinds(fake)).toEqual(Array(20).fill("SELECT"));
}, 30_000);

test("duplicates inside a batch: the first is created, an equal one existing, another content a conflict", async () => {
  const { fake, repository } = replica();
  const run = makeRun({ pid: 5, environment: "" });
  const outcomes = await repository.insertRuns([run, { ...run, environment: null }, { ...run, rowcount: 1 }]);
  expect(outcomes.map((o) => o.status)).toEqual(["created", "existing", "conflict"]);
  // '' is NULL in Oracle: the stored form, which every outcome reports.
  expect(outcomes[1]?.run.environment).toBeNull();
  expect(outcomes[2]).toMatchObject({ fields: ["rowcount"] });
  expect(fake.executed.at(-1)?.rows).toHaveLength(1);
});

test("a replica that commits an identity between our lookup and our insert: ORA-00001, rollback, read again", async () => {
  const first = replica();
  const second = replica(first.fake);
  const raced = makeRun({ pid: 1, rowcount: 10 });
  const other = makeRun({ pid: 2 });
  let racing = true;
  second.fake.beforeExecute = (statement) => {
    if (!statement.rows || !racing) return;
    racing = false;
    // The first replica committed `raced` with another rowcount a moment before our insert.
    commitElsewhere(first.fake, statement.sql, { ...(statement.rows[0] as Record<string, string | number | null>), v_rowcount: 11 });
  };
  const outcomes = await second.repository.insertRuns([raced, other]);
  expect(outcomes).toEqual([
    { status: "conflict", run: { ...raced, rowcount: 11 }, fields: ["rowcount"] },
    { status: "created", run: other },
  ]);
  expect(kinds(second.fake)).toEqual(["SELECT", "INSERT x2", "SELECT", "INSERT x1"]);
  expect(second.fake.rollbacks).toBe(1);
  expect(await first.repository.countRuns({})).toBe(2);
});

test("concurrent replicas posting one identity store it once", async () => {
  const first = replica();
  const second = replica(first.fake);
  const run = makeRun({ date_code: "race", pid: 99 });
  const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? first : second).repository.insertRuns([{ ...run }])));
  expect(
    outcomes
      .flat()
      .map((o) => o.status)
      .sort(),
  ).toEqual(["created", "existing", "existing", "existing", "existing", "existing"]);
  expect(await first.repository.countRuns({})).toBe(1);
});

test("without the unique index the race stays open: both replicas store the identity", async () => {
  const first = replica(undefined, false);
  const second = replica(first.fake);
  const run = makeRun({ date_code: "race", pid: 99 });
  const outcomes = await Promise.all([first.repository.insertRuns([run]), second.repository.insertRuns([run])]);
  expect(outcomes.flat().map((o) => o.status)).toEqual(["created", "created"]);
  expect(await first.repository.countRuns({})).toBe(2);
  // Later posts see the identity (the first one stored) and write nothing more.
  expect((await first.repository.insertRuns([{ ...run, rowcount: 1 }]))[0]).toMatchObject({ status: "conflict", fields: ["rowcount"] });
  expect(await first.repository.countRuns({})).toBe(2);
});

test("a failed batch is rolled back and reported as the domain error; nothing is stored", async () => {
  const { fake, repository } = replica();
  fake.beforeExecute = (statement) => {
    if (statement.rows) throw driverError("ORA-12899", 'value too large for column "APP"."PIPELINE_RUNS"."LOG_FILE" (actual: 2000, maximum: 1024)');
  };
  const error = await repository.insertRuns([makeRun({ pid: 1 }), makeRun({ pid: 2 })]).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValueTooLargeError);
  expect(fake.rollbacks).toBe(1);
  fake.beforeExecute = undefined;
  expect(await repository.countRuns({})).toBe(0);
});

test("ORA-00001 from another constraint is a conflict after one more try, not a loop", async () => {
  const { fake, repository } = replica();
  fake.beforeExecute = (statement) => {
    if (statement.rows) throw driverError("ORA-00001", "unique constraint (APP.OTHER_UK) violated");
  };
  const error = await repository.insertRuns([makeRun({ pid: 1 })]).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConflictError);
  expect(kinds(fake)).toEqual(["SELECT", "INSERT x1", "SELECT", "INSERT x1"]);
  expect(fake.rollbacks).toBe(2);
});

test("an empty batch touches no connection", async () => {
  const { fake, repository } = replica();
  expect(await repository.insertRuns([])).toEqual([]);
  expect(fake.executed).toEqual([]);
});

test("identities with NULL name and date code are found (DECODE, Oracle's NULL-safe equality)", async () => {
  const { repository } = replica();
  const run: PipelineRun = makeRun({ pipeline_name: null, date_code: "", pid: 3 });
  expect((await repository.insertRuns([run]))[0]?.status).toBe("created");
  expect((await repository.insertRuns([{ ...run, pipeline_name: "" }]))[0]?.status).toBe("existing");
  expect((await repository.insertRuns([{ ...run, date_code: "x" }]))[0]?.status).toBe("created");
  expect(await repository.countRuns({})).toBe(2);
});
