import { FNV1A_OFFSET, fnv1aStep } from "./fnv1a.ts";
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
  let h = FNV1A_OFFSET;
  if (pipelineName === null) h = fnv1aStep(h, 0xffff);
  else for (let i = 0; i < pipelineName.length; i++) h = fnv1aStep(h, pipelineName.charCodeAt(i));
  h = fnv1aStep(h, 0x10000);
  for (let i = 0; i < dateCode.length; i++) h = fnv1aStep(h, dateCode.charCodeAt(i));
  h = fnv1aStep(h, 0x10001);
  h = fnv1aStep(h, pid & 0xffff);
  h = fnv1aStep(h, Math.floor(pid / 65536));
  return h | 0;
}

/** The fields in which two runs (in stored form) differ. */
export function differingFields(a: PipelineRun, b: PipelineRun): string[] {
  return FIELD_NAMES.filter((f) => a[f] !== b[f]);
}
