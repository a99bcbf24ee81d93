import { afterEach, describe, expect, test } from "bun:test";
import type { PipelineRun } from "../../src/domain/pipeline-info.ts";
import { ConflictError, StoreUnavailableError, ValueTooLargeError } from "../../src/errors.ts";
import { createOracleRepository } from "../../src/repository/oracle/oracle-repository.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { makeRun } from "../support/runs.ts";
import { driverError } from "./support/oracle-errors.ts";
import { createSqliteOracle, type SqliteOracle } from "./support/sqlite-oracle.ts";

const PASSWORD = "pw-Zx81!secret";
let fake: SqliteOracle;
let repository: RunRepository;

function open(options: { columnMap?: Record<string, string>; healthTtlMs?: number } = {}) {
  fake = createSqliteOracle("PIPELINE_RUNS", options.columnMap);
  repository = createOracleRepository(
    { connectString: "db:1521/FREEPDB1", user: "pipeline", password: PASSWORD, table: "PIPELINE_RUNS", columnMap: options.columnMap },
    { driver: fake.driver, streamBatchSize: 2, healthTtlMs: options.healthTtlMs ?? 0 },
  );
}

/** Stores one run and returns what the store says it stored. */
async function insertRun(run: PipelineRun): Promise<PipelineRun> {
  const [outcome] = await repository.insertRuns([run]);
  if (!outcome) throw new Error("no outcome");
  return outcome.run;
}

const firstPage = () => repository.findRuns({ filter: {}, limit: 1, offset: 0 });

