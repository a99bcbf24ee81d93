import { Database } from "bun:sqlite";
import { COLUMN_FIELDS, type TableLayout, tableLayout } from "../../../src/repository/oracle/columns.ts";
import type {
  Binds,
  ExecuteManyOptions,
  ExecuteOptions,
  OracleConnection,
  OracleDriver,
  OraclePool,
  PoolAttributes,
} from "../../../src/repository/oracle/driver.ts";
import { driverError } from "./oracle-errors.ts";
import { oracleToSqlite } from "./oracle-to-sqlite.ts";

export { oracleToSqlite };

const placeholders = (sql: string) => new Set([...sql.matchAll(/\$(\w+)/g)].map((m) => m[1] as string));

export interface ExecutedStatement {
  /** The SQL exactly as the store sent it (Oracle dialect). */
  sql: string;
  /** The binds; for executeMany(), those of the first row. */
  binds: Binds;
  /** executeMany() only: every row of binds. */
  rows?: Binds[];
  options: ExecuteOptions & Partial<ExecuteManyOptions>;
}

export interface SqliteOracle {
  driver: OracleDriver;
  db: Database;
  layout: TableLayout;
  executed: ExecutedStatement[];
  poolAttributes: PoolAttributes[];
  /** Connections handed out and not yet closed. */
  readonly checkedOut: number;
  /** rollback() calls, on any connection. */
  readonly rollbacks: number;
  /** While set, getConnection() fails with this error, as when the database is unreachable. */
  unreachable: Error | undefined;
  /** Called before each statement runs; throw from it to simulate a database error. */
  beforeExecute: ((statement: ExecutedStatement) => void) | undefined;
  close(): void;
}

export interface SqliteOracleOptions {
  /** The unique index on the identity that sql/create_pipeline_runs.sql creates (default true). */
  identityIndex?: boolean;
  /** Another database to share, as several replicas share one table. */
  db?: Database;
}

/** The index name Oracle would report in ORA-00001. */
export const IDENTITY_INDEX = "PIPELINE_RUNS_IDENTITY_UX";

function createTable(db: Database, layout: TableLayout, identityIndex: boolean): void {
  const { table, columns: c } = layout;
  const schema = /^("[^"]+"|[^.]+)\./.exec(table)?.[1];
  if (schema) db.run(`ATTACH ':memory:' AS ${schema}`);
  const columns = COLUMN_FIELDS.filter((f) => f !== "id").map((f) => c[f]);
  db.run(`CREATE TABLE ${table} (${c.id} INTEGER PRIMARY KEY AUTOINCREMENT, ${columns.join(", ")})`);
  if (!identityIndex) return;
  // Oracle's composite unique index refuses two rows whose NULLs are in the same columns and whose
  // other values are equal; SQLite treats NULLs as distinct, hence IFNULL to a value no text has.
  const bare = schema ? table.slice(schema.length + 1) : table;
  db.run(
    `CREATE UNIQUE INDEX ${schema ? `${schema}.` : ""}${IDENTITY_INDEX} ON ${bare} ` +
      `(${c.start_utc}, ${c.pid}, IFNULL(${c.pipeline_name}, x'00'), IFNULL(${c.date_code}, x'00'))`,
  );
}

/** SQLite's constraint errors as node-oracledb reports Oracle's. */
function asOracleError(error: unknown): unknown {
  if (error instanceof Error && /UNIQUE constraint failed/.test(error.message)) {
    return driverError("ORA-00001", `unique constraint (APP.${IDENTITY_INDEX}) violated`);
  }
  return error;
}

/** A fake driver whose pool hands out connections to one in-memory SQLite database holding the
 * table that `table` and `columnMap` describe. */
