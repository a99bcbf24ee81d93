import { expect, test } from "bun:test";
import { createOracleRepository } from "../../src/repository/oracle/oracle-repository.ts";
import { runRepositoryContract } from "../contract/run-repository.contract.ts";
import { createSqliteOracle } from "./support/sqlite-oracle.ts";

const SETTINGS = { connectString: "fake:1521/FREEPDB1", user: "pipeline", password: "s3cret-pw" };

// The contract over the adapter's own SQL, with default names and with every name remapped, so
// the column map is proven wherever a column appears. Small batches exercise keyset streaming.
for (const [name, table, columnMap] of [
  ["oracle over sqlite", "PIPELINE_RUNS", {}],
  [
    "oracle over sqlite, SCHEMA.TABLE and a full column map",
    'APP."Pipeline Runs"',
    {
      id: "RUN_ID",
      start_local: "STARTED_LOCAL",
      end_local: '"ended local"',
      start_utc: '"Started At"',
      end_utc: "ENDED_AT",
      elapsed_seconds: "SECS",
      elapsed_human: "HUMAN",
      output_file: "OUT_PATH",
      rowcount: "ROW_COUNT",
      log_file: "LOG_PATH",
      pid: "PROCESS_ID",
      date_code: "DCODE",
      pipeline_name: "PIPELINE",
      script_name: "SCRIPT",
      pipeline_type: '"type"',
      environment: "ENV",
    },
  ],
] as const) {
  runRepositoryContract(name, async () => {
    const fake = createSqliteOracle(table, columnMap);
    const repository = createOracleRepository({ ...SETTINGS, table, columnMap }, { driver: fake.driver, streamBatchSize: 2 });
    return {
      repository,
      dispose: async () => {
        expect(fake.checkedOut).toBe(0);
        fake.close();
      },
    };
  });
}

// tests/oracle/time-zones.test.ts runs this file under other zones; this proves the zone applied.
if (process.env.EXPECT_TZ_OFFSET_MINUTES !== undefined) {
  test("the process runs in the zone asked for", () => {
    expect(new Date("2025-01-15T12:00:00Z").getTimezoneOffset()).toBe(Number(process.env.EXPECT_TZ_OFFSET_MINUTES));
  });
}