afterEach(async () => {
  await repository.close();
  expect(fake.checkedOut).toBe(0);
  fake.close();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("pool", () => {
  test("one pool with the configured sizes, pings and statement cache, however many requests", async () => {
    open();
    await Promise.all(Array.from({ length: 20 }, () => repository.countRuns({})));
    expect(fake.poolAttributes).toHaveLength(1);
    expect(fake.poolAttributes[0]).toMatchObject({ user: "pipeline", connectString: "db:1521/FREEPDB1", poolMin: 2, poolMax: 8 });
    expect(fake.poolAttributes[0]?.poolPingInterval).toBeGreaterThan(0);
    expect(fake.poolAttributes[0]?.stmtCacheSize).toBeGreaterThan(0);
  });

  test("connections go back to the pool after errors and after a stream the reader abandons", async () => {
    open();
    for (let i = 0; i < 5; i++) await insertRun(makeRun({ date_code: `r${i}` }));
    for await (const _ of repository.streamRuns({})) break;
    expect(fake.checkedOut).toBe(0);
    fake.beforeExecute = () => {
      throw new Error("boom");
    };
    await rejection(firstPage());
    await rejection(insertRun(makeRun()));
    expect(fake.checkedOut).toBe(0);
  });

  test("writes commit in the same round trip; nothing is left uncommitted", async () => {
    open();
    await insertRun(makeRun());
    const insert = fake.executed.find((s) => s.sql.startsWith("INSERT"));
    expect(insert?.rows).toHaveLength(1);
    expect(insert?.options.autoCommit).toBe(true);
  });

  test("close is idempotent and later calls answer 503-worthy errors", async () => {
    open();
    await repository.close();
    await repository.close();
    expect(await rejection(repository.countRuns({}))).toBeInstanceOf(StoreUnavailableError);
  });
});

describe("values", () => {
  test("the run an insert reports is the run reads return", async () => {
    open();
    const run = makeRun({
      start_local: "2025-08-14T22:49:07.250",
      start_utc: "2025-08-15T05:49:07.123456Z",
      end_utc: "2025-08-15T06:17:19.500Z",
      environment: "",
      output_file: "",
    });
    const stored = await insertRun(run);
    expect(stored).toMatchObject({ start_local: "2025-08-14T22:49:07.250", start_utc: "2025-08-15T05:49:07.123456Z", end_utc: "2025-08-15T06:17:19.5Z" });
    // Oracle keeps '' as NULL: an empty label reads back null, an empty text field as "".
    expect(stored.environment).toBeNull();
    expect(stored.output_file).toBe("");
    expect((await firstPage()).runs).toEqual([stored]);
  });

  test("CLOB columns are fetched as strings", async () => {
    open();
    await repository.countRuns({});
    const handler = fake.executed[0]?.options.fetchTypeHandler;
    expect(handler?.({ name: "OUTPUT_FILE", dbType: fake.driver.DB_TYPE_CLOB })).toEqual({ type: fake.driver.STRING });
    expect(handler?.({ name: "ROWCOUNT", dbType: Symbol("NUMBER") })).toBeUndefined();
  });
});

describe("driver errors become domain errors", () => {
  test("ORA-12899 names the field, through the column map", async () => {
    open({ columnMap: { environment: "ENV_NAME" } });
    fake.beforeExecute = (statement) => {
      if (statement.rows) throw driverError("ORA-12899", 'value too large for column "APP"."PIPELINE_RUNS"."ENV_NAME" (actual: 60, maximum: 50)');
    };
    const error = await rejection(insertRun(makeRun()));
    expect(error).toBeInstanceOf(ValueTooLargeError);
    expect((error as ValueTooLargeError).field).toBe("environment");
    expect((error as Error).message).toContain("(actual: 60, maximum: 50)");
  });

  test("constraint violations are conflicts; NOT NULL names the field", async () => {
    open();
    // A unique constraint other than the identity: reading the identities again finds nothing new.
    fake.beforeExecute = (statement) => {
      if (statement.rows) throw driverError("ORA-00001", "unique constraint (APP.RUNS_UK) violated");
    };
    expect(await rejection(insertRun(makeRun()))).toBeInstanceOf(ConflictError);
    fake.beforeExecute = (statement) => {
      if (statement.rows) throw driverError("ORA-01400", 'cannot insert NULL into ("APP"."PIPELINE_RUNS"."LOG_FILE")');
    };
    const error = await rejection(insertRun(makeRun()));
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).field).toBe("log_file");
  });

  test("an unreachable database or a saturated pool is unavailable, with a retry hint", async () => {
    open();
    fake.unreachable = driverError("NJS-503", "connection to host db port 1521 could not be established.");
    const down = await rejection(firstPage());
    expect(down).toBeInstanceOf(StoreUnavailableError);
    expect((down as StoreUnavailableError).retryAfterSeconds).toBeGreaterThan(0);
    fake.unreachable = driverError("NJS-040", "connection request timeout. Request exceeded queueTimeout of 10000");
    expect(await rejection(repository.countRuns({}))).toBeInstanceOf(StoreUnavailableError);
    fake.unreachable = undefined;
    fake.beforeExecute = () => {
      throw driverError("NJS-500", "connection to Oracle Database was closed or broken");
    };
    expect(await rejection(repository.summarizePipelines())).toBeInstanceOf(StoreUnavailableError);
  });

  test("anything else is rethrown as it is", async () => {
    open();
    const original = driverError("ORA-00942", "table or view does not exist");
    fake.beforeExecute = () => {
      throw original;
    };
    expect(await rejection(repository.countRuns({}))).toBe(original);
  });
});

