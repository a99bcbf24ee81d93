import { parseDateTime } from "../../domain/datetime.ts";
import { typicalIntervalSeconds } from "../../domain/lateness.ts";
import { type FieldKind, fieldsOfKind, LABELS, type PipelineRun, RUN_FIELDS } from "../../domain/pipeline-info.ts";
import type { HistorySeries, PipelineStats } from "../../domain/pipeline-stats.ts";
import type { TimeBuckets } from "../../domain/time-buckets.ts";
import { COLUMN_FIELDS, type TableLayout } from "./columns.ts";
import type { Binds } from "./driver.ts";
import { utcBindText, utcFromText, utcOut } from "./utc-text.ts";

/** A run as the store's SELECT list returns it: aliased by field, UTC fields as UTC text. */
export type RunRow = Record<keyof PipelineRun | "id", unknown>;

/** A summary as the GROUP BY query returns it. */
export type StatsRow = Record<Exclude<keyof PipelineStats, "typical_interval_seconds"> | "recent_starts", unknown>;

/** One (pipeline_name, bucket) row of the history query; the bucket as local wall-clock text. */
export type HistoryRow = Record<"pipeline_name" | "bucket" | "runs" | "total_rows" | "p50_elapsed_seconds", unknown>;

const UTC_FIELDS = new Set<string>(fieldsOfKind("instant"));

/** The SELECT list that yields a RunRow: every column aliased as its field, instants as UTC text,
 * so rows are keyed by field whatever the columns are called. */
export function runSelectList(layout: TableLayout): string {
  const c = layout.columns;
  return COLUMN_FIELDS.map((f) => `${UTC_FIELDS.has(f) ? utcOut(c[f]) : c[f]} AS "${f}"`).join(", ");
}

// Oracle stores '' as NULL, so a text field that cannot be null reads back as "" (what was sent).
const text = (value: unknown) => (value === null || value === undefined ? "" : String(value));
const label = (value: unknown) => (value === null || value === undefined ? null : String(value));
const numberOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/** How a column's value becomes a field's, by the field's kind. */
const fromColumn: Record<FieldKind, (value: unknown) => string | number | null> = {
  local: text,
  instant: (value) => utcFromText(text(value)),
  seconds: Number,
  count: Number,
  text,
  label,
};

/** A run row as the API returns it: NULL text fields as "", NULL labels as null. */
export function decodeRun(row: RunRow): PipelineRun {
  const run: Record<string, string | number | null> = {};
  for (const { name, kind } of RUN_FIELDS) run[name] = fromColumn[kind](row[name]);
  return run as PipelineRun;
}

/** Epoch microseconds of the comma-separated UTC texts of "recent_starts" (NULL: none). */
function recentStarts(list: unknown): number[] {
  if (list === null || list === undefined || list === "") return [];
  return String(list)
    .split(",")
    .map((t) => parseDateTime(utcFromText(t))?.epochMicros)
    .filter((m): m is number => m !== undefined);
}

/** A summary row as the API returns it; every figure but the typical interval (from the recent
 * starts the database listed) was computed by the database. */
export function decodeStats(row: StatsRow): PipelineStats {
  return {
    pipeline_name: label(row.pipeline_name),
    script_name: label(row.script_name),
    pipeline_type: label(row.pipeline_type),
    environment: label(row.environment),
    total_runs: Number(row.total_runs),
    last_run: utcFromText(text(row.last_run)),
    avg_duration: numberOrNull(row.avg_duration),
    avg_rowcount: numberOrNull(row.avg_rowcount),
    first_run: utcFromText(text(row.first_run)),
    last_duration: Number(row.last_duration),
    last_rowcount: Number(row.last_rowcount),
    min_elapsed_seconds: Number(row.min_elapsed_seconds),
    max_elapsed_seconds: Number(row.max_elapsed_seconds),
    p50_elapsed_seconds: Number(row.p50_elapsed_seconds),
    p95_elapsed_seconds: Number(row.p95_elapsed_seconds),
    min_rowcount: Number(row.min_rowcount),
    max_rowcount: Number(row.max_rowcount),
    p50_rowcount: Number(row.p50_rowcount),
    typical_interval_seconds: typicalIntervalSeconds(recentStarts(row.recent_starts)),
  };
}

/**
 * History rows (ordered by pipeline_name, nulls first, then bucket) as series. The database cut
 * the buckets and returns each start as local wall-clock text; the label adds the zone's offset
 * at that wall-clock time in JavaScript (Intl), as the other stores label them.
 */
export function decodeHistory(rows: readonly HistoryRow[], buckets: TimeBuckets): HistorySeries[] {
  const series: HistorySeries[] = [];
  for (const row of rows) {
    const name = label(row.pipeline_name);
    // Wall-clock text without an offset parses as if it were UTC: exactly "local ms, UTC-based".
    const wall = parseDateTime(text(row.bucket));
    if (!wall) throw new Error(`unexpected bucket from the database: ${text(row.bucket).slice(0, 64)}`);
    let current = series.at(-1);
    if (!current || current.pipeline_name !== name) {
      current = { pipeline_name: name, buckets: [] };
      series.push(current);
    }
    current.buckets.push({
      start: buckets.label(Math.floor(wall.epochMicros / 1000)),
      runs: Number(row.runs),
      total_rows: Number(row.total_rows),
      p50_elapsed_seconds: Number(row.p50_elapsed_seconds),
    });
  }
  return series;
}

/** The INSERT binds for a run, named `v_<field>`; instants as the UTC text the column takes. */
export function runBinds(run: PipelineRun): Binds {
  const binds: Binds = {};
  for (const { name, kind } of RUN_FIELDS) binds[`v_${name}`] = kind === "instant" ? utcBindText(run[name] as string) : run[name];
  return binds;
}

/** The run as reads will return it once stored: instants in the stored form, empty labels null. */
export function storedForm(run: PipelineRun): PipelineRun {
  const stored = { ...run, start_utc: utcFromText(utcBindText(run.start_utc)), end_utc: utcFromText(utcBindText(run.end_utc)) };
  for (const name of LABELS) if (stored[name] === "") stored[name] = null;
  return stored;
}
