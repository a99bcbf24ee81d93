import type { PipelineRun } from "../../domain/pipeline-info.ts";
import type { PipelineSummary } from "../../domain/responses.ts";
import type { Page, RunFilter } from "../../domain/run-query.ts";
import { type Logger, silentLogger } from "../../logger.ts";
import type { RunPage, RunRepository, StoreHealth } from "../port.ts";
import { cachedHealth } from "./cached-health.ts";
import { tableLayout } from "./columns.ts";
import type { ExecuteOptions, OracleConnection, OracleDriver } from "./driver.ts";
import { healthReason, translateDriverError } from "./oracle-errors.ts";
import { createPoolKeeper } from "./pool-keeper.ts";
import { type RunRow, type SummaryRow, decodeRun, decodeSummary, storedForm } from "./row-codec.ts";
import { type OracleStoreSettings, poolAttributes } from "./settings.ts";
import { type Keyset, type Statement, oracleStatements } from "./statements.ts";
import { thinDriver } from "./thin-driver.ts";

export type { OracleStoreSettings };

export interface OracleStoreDependencies {
  /** The driver; node-oracledb in Thin mode unless a test hands in a fake. */
  driver?: OracleDriver;
  logger?: Logger;
  /** Runs fetched per round trip while streaming (default 500). */
  streamBatchSize?: number;
  /** How long a health answer is reused (default 1000 ms). */
  healthTtlMs?: number;
}

/**
 * The Oracle store: one connection pool per process, every statement with binds, the column map
 * applied everywhere a column appears. It starts even when the database is down: reads and writes
 * then fail with StoreUnavailableError and /health reports why, until the database returns.
 */
export function createOracleRepository(settings: OracleStoreSettings, dependencies: OracleStoreDependencies = {}): RunRepository {
  const { driver = thinDriver, logger = silentLogger, streamBatchSize = 500, healthTtlMs = 1000 } = dependencies;
  const layout = tableLayout(settings.table, settings.columnMap);
  const sql = oracleStatements(layout);
  const callTimeoutMs = (settings.callTimeoutSeconds ?? 30) * 1000;
  const pool = createPoolKeeper(driver, poolAttributes(settings), logger);
  const queryOptions: ExecuteOptions = {
    outFormat: driver.OUT_FORMAT_OBJECT,
    fetchTypeHandler: (meta) =>
      meta.dbType === driver.DB_TYPE_CLOB || meta.dbType === driver.DB_TYPE_NCLOB ? { type: driver.STRING } : undefined,
  };

  /** Runs `work` on a pooled connection, always returned to the pool, errors in domain terms. */
  async function withConnection<T>(work: (connection: OracleConnection) => Promise<T>): Promise<T> {
    let connection: OracleConnection;
    try {
      connection = await pool.connection();
    } catch (error) {
      throw translateDriverError(error, layout);
    }
    try {
      connection.callTimeout = callTimeoutMs;
      return await work(connection);
    } catch (error) {
      throw translateDriverError(error, layout);
    } finally {
      await connection.close().catch((error: unknown) => logger.warn("oracle connection release failed", { error: String(error) }));
    }
  }

  const query = async <Row>(connection: OracleConnection, statement: Statement): Promise<Row[]> =>
    (await connection.execute<Row>(statement.sql, statement.binds, queryOptions)).rows ?? [];

  const count = async (connection: OracleConnection, filter: RunFilter): Promise<number> => {
    const [row] = await query<{ match_count: unknown }>(connection, sql.count(filter));
    return Number(row?.match_count ?? 0);
  };

  let lastStatus: StoreHealth["status"] | undefined;
  const probe = async (): Promise<StoreHealth> => {
    let health: StoreHealth;
    try {
      await withConnection((connection) => query(connection, sql.probe()));
      health = { status: "healthy" };
    } catch (error) {
      health = { status: "unhealthy", reason: healthReason(error instanceof Error && error.cause ? error.cause : error, settings.password) };
    }
    if (health.status !== lastStatus) {
      if (health.status === "healthy") logger.info("oracle store healthy", { table: layout.table });
      else logger.warn("oracle store unhealthy", { reason: health.reason });
      lastStatus = health.status;
    }
    return health;
  };

  let closing: Promise<void> | undefined;

  return {
    backend: "oracle",

    findRuns(filter: RunFilter, page: Page): Promise<RunPage> {
      return withConnection(async (connection) => {
        const rows = await query<RunRow & { match_count: unknown }>(connection, sql.page(filter, page));
        const first = rows[0];
        if (first) return { total: Number(first.match_count), runs: rows.map(decodeRun) };
        // No row carries the count: the filter matches nothing, or the offset is past the end.
        return { total: page.offset === 0 ? 0 : await count(connection, filter), runs: [] };
      });
    },

    async *streamRuns(filter: RunFilter): AsyncIterable<PipelineRun> {
      // Keyset batches, each on a connection held only for its round trip: memory stays at one
      // batch and a slow client never keeps a pooled connection.
      let after: Keyset | undefined;
      for (;;) {
        const rows = await withConnection((connection) => query<RunRow>(connection, sql.batch(filter, after, streamBatchSize)));
        for (const row of rows) yield decodeRun(row);
        const last = rows.at(-1);
        if (!last || rows.length < streamBatchSize) return;
        after = { startUtc: String(last.start_utc), id: Number(last.id) };
      }
    },

    countRuns(filter: RunFilter): Promise<number> {
      return withConnection((connection) => count(connection, filter));
    },

    summarizePipelines(filter: RunFilter = {}): Promise<PipelineSummary[]> {
      return withConnection(async (connection) => (await query<SummaryRow>(connection, sql.summary(filter))).map(decodeSummary));
    },

    insertRun(run: PipelineRun): Promise<PipelineRun> {
      const statement = sql.insert(run);
      return withConnection(async (connection) => {
        await connection.execute(statement.sql, statement.binds, { autoCommit: true });
        return storedForm(run);
      });
    },

    health: cachedHealth(probe, healthTtlMs),

    close(): Promise<void> {
      closing ??= pool.close();
      return closing;
    },
  };
}
