import type { PipelineRun } from "./pipeline-info.ts";

/** The fields that identify a run: a retried report of the same run has all four equal. */
export const IDENTITY_FIELDS = ["pipeline_name", "date_code", "start_utc", "pid"] as const;

export const identityKey = (run: PipelineRun): string => JSON.stringify(IDENTITY_FIELDS.map((f) => run[f]));

/**
 * A 32-bit hash of the identity fields other than start_utc, for indexes that find candidates by
 * start first: equal identities hash equal; the rare collision is settled by comparing the runs.
 */
export function identityHash(pipelineName: string | null, dateCode: string, pid: number): number {
  const text = `${pipelineName ?? "\u0000"}\u0001${dateCode}\u0001${pid}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

const FIELDS: Array<keyof PipelineRun> = [
  "start_local", "end_local", "start_utc", "end_utc", "elapsed_seconds", "elapsed_human", "output_file",
  "rowcount", "log_file", "pid", "date_code", "pipeline_name", "script_name", "pipeline_type", "environment",
];

/** The fields in which two runs (in stored form) differ. */
export function differingFields(a: PipelineRun, b: PipelineRun): string[] {
  return FIELDS.filter((f) => a[f] !== b[f]);
}
