import type { PipelineRun } from "../../domain/pipeline-info.ts";
import type { HistoryBucketSize, HistorySeries, PipelineStats } from "../../domain/pipeline-stats.ts";
import type { RunFilter } from "../../domain/run-filter.ts";
import { NEWEST_FIRST, type RunOrder } from "../../domain/run-ordering.ts";
import { TimeBuckets } from "../../domain/time-buckets.ts";
import { DomainError, StoreUnavailableError } from "../../errors.ts";
import { BackoffLog } from "../../log-backoff.ts";
import { type Logger, silentLogger } from "../../logger.ts";
import type { CompactionReport, FindRunsQuery, InsertOutcome, RunPage, RunRepository, StoreHealth } from "../port.ts";
import { WriteFailures } from "../write-failures.ts";
import { cachedHealth } from "./cached-health.ts";
import { tableLayout } from "./columns.ts";
import type { ExecuteOptions, OracleConnection, OracleDriver } from "./driver.ts";
import { insertRunsOn } from "./insert-runs.ts";
import { driverErrorCode, healthReason, translateDriverError } from "./oracle-errors.ts";
import { createPoolKeeper } from "./pool-keeper.ts";
import { decodeHistory, decodeRun, decodeStats, type HistoryRow, type RunRow, type StatsRow } from "./row-codec.ts";
import { ORACLE_DEFAULTS, type OracleStoreSettings, poolAttributes } from "./settings.ts";
import { keysetOfRow } from "./sql-order.ts";
import { oracleStatements, type PageStart, type Statement } from "./statements.ts";
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
  /** Runs removed per DELETE statement and commit (default 5000). */
  deleteBatchSize?: number;
}

/**
 * The Oracle store: one connection pool per process, every statement with binds, the column map
 * applied everywhere a column appears. It starts even when the database is down: reads and writes
 * then fail with StoreUnavailableError and /health reports why, until the database returns.
 */
