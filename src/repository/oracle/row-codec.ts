import { LABELS, type PipelineRun } from "../../domain/pipeline-info.ts";
import type { PipelineSummary } from "../../domain/responses.ts";
import type { Binds } from "./driver.ts";
import { utcBindText, utcFromText } from "./utc-text.ts";

/** A run as the store's SELECT list returns it: aliased by field, UTC fields as UTC text. */
export type RunRow = Record<keyof PipelineRun | "id", unknown>;

/** A summary as the GROUP BY query returns it. */
export type SummaryRow = Record<keyof PipelineSummary, unknown>;

// Oracle stores '' as NULL, so a text field that cannot be null reads back as "" (what was sent).
const text = (value: unknown) => (value === null || value === undefined ? "" : String(value));
const label = (value: unknown) => (value === null || value === undefined ? null : String(value));
const numberOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));

export function decodeRun(row: RunRow): PipelineRun {
  return {
    start_local: text(row.start_local),
    end_local: text(row.end_local),
    start_utc: utcFromText(text(row.start_utc)),
    end_utc: utcFromText(text(row.end_utc)),
    elapsed_seconds: Number(row.elapsed_seconds),
    elapsed_human: text(row.elapsed_human),
    output_file: text(row.output_file),
    rowcount: Number(row.rowcount),
    log_file: text(row.log_file),
    pid: Number(row.pid),
    date_code: text(row.date_code),
    pipeline_name: label(row.pipeline_name),
    script_name: label(row.script_name),
    pipeline_type: label(row.pipeline_type),
    environment: label(row.environment),
  };
}

export function decodeSummary(row: SummaryRow): PipelineSummary {
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
  };
}

/** The INSERT binds for a run, named `v_<field>`. */
export function runBinds(run: PipelineRun): Binds {
  return {
    v_start_local: run.start_local,
    v_end_local: run.end_local,
    v_start_utc: utcBindText(run.start_utc),
    v_end_utc: utcBindText(run.end_utc),
    v_elapsed_seconds: run.elapsed_seconds,
    v_elapsed_human: run.elapsed_human,
    v_output_file: run.output_file,
    v_rowcount: run.rowcount,
    v_log_file: run.log_file,
    v_pid: run.pid,
    v_date_code: run.date_code,
    v_pipeline_name: run.pipeline_name,
    v_script_name: run.script_name,
    v_pipeline_type: run.pipeline_type,
    v_environment: run.environment,
  };
}

/** The run as reads will return it once stored: instants in the stored form, empty labels null. */
export function storedForm(run: PipelineRun): PipelineRun {
  const stored = { ...run, start_utc: utcFromText(utcBindText(run.start_utc)), end_utc: utcFromText(utcBindText(run.end_utc)) };
  for (const name of LABELS) if (stored[name] === "") stored[name] = null;
  return stored;
}
