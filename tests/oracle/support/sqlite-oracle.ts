import { Database } from "bun:sqlite";
import { COLUMN_FIELDS, type TableLayout, tableLayout } from "../../../src/repository/oracle/columns.ts";
import type { Binds, ExecuteOptions, OracleConnection, OracleDriver, OraclePool, PoolAttributes } from "../../../src/repository/oracle/driver.ts";

/**
 * The few Oracle constructs the store emits, rewritten mechanically for SQLite: UTC conversions
 * (both sides already use the same fixed-width UTC text), OFFSET/FETCH, and :name binds. It
 * proves query logic, not Oracle syntax; tests/oracle/grammar.test.ts checks the syntax.
 */
export function oracleToSqlite(sql: string): string {
  const rewritten = sql
    .replace(/FROM_TZ\(TO_TIMESTAMP\((:\w+), '[^']*'\), '\+00:00'\)/g, "$1")
    .replace(/TO_CHAR\(SYS_EXTRACT_UTC\(((?:[^()]|\([^()]*\))*)\), '[^']*'\)/g, "$1")
    .replace(/OFFSET (:\w+) ROWS FETCH NEXT (:\w+) ROWS ONLY/g, "LIMIT $2 OFFSET $1")
    .replace(/FETCH FIRST (:\w+) ROWS ONLY/g, "LIMIT $1");
  // After the rewrites no literal may hold a colon, so every :name left is a bind.
  if (/'[^']*:[^']*'/.test(rewritten)) throw new Error(`fake: unexpected literal in ${rewritten}`);
  return rewritten.replace(/:(\w+)/g, "$$$1");
}

const placeholders = (sql: string) => new Set([...sql.matchAll(/\$(\w+)/g)].map((m) => m[1] as string));

export interface ExecutedStatement {
  /** The SQL exactly as the store sent it (Oracle dialect). */
  sql: string;
  binds: Binds;
  options: ExecuteOptions;
}

export interface SqliteOracle {
  driver: OracleDriver;
  db: Database;
  layout: TableLayout;
  executed: ExecutedStatement[];
  poolAttributes: PoolAttributes[];
  /** Connections handed out and not yet closed. */
  readonly checkedOut: number;
  /** While set, getConnection() fails with this error, as when the database is unreachable. */
  unreachable: Error | undefined;
  /** Called before each statement runs; throw from it to simulate a database error. */
  beforeExecute: ((statement: ExecutedStatement) => void) | undefined;
  close(): void;
}

/** A fake driver whose pool hands out connections to one in-memory SQLite database holding the
 * table that `table` and `columnMap` describe. */
export function createSqliteOracle(table = "PIPELINE_RUNS", columnMap: Parameters<typeof tableLayout>[1] = {}): SqliteOracle {
  const layout = tableLayout(table, columnMap);
  const db = new Database(":memory:");
  const schema = /^("[^"]+"|[^.]+)\./.exec(table)?.[1];
  if (schema) db.run(`ATTACH ':memory:' AS ${schema}`);
  const columns = COLUMN_FIELDS.filter((f) => f !== "id").map((f) => layout.columns[f]);
  db.run(`CREATE TABLE ${table} (${layout.columns.id} INTEGER PRIMARY KEY AUTOINCREMENT, ${columns.join(", ")})`);

  let checkedOut = 0;
  const fake: SqliteOracle = {
    driver: undefined as unknown as OracleDriver,
    db,
    layout,
    executed: [],
    poolAttributes: [],
    get checkedOut() {
      return checkedOut;
    },
    unreachable: undefined,
    beforeExecute: undefined,
    close: () => db.close(),
  };

  const connection = (): OracleConnection => {
    let open = true;
    return {
      callTimeout: 0,
      async execute<Row>(sql: string, binds: Binds, options: ExecuteOptions) {
        if (!open) throw new Error("fake: connection used after close()");
        const statement = { sql, binds, options };
        fake.executed.push(statement);
        fake.beforeExecute?.(statement);
        const sqlite = oracleToSqlite(sql);
        const wanted = placeholders(sqlite);
        const given = Object.keys(binds);
        // Oracle rejects a bind without a placeholder (NJS-097) and a placeholder without a bind.
        if (given.length !== wanted.size || !given.every((name) => wanted.has(name))) {
          throw new Error(`fake: binds ${given.join(",")} do not match placeholders ${[...wanted].join(",")}`);
        }
        // Oracle stores '' as NULL.
        const values = Object.fromEntries(given.map((name) => [`$${name}`, binds[name] === "" ? null : (binds[name] ?? null)]));
        if (/^\s*SELECT/i.test(sql)) return { rows: db.query(sqlite).all(values) as Row[] };
        if (!options.autoCommit) throw new Error("fake: a write without autoCommit would be rolled back on release");
        return { rowsAffected: db.query(sqlite).run(values).changes };
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
