import { FIELD_NAMES, type PipelineRun } from "./pipeline-info.ts";

/** The fields that identify a run: a retried report of the same run has all four equal. */
export const IDENTITY_FIELDS = ["pipeline_name", "date_code", "start_utc", "pid"] as const;

export const identityKey = (run: PipelineRun): string => JSON.stringify(IDENTITY_FIELDS.map((f) => run[f]));

/**
 * A 32-bit hash of the identity fields other than start_utc, for indexes that find candidates by
 * start first: equal identities hash equal; the rare collision is settled by comparing the runs.
 * FNV-1a over the fields in turn, without building a string: index builds call it per line.
 */
export function identityHash(pipelineName: string | null, dateCode: string, pid: number): number {
  let h = 0x811c9dc5;
  if (pipelineName === null) h = Math.imul(h ^ 0xffff, 0x01000193);
  else for (let i = 0; i < pipelineName.length; i++) h = Math.imul(h ^ pipelineName.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0x10000, 0x01000193);
  for (let i = 0; i < dateCode.length; i++) h = Math.imul(h ^ dateCode.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0x10001, 0x01000193);
  h = Math.imul(h ^ (pid & 0xffff), 0x01000193);
  h = Math.imul(h ^ Math.floor(pid / 65536), 0x01000193);
  return h | 0;
}

/** The fields in which two runs (in stored form) differ. */
export function differingFields(a: PipelineRun, b: PipelineRun): string[] {
  return FIELD_NAMES.filter((f) => a[f] !== b[f]);
}
