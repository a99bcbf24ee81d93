import { z } from "zod";
import { positiveInt, wholeNumber } from "../../env-values.ts";
import { type ColumnMap, columnMapProblems } from "./columns.ts";
import type { PoolAttributes } from "./driver.ts";
import { IDENTIFIER_RULE, isOracleTableName } from "./identifiers.ts";

/** What the Oracle store does when a setting is not given, in the environment or by a caller. */
export const ORACLE_DEFAULTS = {
  table: "PIPELINE_RUNS",
  poolMin: 2,
  poolMax: 8,
  connectTimeoutSeconds: 5,
  queueTimeoutSeconds: 10,
  callTimeoutSeconds: 30,
} as const;

const required = (name: string) => z.string({ error: `is required when PIPELINE_BACKEND=oracle` }).min(1, `is required when PIPELINE_BACKEND=oracle (${name})`);

/** The ORACLE_* variables; config.ts adds them to its schema when PIPELINE_BACKEND=oracle. */
export const ORACLE_VARIABLES = {
  PIPELINE_BACKEND: z.literal("oracle"),
  ORACLE_DSN: required("connect string, e.g. dbhost:1521/FREEPDB1"),
  ORACLE_USER: required("database user"),
  ORACLE_PASSWORD: required("database password"),
  // Table and column names are written into SQL text, so only identifiers pass.
  ORACLE_TABLE: z.string().refine(isOracleTableName, `must be TABLE or SCHEMA.TABLE, each part ${IDENTIFIER_RULE}`).default(ORACLE_DEFAULTS.table),
  ORACLE_COLUMN_MAP: z
    .string()
    .default("{}")
    .transform((text, ctx): ColumnMap => {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {}
      if (!value || typeof value !== "object" || Array.isArray(value)) {
        ctx.addIssue({ code: "custom", message: 'must be a JSON object of field -> column, e.g. {"rowcount":"ROW_COUNT"}' });
        return z.NEVER;
      }
      const problems = columnMapProblems(value as Record<string, unknown>);
      for (const message of problems) ctx.addIssue({ code: "custom", message });
      return problems.length > 0 ? z.NEVER : (value as ColumnMap);
    }),
  ORACLE_POOL_MIN: wholeNumber("connections kept open").default(ORACLE_DEFAULTS.poolMin),
  ORACLE_POOL_MAX: positiveInt("connections at most").default(ORACLE_DEFAULTS.poolMax),
  ORACLE_CONNECT_TIMEOUT_SECONDS: positiveInt("seconds").default(ORACLE_DEFAULTS.connectTimeoutSeconds),
  ORACLE_QUEUE_TIMEOUT_SECONDS: positiveInt("seconds").default(ORACLE_DEFAULTS.queueTimeoutSeconds),
  ORACLE_CALL_TIMEOUT_SECONDS: positiveInt("seconds").default(ORACLE_DEFAULTS.callTimeoutSeconds),
};

/** The check across ORACLE_* variables, applied to the composed schema. */
export const poolSizeRule = {
  check: (c: { ORACLE_POOL_MIN: number; ORACLE_POOL_MAX: number }) => c.ORACLE_POOL_MIN <= c.ORACLE_POOL_MAX,
  params: { path: ["ORACLE_POOL_MIN"], message: "must not exceed ORACLE_POOL_MAX" },
};

export type OracleVariables = z.output<z.ZodObject<typeof ORACLE_VARIABLES>>;

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
export function oracleStoreSettings(config: OracleVariables): OracleStoreSettings {
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
  const connectTimeout = settings.connectTimeoutSeconds ?? ORACLE_DEFAULTS.connectTimeoutSeconds;
  return {
    user: settings.user,
    password: settings.password,
    connectString: settings.connectString,
    poolMin: settings.poolMin ?? ORACLE_DEFAULTS.poolMin,
    poolMax: settings.poolMax ?? ORACLE_DEFAULTS.poolMax,
    poolIncrement: 1,
    poolPingInterval: 60,
    queueTimeout: (settings.queueTimeoutSeconds ?? ORACLE_DEFAULTS.queueTimeoutSeconds) * 1000,
    // Distinct statements are one per filter combination and path; the busy ones stay parsed.
    stmtCacheSize: 40,
    connectTimeout,
    transportConnectTimeout: connectTimeout,
  };
}