export function createOracleRepository(settings: OracleStoreSettings, dependencies: OracleStoreDependencies = {}): RunRepository {
  const { driver = thinDriver, logger = silentLogger, streamBatchSize = 500, healthTtlMs = 1000, deleteBatchSize = 5000 } = dependencies;
  const layout = tableLayout(settings.table, settings.columnMap);
  const sql = oracleStatements(layout);
  const callTimeoutMs = (settings.callTimeoutSeconds ?? ORACLE_DEFAULTS.callTimeoutSeconds) * 1000;
  const pool = createPoolKeeper(driver, poolAttributes(settings), logger);
  const queryOptions: ExecuteOptions = {
    outFormat: driver.OUT_FORMAT_OBJECT,
    fetchTypeHandler: (meta) => (meta.dbType === driver.DB_TYPE_CLOB || meta.dbType === driver.DB_TYPE_NCLOB ? { type: driver.STRING } : undefined),
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

  // Inserts the database refused (down, tablespace full, ...): /health is degraded from one
  // until an insert succeeds, or, when the database was unreachable, until a probe reaches it.
  const writeFailures = new WriteFailures();
  const writeProblems = new BackoffLog(logger);
  let clearsOnProbe = false;
  const cached = cachedHealth(probe, healthTtlMs);
  const withWrites = (h: StoreHealth): StoreHealth => {
    const totals = writeFailures.totals();
    const counted = Object.keys(totals).length > 0 ? { ...h, writeFailures: totals } : h;
    const failing = writeFailures.current;
    if (h.status !== "healthy" || !failing) return counted;
    if (clearsOnProbe) {
      writeFailures.succeeded();
      return counted;
    }
    return { ...counted, status: "degraded", reason: failing.reason };
  };
  const insertFailed = (error: unknown) => {
    // Refusals of the request itself (too long, conflict, bad input) are not the store failing.
    if (error instanceof DomainError && !(error instanceof StoreUnavailableError)) return;
    const code = driverErrorCode(error instanceof Error && error.cause ? error.cause : error);
    const cause = code ?? "other";
    // Not reaching the database is over once a probe reaches it; what the database itself
    // refused (ORA-01653: the tablespace is full) only a successful insert can clear.
    clearsOnProbe = error instanceof StoreUnavailableError && !code?.startsWith("ORA");
    const reason = `inserts fail: ${healthReason(error instanceof Error && error.cause ? error.cause : error, settings.password)}`;
    writeFailures.record(cause, reason);
    writeProblems.report("error", "oracle insert failed", { cause, reason });
  };

  let closing: Promise<void> | undefined;
  let lastCompaction: CompactionReport | undefined;

  return {
    backend: "oracle",

    async findRuns(q: FindRunsQuery): Promise<RunPage> {
      const order = q.order ?? NEWEST_FIRST;
      const wantTotal = q.includeTotal !== false;
      const start: PageStart = q.after ? { after: q.after } : { offset: q.offset ?? 0 };
      // An offset page carries the total on its rows; a keyset page counts separately.
      const countInPage = wantTotal && !q.after;
      // Built first: a keyset that does not fit the order is refused without taking a connection.
      // One row more than asked says whether another page follows.
      const statement = sql.page(q.filter, order, start, q.limit + 1, countInPage);
      return withConnection(async (connection) => {
        const rows = await query<RunRow & { match_count?: unknown }>(connection, statement);
        const page = rows.slice(0, q.limit);
        const last = page.at(-1);
        let total: number | null = null;
        if (countInPage && rows[0]) total = Number(rows[0].match_count);
        // No row carries the count: nothing matches, or the offset is past the end.
        else if (countInPage && !start.offset) total = 0;
        else if (wantTotal) total = await count(connection, q.filter);
        return { total, runs: page.map(decodeRun), next: last && rows.length > q.limit ? keysetOfRow(last, order.field) : null };
      });
    },

    async *streamRuns(filter: RunFilter, order: RunOrder = NEWEST_FIRST): AsyncIterable<PipelineRun> {
      // Keyset batches in the requested order, each on a connection held only for its round
      // trip: memory stays at one batch and a slow client never keeps a pooled connection.
      let start: PageStart = { offset: 0 };
      for (;;) {
        const rows = await withConnection((connection) => query<RunRow>(connection, sql.page(filter, order, start, streamBatchSize)));
        for (const row of rows) yield decodeRun(row);
        const last = rows.at(-1);
        if (!last || rows.length < streamBatchSize) return;
        start = { after: keysetOfRow(last, order.field) };
      }
    },

    countRuns(filter: RunFilter): Promise<number> {
      return withConnection((connection) => count(connection, filter));
    },

    summarizePipelines(filter: RunFilter = {}): Promise<PipelineStats[]> {
      return withConnection(async (connection) => (await query<StatsRow>(connection, sql.summary(filter))).map(decodeStats));
    },

    async runHistory(filter: RunFilter, bucket: HistoryBucketSize, timeZone: string): Promise<HistorySeries[]> {
      // Labels come from Intl: a zone it does not know (RangeError) never reaches the database.
      const buckets = new TimeBuckets(timeZone, bucket);
      return withConnection(async (connection) => decodeHistory(await query<HistoryRow>(connection, sql.history(filter, bucket, timeZone)), buckets));
    },

    async insertRuns(runs: readonly PipelineRun[]): Promise<InsertOutcome[]> {
      if (runs.length === 0) return [];
      try {
        const outcomes = await withConnection((connection) => insertRunsOn({ connection, statements: sql, types: driver, query, logger }, runs));
        if (writeFailures.succeeded()) writeProblems.recover("oracle inserts work again", { table: layout.table });
        return outcomes;
      } catch (error) {
        insertFailed(error);
        throw error;
      }
    },

    async deleteRuns(filter: RunFilter): Promise<number> {
      // One connection per batch, as streamRuns does: a long deletion never holds one for long,
      // and what was committed stays removed if a later batch fails.
      const statement = sql.deleteBatch(filter, deleteBatchSize);
      const began = performance.now();
      let removed = 0;
      for (;;) {
        const batch = await withConnection(
          async (connection) => (await connection.execute(statement.sql, statement.binds, { autoCommit: true })).rowsAffected ?? 0,
        );
        removed += batch;
        if (batch < deleteBatchSize) break;
      }
      lastCompaction = { finishedAt: new Date().toISOString(), seconds: (performance.now() - began) / 1000, removed };
      return removed;
    },

    dataVersion(): Promise<string> {
      return withConnection(async (connection) => {
        const [row] = await query<{ runs: unknown; last_id: unknown }>(connection, sql.version());
        return `${Number(row?.runs ?? 0)}-${row?.last_id ?? 0}`;
      });
    },

    async health(): Promise<StoreHealth> {
      const health = withWrites(await cached());
      return lastCompaction ? { ...health, lastCompaction } : health;
    },

    close(): Promise<void> {
      closing ??= pool.close();
      return closing;
    },
  };
}
