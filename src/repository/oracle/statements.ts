import { LABELS, type PipelineRun } from "../../domain/pipeline-info.ts";
import type { Page, RunFilter } from "../../domain/run-query.ts";
import { COLUMN_FIELDS, type TableLayout } from "./columns.ts";
import type { Binds } from "./driver.ts";
import { runBinds } from "./row-codec.ts";
import { utcBindText, utcIn, utcOut } from "./utc-text.ts";

/** SQL text and its binds. Only validated identifiers are in the text; every value is a bind. */
export interface Statement {
  sql: string;
  binds: Binds;
}

/** Where a stream batch starts: after the run with this start (UTC text as read) and id. */
export interface Keyset {
  startUtc: string;
  id: number;
}

const UTC_FIELDS = new Set(["start_utc", "end_utc"]);

/**
 * Every statement the Oracle store runs, built for one table layout so that the column map
 * applies everywhere a column appears. Oracle 12.1+ syntax: OFFSET/FETCH, FROM_TZ, no LIMIT.
 */
export function oracleStatements(layout: TableLayout) {
  const { table, columns: c } = layout;
  const select = COLUMN_FIELDS.map((f) => `${UTC_FIELDS.has(f) ? utcOut(c[f]) : c[f]} AS "${f}"`).join(", ");
  // The port's order: newest start first, most recently stored (highest identity) first on ties.
  const order = `ORDER BY ${c.start_utc} DESC, ${c.id} DESC`;

  function where(filter: RunFilter, extra: string[] = []): { clause: string; binds: Binds } {
    const conditions: string[] = [];
    const binds: Binds = {};
    if (filter.startUtcFrom) {
      conditions.push(`${c.start_utc} >= ${utcIn(":f_start_utc")}`);
      binds.f_start_utc = utcBindText(filter.startUtcFrom.utc);
    }
    if (filter.endUtcTo) {
      conditions.push(`${c.end_utc} <= ${utcIn(":f_end_utc")}`);
      binds.f_end_utc = utcBindText(filter.endUtcTo.utc);
    }
    if (filter.minRowcount !== undefined) {
      conditions.push(`${c.rowcount} >= :f_min_rowcount`);
      binds.f_min_rowcount = filter.minRowcount;
    }
    if (filter.maxRowcount !== undefined) {
      conditions.push(`${c.rowcount} <= :f_max_rowcount`);
      binds.f_max_rowcount = filter.maxRowcount;
    }
    for (const label of LABELS) {
      const wanted = filter.labels?.[label];
      if (wanted === undefined) continue;
      conditions.push(`${c[label]} = :f_${label}`);
      binds[`f_${label}`] = wanted;
    }
    conditions.push(...extra);
    return { clause: conditions.length ? ` WHERE ${conditions.join(" AND ")}` : "", binds };
  }

  return {
    /** One page and, on every row, the count of all matches (one round trip). */
    page(filter: RunFilter, page: Page): Statement {
      const w = where(filter);
      return {
        sql: `SELECT ${select}, COUNT(*) OVER () AS "match_count" FROM ${table}${w.clause} ${order} OFFSET :p_offset ROWS FETCH NEXT :p_limit ROWS ONLY`,
        binds: { ...w.binds, p_offset: page.offset, p_limit: page.limit },
      };
    },

    count(filter: RunFilter): Statement {
      const w = where(filter);
      return { sql: `SELECT COUNT(*) AS "match_count" FROM ${table}${w.clause}`, binds: w.binds };
    },

    /** The next `size` matches after `after` in store order (keyset paging for streams). */
    batch(filter: RunFilter, after: Keyset | undefined, size: number): Statement {
      const seek = after
        ? [`(${c.start_utc} < ${utcIn(":k_start_utc")} OR (${c.start_utc} = ${utcIn(":k_same_start_utc")} AND ${c.id} < :k_id))`]
        : [];
      const w = where(filter, seek);
      const binds: Binds = { ...w.binds, p_limit: size };
      if (after) Object.assign(binds, { k_start_utc: after.startUtc, k_same_start_utc: after.startUtc, k_id: after.id });
      return { sql: `SELECT ${select} FROM ${table}${w.clause} ${order} FETCH FIRST :p_limit ROWS ONLY`, binds };
    },

    /** One row per label group, aggregated in the database, in the port's order. The inner
     * query numbers each group's runs newest first (ties: highest id) so the last run's duration
     * and rowcount come out of the same single pass. */
    summary(filter: RunFilter): Statement {
      const w = where(filter);
      const labels = LABELS.map((l) => c[l]);
      const inner =
        `SELECT ${LABELS.map((l) => `${c[l]} AS "${l}"`).join(", ")}, ${c.start_utc} AS "start_utc", ` +
        `${c.elapsed_seconds} AS "elapsed_seconds", ${c.rowcount} AS "rowcount", ` +
        `ROW_NUMBER() OVER (PARTITION BY ${labels.join(", ")} ORDER BY ${c.start_utc} DESC, ${c.id} DESC) AS "newest" ` +
        `FROM ${table}${w.clause}`;
      const q = (name: string) => `r."${name}"`;
      const groupBy = LABELS.map((l) => q(l));
      const sql =
        `SELECT ${LABELS.map((l) => `${q(l)} AS "${l}"`).join(", ")}, COUNT(*) AS "total_runs", ` +
        `${utcOut(`MAX(${q("start_utc")})`)} AS "last_run", ` +
        `${utcOut(`MIN(${q("start_utc")})`)} AS "first_run", ` +
        `AVG(CASE WHEN ${q("elapsed_seconds")} > 0 THEN ${q("elapsed_seconds")} END) AS "avg_duration", ` +
        `AVG(CASE WHEN ${q("rowcount")} > 0 THEN ${q("rowcount")} END) AS "avg_rowcount", ` +
        `MAX(CASE WHEN ${q("newest")} = 1 THEN ${q("elapsed_seconds")} END) AS "last_duration", ` +
        `MAX(CASE WHEN ${q("newest")} = 1 THEN ${q("rowcount")} END) AS "last_rowcount" ` +
        `FROM (${inner}) r GROUP BY ${groupBy.join(", ")} ` +
        `ORDER BY MAX(${q("start_utc")}) DESC, ${groupBy.map((l) => `${l} ASC NULLS FIRST`).join(", ")}`;
      return { sql, binds: w.binds };
    },

    insert(run: PipelineRun): Statement {
      const fields = COLUMN_FIELDS.filter((f) => f !== "id");
      const values = fields.map((f) => (UTC_FIELDS.has(f) ? utcIn(`:v_${f}`) : `:v_${f}`));
      return {
        sql: `INSERT INTO ${table} (${fields.map((f) => c[f]).join(", ")}) VALUES (${values.join(", ")})`,
        binds: runBinds(run),
      };
    },

    /** Reads no row but needs the table, every mapped column and a live session. */
    probe(): Statement {
      return { sql: `SELECT ${select} FROM ${table} WHERE 1 = 0`, binds: {} };
    },
  };
}

export type OracleStatements = ReturnType<typeof oracleStatements>;
