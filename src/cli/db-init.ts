/**
 * `npm run db:init`: creates the reference table and its indexes (sql/create_pipeline_runs.sql)
 * in the schema of ORACLE_USER, using the ORACLE_* settings; objects that exist are skipped, so
 * it is safe to run again. With ORACLE_TABLE or ORACLE_COLUMN_MAP pointing at a table of your own,
 * create that table yourself: this script only makes the reference table.
 */
import { join } from "node:path";
import { ConfigError, loadConfig } from "../config.ts";
import { createLogger } from "../logger.ts";
import { healthReason } from "../repository/oracle/oracle-errors.ts";
import { applySchema, scriptStatements } from "../repository/oracle/schema-script.ts";
import { ORACLE_DEFAULTS, oracleStoreSettings, poolAttributes } from "../repository/oracle/settings.ts";
import { thinDriver } from "../repository/oracle/thin-driver.ts";

const SCRIPT = join(import.meta.dir, "..", "..", "sql", "create_pipeline_runs.sql");

async function main(): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ ...process.env, PIPELINE_BACKEND: "oracle" });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  if (config.PIPELINE_BACKEND !== "oracle") return 2;
  if (config.ORACLE_TABLE !== ORACLE_DEFAULTS.table || Object.keys(config.ORACLE_COLUMN_MAP).length > 0) {
    console.error("db:init creates the reference table PIPELINE_RUNS; unset ORACLE_TABLE and ORACLE_COLUMN_MAP, or create your own table");
    return 2;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const statements = scriptStatements(await Bun.file(SCRIPT).text());
  try {
    const pool = await thinDriver.createPool({ ...poolAttributes(oracleStoreSettings(config)), poolMin: 0, poolMax: 1, stmtCacheSize: 0 });
    try {
      const connection = await pool.getConnection();
      try {
        const created = await applySchema(connection, statements, logger);
        logger.info("db:init done", { created, skipped: statements.length - created });
      } finally {
        await connection.close();
      }
    } finally {
      await pool.close(0);
    }
    return 0;
  } catch (error) {
    console.error(`db:init failed: ${healthReason(error, config.ORACLE_PASSWORD)}`);
    return 1;
  }
}

if (import.meta.main) process.exit(await main());
