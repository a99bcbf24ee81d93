import type { PipelineRun } from "./pipeline-info.ts";

/** The fields that identify a run: a retried report of the same run has all four equal. */
export const IDENTITY_FIELDS = ["pipeline_name", "date_code", "start_utc", "pid"] as const;

export const identityKey = (run: PipelineRun): string => JSON.stringify(IDENTITY_FIELDS.map((f) => run[f]));

const FIELDS: Array<keyof PipelineRun> = [
  "start_local", "end_local", "start_utc", "end_utc", "elapsed_seconds", "elapsed_human", "output_file",
  "rowcount", "log_file", "pid", "date_code", "pipeline_name", "script_name", "pipeline_type", "environment",
];

/** The fields in which two runs (in stored form) differ. */
export function differingFields(a: PipelineRun, b: PipelineRun): string[] {
  return FIELDS.filter((f) => a[f] !== b[f]);
}
