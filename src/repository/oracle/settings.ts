import type { OracleSettings } from "../../config.ts";
import type { ColumnMap } from "./columns.ts";
import type { PoolAttributes } from "./driver.ts";

/** What the Oracle store needs to know. */
export interface OracleStoreSettings {
  connectString: string;
  user: string;
  password: string;
  /** TABLE or SCHEMA.TABLE; validated again by the store. */
  table: string;
  columnMap?: ColumnMap;
  poolMin?: number;
  poolMax?: number;
  connectTimeoutSeconds?: number;
  queueTimeoutSeconds?: number;
  callTimeoutSeconds?: number;
}

/** The store's settings from the validated ORACLE_* variables. */
export function oracleStoreSettings(config: OracleSettings): OracleStoreSettings {
  return {
    connectString: config.ORACLE_DSN,
    user: config.ORACLE_USER,
    password: config.ORACLE_PASSWORD,
    table: config.ORACLE_TABLE,
    columnMap: config.ORACLE_COLUMN_MAP,
    poolMin: config.ORACLE_POOL_MIN,
    poolMax: config.ORACLE_POOL_MAX,
    connectTimeoutSeconds: config.ORACLE_CONNECT_TIMEOUT_SECONDS,
    queueTimeoutSeconds: config.ORACLE_QUEUE_TIMEOUT_SECONDS,
    callTimeoutSeconds: config.ORACLE_CALL_TIMEOUT_SECONDS,
  };
}

/** The pool for `settings`: sized by ORACLE_POOL_MIN/MAX, idle connections pinged before use,
 * a statement cache, and timeouts short enough that an absent database becomes a prompt 503. */
export function poolAttributes(settings: OracleStoreSettings): PoolAttributes {
  const connectTimeout = settings.connectTimeoutSeconds ?? 5;
  return {
    user: settings.user,
    password: settings.password,
    connectString: settings.connectString,
    poolMin: settings.poolMin ?? 2,
    poolMax: settings.poolMax ?? 8,
    poolIncrement: 1,
    poolPingInterval: 60,
    queueTimeout: (settings.queueTimeoutSeconds ?? 10) * 1000,
    // Distinct statements are one per filter combination and path; the busy ones stay parsed.
    stmtCacheSize: 40,
    connectTimeout,
    transportConnectTimeout: connectTimeout,
  };
}
