import { RECENT_STARTS } from "../../domain/lateness.ts";
import { LABELS } from "../../domain/pipeline-info.ts";
import type { HistoryBucketSize } from "../../domain/pipeline-stats.ts";
import type { RunFilter } from "../../domain/run-filter.ts";
import type { TableLayout } from "./columns.ts";
import { filterConditions, type Statement, whereClause } from "./sql-filter.ts";
import { utcOut } from "./utc-text.ts";

/** Oracle's TRUNC format for each bucket size: hour, day, ISO week (starts on Monday). */
const TRUNC_FORMAT: Record<HistoryBucketSize, string> = { hour: "HH", day: "DD", week: "IW" };

/** Exact percentiles, interpolated between closest ranks as the other stores compute them. */
const percentile = (q: number, expression: string) => `PERCENTILE_CONT(${q}) WITHIN GROUP (ORDER BY ${expression})`;

/** Statements that aggregate in the database: summaries and history. Only the typical interval
 * is finished in JavaScript, from the few recent starts the summary lists (the same rule as the
 * other stores); labels are formatted there too. */
export function statsStatements(layout: TableLayout) {
  const { table, columns: c } = layout;
  const r = (name: string) => `r."${name}"`;

  return {
    /** One row per label group in the port's order: newest last run first, then the labels,
     * nulls first. The inner query numbers each group's runs newest first (ties: highest id), so
     * the last run's duration and rowcount come out of the same single GROUP BY pass; it also
     * ranks distinct starts newest first, so "recent_starts" lists the newest few, once each. */
    summary(filter: RunFilter): Statement {
      const w = whereClause(filterConditions(layout, filter));
      const labels = LABELS.map((l) => c[l]);
      const inner =
        `SELECT ${LABELS.map((l) => `${c[l]} AS "${l}"`).join(", ")}, ${c.start_utc} AS "start_utc", ` +
        `${c.elapsed_seconds} AS "elapsed_seconds", ${c.rowcount} AS "rowcount", ` +
        `ROW_NUMBER() OVER (PARTITION BY ${labels.join(", ")} ORDER BY ${c.start_utc} DESC, ${c.id} DESC) AS "newest", ` +
        `DENSE_RANK() OVER (PARTITION BY ${labels.join(", ")} ORDER BY ${c.start_utc} DESC) AS "start_rank", ` +
        `ROW_NUMBER() OVER (PARTITION BY ${labels.join(", ")}, ${c.start_utc} ORDER BY ${c.id}) AS "at_start" ` +
        `FROM ${table}${w.clause}`;
      const groupBy = LABELS.map(r);
      const [elapsed, rows, newest] = [r("elapsed_seconds"), r("rowcount"), r("newest")];
      const sql =
        `SELECT ${LABELS.map((l) => `${r(l)} AS "${l}"`).join(", ")}, COUNT(*) AS "total_runs", ` +
        `${utcOut(`MAX(${r("start_utc")})`)} AS "last_run", ` +
        `${utcOut(`MIN(${r("start_utc")})`)} AS "first_run", ` +
        `AVG(CASE WHEN ${elapsed} > 0 THEN ${elapsed} END) AS "avg_duration", ` +
        `AVG(CASE WHEN ${rows} > 0 THEN ${rows} END) AS "avg_rowcount", ` +
        `MAX(CASE WHEN ${newest} = 1 THEN ${elapsed} END) AS "last_duration", ` +
        `MAX(CASE WHEN ${newest} = 1 THEN ${rows} END) AS "last_rowcount", ` +
        `MIN(${elapsed}) AS "min_elapsed_seconds", MAX(${elapsed}) AS "max_elapsed_seconds", ` +
        `${percentile(0.5, elapsed)} AS "p50_elapsed_seconds", ${percentile(0.95, elapsed)} AS "p95_elapsed_seconds", ` +
        `MIN(${rows}) AS "min_rowcount", MAX(${rows}) AS "max_rowcount", ${percentile(0.5, rows)} AS "p50_rowcount", ` +
        `LISTAGG(CASE WHEN ${r("start_rank")} <= ${RECENT_STARTS} AND ${r("at_start")} = 1 THEN ${utcOut(r("start_utc"))} END, ',') ` +
        `WITHIN GROUP (ORDER BY ${r("start_utc")}) AS "recent_starts" ` +
        `FROM (${inner}) r GROUP BY ${groupBy.join(", ")} ` +
        `ORDER BY MAX(${r("start_utc")}) DESC, ${groupBy.map((l) => `${l} ASC NULLS FIRST`).join(", ")}`;
      return { sql, binds: w.binds };
    },

    /**
     * Runs per pipeline_name and bucket in the time zone bound as :h_zone: the instant is moved
     * into the zone (`AT TIME ZONE`, DST included, from Oracle's time zone file), cast to DATE to
     * keep its wall clock, and truncated to the bucket. The bucket comes back as wall-clock text,
     * never as a Date, so neither the service's TZ nor the session's can move it. Buckets without
     * runs do not exist in a GROUP BY, so they are left out.
     */
    history(filter: RunFilter, bucket: HistoryBucketSize, timeZone: string): Statement {
      const w = whereClause(filterConditions(layout, filter));
      const format = TRUNC_FORMAT[bucket];
      if (!format) throw new Error(`unknown bucket size ${String(bucket)}`);
      const inner =
        `SELECT ${c.pipeline_name} AS "pipeline_name", ` +
        `TRUNC(CAST(${c.start_utc} AT TIME ZONE :h_zone AS DATE), '${format}') AS "bucket", ` +
        `${c.rowcount} AS "rowcount", ${c.elapsed_seconds} AS "elapsed_seconds" FROM ${table}${w.clause}`;
      const sql =
        `SELECT ${r("pipeline_name")} AS "pipeline_name", TO_CHAR(${r("bucket")}, 'YYYY-MM-DD"T"HH24:MI:SS') AS "bucket", ` +
        `COUNT(*) AS "runs", SUM(${r("rowcount")}) AS "total_rows", ${percentile(0.5, r("elapsed_seconds"))} AS "p50_elapsed_seconds" ` +
        `FROM (${inner}) r GROUP BY ${r("pipeline_name")}, ${r("bucket")} ` +
        `ORDER BY ${r("pipeline_name")} ASC NULLS FIRST, ${r("bucket")} ASC`;
      return { sql, binds: { ...w.binds, h_zone: timeZone } };
    },
  };
}