export function createSqliteOracle(
  table = "PIPELINE_RUNS",
  columnMap: Parameters<typeof tableLayout>[1] = {},
  options: SqliteOracleOptions = {},
): SqliteOracle {
  const layout = tableLayout(table, columnMap);
  const db = options.db ?? new Database(":memory:");
  if (!options.db) createTable(db, layout, options.identityIndex ?? true);

  let checkedOut = 0;
  let rollbacks = 0;
  const fake: SqliteOracle = {
    driver: undefined as unknown as OracleDriver,
    db,
    layout,
    executed: [],
    poolAttributes: [],
    get checkedOut() {
      return checkedOut;
    },
    get rollbacks() {
      return rollbacks;
    },
    unreachable: undefined,
    beforeExecute: undefined,
    close: () => {
      if (!options.db) db.close();
    },
  };

  /** The SQLite statement and its values; binds must match placeholders exactly, as Oracle
   * rejects a bind without a placeholder (NJS-097) and a placeholder without a bind. */
  const prepare = (sql: string, binds: Binds) => {
    const { sql: sqlite, inlined } = oracleToSqlite(sql, binds);
    const used = placeholders(sqlite);
    const wanted = new Set([...used, ...inlined]);
    const given = Object.keys(binds);
    if (given.length !== wanted.size || !given.every((name) => wanted.has(name))) {
      throw new Error(`fake: binds ${given.join(",")} do not match placeholders ${[...wanted].join(",")}`);
    }
    // Oracle stores '' as NULL.
    const values = (row: Binds) => Object.fromEntries([...used].map((name) => [`$${name}`, row[name] === "" ? null : (row[name] ?? null)]));
    return { sqlite, values };
  };

  /** What node-oracledb checks before an executeMany(): a definition for every bind, values of
   * its type, strings no longer in bytes than maxSize. */
  const checkBindDefs = (rows: Binds[], bindDefs: ExecuteManyOptions["bindDefs"]) => {
    for (const row of rows) {
      for (const [name, value] of Object.entries(row)) {
        const def = bindDefs[name];
        if (!def) throw new Error(`fake: no bindDef for ${name}`);
        if (value === null) continue;
        if (typeof value === "number" ? def.type !== fake.driver.NUMBER : def.type !== fake.driver.STRING)
          throw new Error(`fake: ${name} is not of its bindDef type`);
        if (typeof value === "string" && Buffer.byteLength(value) > (def.maxSize ?? 0)) throw new Error(`fake: NJS-058 maxSize of ${name} too small`);
      }
    }
  };

  const connection = (): OracleConnection => {
    let open = true;
    const use = () => {
      if (!open) throw new Error("fake: connection used after close()");
    };
    return {
      callTimeout: 0,
      async execute<Row>(sql: string, binds: Binds, executeOptions: ExecuteOptions) {
        use();
        const statement = { sql, binds, options: executeOptions };
        fake.executed.push(statement);
        fake.beforeExecute?.(statement);
        const { sqlite, values } = prepare(sql, binds);
        if (/^\s*SELECT/i.test(sql)) return { rows: db.query(sqlite).all(values(binds)) as Row[] };
        if (!executeOptions.autoCommit) throw new Error("fake: a write without autoCommit would be rolled back on release");
        try {
          return { rowsAffected: db.query(sqlite).run(values(binds)).changes };
        } catch (error) {
          throw asOracleError(error);
        }
      },
      async executeMany(sql: string, rows: Binds[], manyOptions: ExecuteManyOptions) {
        use();
        const statement = { sql, binds: rows[0] ?? {}, rows, options: manyOptions };
        fake.executed.push(statement);
        fake.beforeExecute?.(statement);
        if (rows.length === 0) throw new Error("fake: NJS-005 executeMany() needs at least one row");
        if (!manyOptions.autoCommit) throw new Error("fake: a write without autoCommit would be rolled back on release");
        checkBindDefs(rows, manyOptions.bindDefs);
        const { sqlite, values } = prepare(sql, rows[0] as Binds);
        const insert = db.query(sqlite);
        // All or nothing. Oracle keeps the rows before a failing one until a rollback, which the
        // store always issues after a failure, so both end in the same state.
        try {
          db.transaction(() => {
            for (const row of rows) insert.run(values(row));
          })();
        } catch (error) {
          throw asOracleError(error);
        }
        return { rowsAffected: rows.length };
      },
      async rollback() {
        use();
        rollbacks += 1;
      },
      async close() {
        if (!open) throw new Error("fake: connection closed twice");
        open = false;
        checkedOut -= 1;
      },
    };
  };

  fake.driver = {
    OUT_FORMAT_OBJECT: 4002,
    DB_TYPE_CLOB: Symbol("CLOB"),
    DB_TYPE_NCLOB: Symbol("NCLOB"),
    STRING: Symbol("STRING"),
    NUMBER: Symbol("NUMBER"),
    async createPool(attributes: PoolAttributes): Promise<OraclePool> {
      fake.poolAttributes.push(attributes);
      let closed = false;
      return {
        async getConnection() {
          if (closed) throw Object.assign(new Error("NJS-065: connection pool was closed"), { code: "NJS-065" });
          if (fake.unreachable) throw fake.unreachable;
          checkedOut += 1;
          return connection();
        },
        async close() {
          closed = true;
        },
      };
    },
  };
  return fake;
}
