import { planInsert } from "../../domain/insert-plan.ts";
import type { PipelineRun } from "../../domain/pipeline-info.ts";
import { identityKey } from "../../domain/run-identity.ts";
import type { Logger } from "../../logger.ts";
import type { InsertOutcome } from "../port.ts";
import type { OracleConnection, OracleDriver } from "./driver.ts";
import { driverErrorCode } from "./oracle-errors.ts";
import { decodeRun, type RunRow, storedForm } from "./row-codec.ts";
import type { Statement } from "./sql-filter.ts";
import { LOOKUP_CHUNK, type writeStatements } from "./write-statements.ts";

/** What insertRunsOn needs: the connection, the statements and how to run a query on it. */
export interface InsertContext {
  connection: OracleConnection;
  statements: ReturnType<typeof writeStatements>;
  types: Pick<OracleDriver, "STRING" | "NUMBER">;
  query: <Row>(connection: OracleConnection, statement: Statement) => Promise<Row[]>;
  logger: Logger;
}

/** The stored runs under the batch's identities, by identity key: one SELECT per 500 identities. */
async function storedIdentities(ctx: InsertContext, batch: readonly PipelineRun[]): Promise<Map<string, PipelineRun>> {
  const distinct = [...new Map(batch.map((run) => [identityKey(run), run])).values()];
  const found = new Map<string, PipelineRun>();
  for (let start = 0; start < distinct.length; start += LOOKUP_CHUNK) {
    const rows = await ctx.query<RunRow>(ctx.connection, ctx.statements.identityLookup(distinct.slice(start, start + LOOKUP_CHUNK)));
    for (const row of rows) {
      const run = decodeRun(row);
      const key = identityKey(run);
      // Rows come oldest first: a table without the unique index may hold an identity twice.
      if (!found.has(key)) found.set(key, run);
    }
  }
  return found;
}

/**
 * insertRuns on one connection: look the identities up, write the new runs with one executeMany
 * committed in the same round trip (one commit for the batch), report every run in order.
 *
 * A replica may commit one of the same identities between our lookup and our insert. The unique
 * index on the identity (sql/create_pipeline_runs.sql) then refuses ours with ORA-00001 (Oracle
 * makes our insert wait for the other transaction, so its row is committed by then): we roll back
 * what the array DML kept, read again, and that run now reads as existing or conflict. Each retry
 * has fewer runs to write; when a re-read finds nothing new, the violated constraint is another
 * one and the error goes to the caller. Without the unique index the race stays open (documented).
 */
export async function insertRunsOn(ctx: InsertContext, runs: readonly PipelineRun[]): Promise<InsertOutcome[]> {
  const batch = runs.map(storedForm);
  let refused = Number.POSITIVE_INFINITY;
  for (;;) {
    const plan = planInsert(batch, await storedIdentities(ctx, batch));
    if (plan.fresh.length === 0) return plan.outcomes;
    const insert = ctx.statements.insertMany(plan.fresh, ctx.types);
    try {
      await ctx.connection.executeMany(insert.sql, insert.rows, { autoCommit: true, bindDefs: insert.bindDefs });
      return plan.outcomes;
    } catch (error) {
      // autoCommit commits only on success; rows before the failing one are still pending.
      await ctx.connection.rollback().catch((rollbackError: unknown) => ctx.logger.warn("oracle rollback failed", { error: String(rollbackError) }));
      if (driverErrorCode(error) !== "ORA-00001" || plan.fresh.length >= refused) throw error;
      refused = plan.fresh.length;
      ctx.logger.info("oracle insert raced another writer; reading the identities again", { runs: refused });
    }
  }
}
