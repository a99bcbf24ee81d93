import type { RunFilter } from "../../domain/run-filter.ts";
import type { RunOrder } from "../../domain/run-ordering.ts";
import type { Keyset } from "../port.ts";
import type { TableLayout } from "./columns.ts";
import { runSelectList } from "./row-codec.ts";
import { filterConditions, type Statement, whereClause } from "./sql-filter.ts";
import { orderByClause, seekAfter } from "./sql-order.ts";
import { statsStatements } from "./stats-statements.ts";
import { writeStatements } from "./write-statements.ts";

export type { Statement };

/** Where a page starts: skip `offset` matches, or start right after the keyset `after`. */
export type PageStart = { offset: number; after?: undefined } | { after: Keyset; offset?: undefined };

/** Statements that list runs: pages (offset or keyset), stream batches, counts, the probe. */
export function runStatements(layout: TableLayout) {
  const { table } = layout;
  const select = runSelectList(layout);

  return {
    /**
     * Up to `rows` matches in `order` from `start`. With `countAll` (offset pages only) every row
     * also carries the count of all matches, `COUNT(*) OVER ()`, computed before the row limit,
     * so page and total come in one round trip. A keyset page cannot do that (its WHERE holds the
     * seek), so its total is a separate count.
     */
    page(filter: RunFilter, order: RunOrder, start: PageStart, rows: number, countAll = false): Statement {
      const orderBy = orderByClause(layout, order);
      if (start.after) {
        const w = whereClause(filterConditions(layout, filter), seekAfter(layout, order, start.after));
        return { sql: `SELECT ${select} FROM ${table}${w.clause} ${orderBy} FETCH FIRST :p_limit ROWS ONLY`, binds: { ...w.binds, p_limit: rows } };
      }
      const w = whereClause(filterConditions(layout, filter));
      const count = countAll ? `, COUNT(*) OVER () AS "match_count"` : "";
      return {
        sql: `SELECT ${select}${count} FROM ${table}${w.clause} ${orderBy} OFFSET :p_offset ROWS FETCH NEXT :p_limit ROWS ONLY`,
        binds: { ...w.binds, p_offset: start.offset, p_limit: rows },
      };
    },

    count(filter: RunFilter): Statement {
      const w = whereClause(filterConditions(layout, filter));
      return { sql: `SELECT COUNT(*) AS "match_count" FROM ${table}${w.clause}`, binds: w.binds };
    },

    /**
     * Removes at most `rows` of the runs matching `filter`. Called until it removes fewer, each
     * call committed on its own: locks and undo stay bounded by one batch, however many match.
     * The subquery walks the same indexes as a page; `id` is the primary key.
     */
    deleteBatch(filter: RunFilter, rows: number): Statement {
      const w = whereClause(filterConditions(layout, filter));
      const id = layout.columns.id;
      return {
        sql: `DELETE FROM ${table} WHERE ${id} IN (SELECT ${id} FROM ${table}${w.clause} FETCH FIRST :p_limit ROWS ONLY)`,
        binds: { ...w.binds, p_limit: rows },
      };
    },

    /** What changes whenever runs are added or removed: ids only grow, so the count and the
     * largest id together do (rows are never updated). One index scan of the primary key. */
    version(): Statement {
      return { sql: `SELECT COUNT(*) AS "runs", MAX(${layout.columns.id}) AS "last_id" FROM ${table}`, binds: {} };
    },

    /** Reads no row but needs the table, every mapped column and a live session. */
    probe(): Statement {
      return { sql: `SELECT ${select} FROM ${table} WHERE 1 = 0`, binds: {} };
    },
  };
}

/**
 * Every statement the Oracle store runs, built for one table layout so that the column map
 * applies everywhere a column appears. Oracle 12.1+ syntax: OFFSET/FETCH, FROM_TZ, no LIMIT.
 */
export function oracleStatements(layout: TableLayout) {
  return { ...runStatements(layout), ...statsStatements(layout), ...writeStatements(layout) };
}

export type OracleStatements = ReturnType<typeof oracleStatements>;
