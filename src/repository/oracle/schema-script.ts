import type { Logger } from "../../logger.ts";
import type { OracleConnection } from "./driver.ts";
import { driverErrorCode } from "./oracle-errors.ts";

/** The statements of a SQL script: split at a semicolon that ends a line, `--` comments dropped,
 * no trailing semicolon (Oracle rejects one in a single statement). */
export function scriptStatements(script: string): string[] {
  const withoutComments = script
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("--"))
    .join("\n");
  return withoutComments
    .split(/;[ \t]*$/m)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

// ORA-00955: name is already used by an existing object; ORA-01408: such column list already indexed.
const ALREADY_THERE = new Set(["ORA-00955", "ORA-01408"]);

/** Runs each DDL statement; one whose object exists is skipped, any other error stops the run. */
export async function applySchema(connection: OracleConnection, statements: string[], logger: Logger): Promise<number> {
  let created = 0;
  for (const statement of statements) {
    const what = statement.split("(")[0]?.trim() ?? statement;
    try {
      await connection.execute(statement, {}, { autoCommit: true });
      created += 1;
      logger.info("created", { statement: what });
    } catch (error) {
      if (!ALREADY_THERE.has(driverErrorCode(error) ?? "")) throw error;
      logger.info("exists, skipped", { statement: what });
    }
  }
  return created;
}