describe("health", () => {
  test("unhealthy with the reason while the database is away, healthy again when it returns", async () => {
    open();
    expect(await repository.health()).toEqual({ status: "healthy" });
    fake.unreachable = driverError("NJS-503", `connection to host db port 1521 could not be established. (CONNECTION_ID=abc) password=${PASSWORD}`);
    const down = await repository.health();
    expect(down.status).toBe("unhealthy");
    expect(down.reason).toContain("NJS-503");
    expect(down.reason).not.toContain(PASSWORD);
    expect(down.reason).not.toContain("CONNECTION_ID");
    fake.unreachable = undefined;
    expect(await repository.health()).toEqual({ status: "healthy" });
  });

  test("inserts the database refuses make the store degraded, counted by cause, until one succeeds", async () => {
    open();
    fake.beforeExecute = (statement) => {
      if (statement.rows) throw driverError("ORA-01653", "unable to extend table APP.PIPELINE_RUNS by 128 in tablespace USERS");
    };
    await rejection(insertRun(makeRun({ pid: 1 })));
    await rejection(insertRun(makeRun({ pid: 2 })));
    const degraded = await repository.health();
    expect(degraded.status).toBe("degraded");
    expect(degraded.reason).toContain("ORA-01653");
    expect(degraded.writeFailures).toEqual({ "ORA-01653": 2 });
    expect(await repository.countRuns({})).toBe(0);
    fake.beforeExecute = undefined;
    await insertRun(makeRun({ pid: 3 }));
    expect(await repository.health()).toEqual({ status: "healthy", writeFailures: { "ORA-01653": 2 } });
  });

  test("an insert that failed for an unreachable database stops counting as degraded once a probe reaches it", async () => {
    open();
    fake.unreachable = driverError("NJS-503", "connection to host db port 1521 could not be established.");
    await rejection(insertRun(makeRun()));
    expect((await repository.health()).status).toBe("unhealthy");
    fake.unreachable = undefined;
    expect(await repository.health()).toEqual({ status: "healthy", writeFailures: { "NJS-503": 1 } });
  });

  test("a request the database refuses as too long or conflicting is not a store failure", async () => {
    open();
    fake.beforeExecute = (statement) => {
      if (statement.rows) throw driverError("ORA-12899", 'value too large for column "APP"."PIPELINE_RUNS"."ENVIRONMENT" (actual: 60, maximum: 50)');
    };
    await rejection(insertRun(makeRun()));
    expect(await repository.health()).toEqual({ status: "healthy" });
  });

  test("a missing table or column makes the store unhealthy", async () => {
    open();
    fake.db.run("DROP TABLE PIPELINE_RUNS");
    expect((await repository.health()).status).toBe("unhealthy");
  });

  test("answers are reused for the TTL so probes cannot flood the database", async () => {
    open({ healthTtlMs: 60_000 });
    await Promise.all([repository.health(), repository.health(), repository.health()]);
    await repository.health();
    expect(fake.executed.filter((s) => s.sql.endsWith("WHERE 1 = 0"))).toHaveLength(1);
  });
});

describe("deleteRuns", () => {
  test("deletes in bounded batches, each committed on its own, until a batch removes fewer", async () => {
    const fake = createSqliteOracle("PIPELINE_RUNS");
    const repository = createOracleRepository(
      { connectString: "fake", user: "u", password: "p", table: "PIPELINE_RUNS", columnMap: {} },
      { driver: fake.driver, deleteBatchSize: 2 },
    );
    await repository.insertRuns(Array.from({ length: 7 }, (_, i) => makeRun({ date_code: `d${i}`, pid: i, environment: i < 5 ? "dev" : "prod" })));
    fake.executed.length = 0;
    expect(await repository.deleteRuns({ labels: { environment: ["dev"] } })).toBe(5);
    const deletes = fake.executed.filter((s) => s.sql.startsWith("DELETE"));
    expect(deletes).toHaveLength(3);
    for (const statement of deletes) {
      expect(statement.options).toMatchObject({ autoCommit: true });
      expect(statement.binds).toMatchObject({ p_limit: 2 });
    }
    expect(await repository.countRuns({})).toBe(2);
    expect((await repository.health()).lastCompaction?.removed).toBe(5);
    await repository.close();
    fake.close();
  });

  test("a failing batch keeps the batches before it and surfaces as unavailable", async () => {
    const fake = createSqliteOracle("PIPELINE_RUNS");
    const repository = createOracleRepository(
      { connectString: "fake", user: "u", password: "p", table: "PIPELINE_RUNS", columnMap: {} },
      { driver: fake.driver, deleteBatchSize: 2 },
    );
    await repository.insertRuns(Array.from({ length: 6 }, (_, i) => makeRun({ date_code: `d${i}`, pid: i })));
    let deletes = 0;
    fake.beforeExecute = (statement) => {
      if (statement.sql.startsWith("DELETE") && ++deletes === 2)
        throw Object.assign(new Error("ORA-03113: end-of-file on communication channel"), { code: "ORA-03113", errorNum: 3113 });
    };
    await expect(repository.deleteRuns({})).rejects.toBeInstanceOf(StoreUnavailableError);
    fake.beforeExecute = undefined;
    expect(await repository.countRuns({})).toBe(4);
    expect(await repository.deleteRuns({})).toBe(4);
    await repository.close();
    fake.close();
  });
});
