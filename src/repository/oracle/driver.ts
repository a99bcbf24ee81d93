/**
 * The slice of node-oracledb this store uses, typed here so that tests can hand the store a fake
 * (kysely's dialect configs do the same with their drivers). Names follow node-oracledb 6+.
 */

/** Bind values by name; every value the store sends goes through these, never into SQL text. */
export type Binds = Record<string, string | number | null>;

export interface ExecuteOptions {
  outFormat?: number;
  autoCommit?: boolean;
  /** Per column: how to fetch it (the store asks for CLOBs as strings). */
  fetchTypeHandler?: (metadata: { dbType?: unknown; name: string }) => { type: unknown } | undefined;
}

export interface ExecuteResult<Row> {
  rows?: Row[];
  rowsAffected?: number;
}

/** How executeMany() binds one named variable in every row: node-oracledb needs the type up front
 * (and, for strings, the largest size in bytes) because it sends all rows in one array bind. */
export interface BindDef {
  type: unknown;
  maxSize?: number;
}

export interface ExecuteManyOptions {
  autoCommit?: boolean;
  bindDefs: Record<string, BindDef>;
}

/** A pooled connection; `close()` returns it to the pool. */
export interface OracleConnection {
  /** Milliseconds one round trip may take before the driver gives up (NJS-123). */
  callTimeout: number;
  execute<Row = Record<string, unknown>>(sql: string, binds: Binds, options: ExecuteOptions): Promise<ExecuteResult<Row>>;
  /** One DML statement for many rows of binds in one round trip (array DML). */
  executeMany(sql: string, rows: Binds[], options: ExecuteManyOptions): Promise<{ rowsAffected?: number }>;
  /** Discards the session's uncommitted work (e.g. the rows an array DML kept before it failed). */
  rollback(): Promise<void>;
  close(): Promise<void>;
}

export interface OraclePool {
  getConnection(): Promise<OracleConnection>;
  /** Closes the pool; with `drainSeconds` it first waits that long for connections in use. */
  close(drainSeconds?: number): Promise<void>;
}

export interface PoolAttributes {
  user: string;
  password: string;
  connectString: string;
  poolMin: number;
  poolMax: number;
  poolIncrement: number;
  /** Seconds a connection may sit idle before getConnection() pings it first. */
  poolPingInterval: number;
  /** Milliseconds a getConnection() may wait in the queue (NJS-040 after that). */
  queueTimeout: number;
  stmtCacheSize: number;
  /** Seconds to establish a connection, TCP and the Oracle Net handshake together (NJS-510). */
  connectTimeout: number;
  /** Seconds to establish the TCP connection alone. */
  transportConnectTimeout: number;
}

export interface OracleDriver {
  createPool(attributes: PoolAttributes): Promise<OraclePool>;
  readonly OUT_FORMAT_OBJECT: number;
  readonly DB_TYPE_CLOB: unknown;
  readonly DB_TYPE_NCLOB: unknown;
  /** Bind types for executeMany(): oracledb.STRING (VARCHAR2) and oracledb.NUMBER. */
  readonly STRING: unknown;
  readonly NUMBER: unknown;
}
