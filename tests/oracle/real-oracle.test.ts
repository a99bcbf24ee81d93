import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { ValueTooLargeError } from "../../src/errors.ts";
import { silentLogger } from "../../src/logger.ts";
import type { OraclePool } from "../../src/repository/oracle/driver.ts";
import { createOracleRepository, type OracleStoreSettings } from "../../src/repository/oracle/oracle-repository.ts";
import { applySchema, scriptStatements } from "../../src/repository/oracle/schema-script.ts";
import { poolAttributes } from "../../src/repository/oracle/settings.ts";
import { thinDriver } from "../../src/repository/oracle/thin-driver.ts";
import { runRepositoryContract } from "../contract/run-repository.contract.ts";
import { makeRun } from "../support/runs.ts";

/**
 * The same contract against a real Oracle Database, when ORACLE_TEST_DSN, ORACLE_TEST_USER and
 * ORACLE_TEST_PASSWORD name one (.github/workflows/oracle.yml starts gvenzl/oracle-free). The
 * reference table is created in that user's schema and emptied before each case.
 */
const { ORACLE_TEST_DSN: dsn, ORACLE_TEST_USER: user, ORACLE_TEST_PASSWORD: password } = process.env;

if (!dsn || !user || !password) {
  console.log("skipped: no Oracle configured");
  test.skip("the repository contract against a real Oracle (set ORACLE_TEST_DSN, ORACLE_TEST_USER, ORACLE_TEST_PASSWORD)", () => {});
} else {
  const settings: OracleStoreSettings = { connectString: dsn, user, password, table: "PIPELINE_RUNS", connectTimeoutSeconds: 10 };
  let admin: OraclePool;

  const truncate = async () => {
    const connection = await admin.getConnection();
    try {
      await connection.execute("DELETE FROM PIPELINE_RUNS", {}, { autoCommit: true });
    } finally {
      await connection.close();
    }
  };

  beforeAll(async () => {
    admin = await thinDriver.createPool({ ...poolAttributes(settings), poolMin: 0, poolMax: 1 });
    const script = await Bun.file(join(import.meta.dir, "..", "..", "sql", "create_pipeline_runs.sql")).text();
    const connection = await admin.getConnection();
    try {
      await applySchema(connection, scriptStatements(script), silentLogger);
    } finally {
      await connection.close();
    }
  });
  afterAll(async () => {
    await admin?.close(0);
  });

  runRepositoryContract("oracle (real database)", async () => {
    await truncate();
    return { repository: createOracleRepository(settings, { streamBatchSize: 2 }) };
  });

  test("a value longer than its column is a ValueTooLargeError naming the field; nothing of the batch is stored", async () => {
    await truncate();
    const repository = createOracleRepository(settings);
    try {
      const error = await repository.insertRuns([makeRun({ pid: 1 }), makeRun({ pid: 2, environment: "e".repeat(51) })]).then(
        () => undefined,
        (rejected: unknown) => rejected,
      );
      expect(error).toBeInstanceOf(ValueTooLargeError);
      expect((error as ValueTooLargeError).field).toBe("environment");
      expect(await repository.countRuns({})).toBe(0);
    } finally {
      await repository.close();
    }
  });

  test("instants keep their microseconds and local times their text", async () => {
    await truncate();
    const repository = createOracleRepository(settings);
    try {
      const run = makeRun({ start_local: "2025-08-14T22:49:07.250", start_utc: "2025-08-15T05:49:07.123456Z" });
      const [outcome] = await repository.insertRuns([run]);
      expect(outcome).toEqual({ status: "created", run });
      expect((await repository.findRuns({ filter: {}, limit: 1, offset: 0 })).runs).toEqual([run]);
    } finally {
      await repository.close();
    }
  });

  test("10,000 runs in one batch: one executeMany, one commit; the retry writes nothing", async () => {
    await truncate();
    const repository = createOracleRepository(settings);
    try {
      const runs = Array.from({ length: 10_000 }, (_, i) => makeRun({ date_code: `bulk-${i}`, pid: i }));
      const began = performance.now();
      const outcomes = await repository.insertRuns(runs);
      console.log(`10,000-run batch stored in ${Math.round(performance.now() - began)} ms`);
      expect(outcomes.filter((o) => o.status === "created")).toHaveLength(10_000);
      expect((await repository.insertRuns(runs)).filter((o) => o.status === "existing")).toHaveLength(10_000);
      expect(await repository.countRuns({})).toBe(10_000);
    } finally {
      await repository.close();
    }
  }, 120_000);
}
