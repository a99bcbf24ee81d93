import { expect, test } from "bun:test";
import { join } from "node:path";
import { MAX_LENGTH } from "../../src/domain/pipeline-info.ts";
import { silentLogger } from "../../src/logger.ts";
import { COLUMN_FIELDS } from "../../src/repository/oracle/columns.ts";
import type { OracleConnection } from "../../src/repository/oracle/driver.ts";
import { applySchema, scriptStatements } from "../../src/repository/oracle/schema-script.ts";
import { driverError } from "./support/oracle-errors.ts";
import { foreignConstructs, plsqlSyntaxErrors } from "./support/plsql-grammar.ts";

const script = await Bun.file(join(import.meta.dir, "..", "..", "sql", "create_pipeline_runs.sql")).text();
const statements = scriptStatements(script);

test("the reference script is one table, the four indexes the filters use, the retention index and the unique identity index", () => {
  expect(statements.map((s) => s.split("(")[0]?.trim())).toEqual([
    "CREATE TABLE PIPELINE_RUNS",
    "CREATE INDEX PIPELINE_RUNS_START_IX ON PIPELINE_RUNS",
    "CREATE INDEX PIPELINE_RUNS_NAME_START_IX ON PIPELINE_RUNS",
    "CREATE INDEX PIPELINE_RUNS_ENV_IX ON PIPELINE_RUNS",
    "CREATE INDEX PIPELINE_RUNS_DATE_CODE_IX ON PIPELINE_RUNS",
    "CREATE INDEX PIPELINE_RUNS_END_IX ON PIPELINE_RUNS",
    "CREATE UNIQUE INDEX PIPELINE_RUNS_IDENTITY_UX ON PIPELINE_RUNS",
  ]);
  // The identity the store looks up, instant and pid first (never NULL).
  expect(statements.at(-1)).toContain("(START_UTC, PID, PIPELINE_NAME, DATE_CODE)");
  for (const statement of statements) {
    expect(statement).not.toContain("--");
    expect(statement.endsWith(";")).toBe(false);
  }
});

test("every statement of the script parses as Oracle DDL", () => {
  for (const statement of statements) {
    expect(plsqlSyntaxErrors(`${statement};`)).toEqual([]);
    expect(foreignConstructs(statement)).toEqual([]);
  }
});

test("the table has a column for every field, text sized as POST validates", () => {
  const table = statements[0] ?? "";
  for (const field of COLUMN_FIELDS) expect(table).toMatch(new RegExp(`^\\s+${field.toUpperCase()}\\s`, "m"));
  for (const [field, max] of Object.entries(MAX_LENGTH)) {
    expect(table).toMatch(new RegExp(`^\\s+${field.toUpperCase()}\\s+VARCHAR2\\(${max} CHAR\\)`, "m"));
  }
});

test("db:init skips objects that exist and stops on any other error", async () => {
  const executed: string[] = [];
  const connection = (failure: (sql: string) => Error | undefined): OracleConnection => ({
    callTimeout: 0,
    async execute(sql) {
      executed.push(sql);
      const error = failure(sql);
      if (error) throw error;
      return {};
    },
    async executeMany() {
      throw new Error("db:init runs DDL only");
    },
    async rollback() {},
    async close() {},
  });
  const exists = connection((sql) => (sql.startsWith("CREATE TABLE") ? driverError("ORA-00955", "name is already used by an existing object") : undefined));
  expect(await applySchema(exists, statements, silentLogger)).toBe(statements.length - 1);
  expect(executed).toHaveLength(statements.length);

  const denied = connection(() => driverError("ORA-01031", "insufficient privileges"));
  await expect(applySchema(denied, statements, silentLogger)).rejects.toThrow("ORA-01031");
});
