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
  if (pipelineName === null) return identityTail(fnv1aStep(FNV1A_OFFSET, 0xffff), dateCode, 0, dateCode.length, pid);
  return identityHashIn(pipelineName, 0, pipelineName.length, dateCode, 0, dateCode.length, pid);
}

/** identityHash of the pipeline name text[nameFrom, nameTo) and the date code
 * code[codeFrom, codeTo), read in place. */
export function identityHashIn(name: string, nameFrom: number, nameTo: number, code: string, codeFrom: number, codeTo: number, pid: number): number {
  let h = FNV1A_OFFSET;
  for (let i = nameFrom; i < nameTo; i++) h = fnv1aStep(h, name.charCodeAt(i));
  return identityTail(h, code, codeFrom, codeTo, pid);
}

function identityTail(hash: number, code: string, codeFrom: number, codeTo: number, pid: number): number {
  let h = fnv1aStep(hash, 0x10000);
  for (let i = codeFrom; i < codeTo; i++) h = fnv1aStep(h, code.charCodeAt(i));
  h = fnv1aStep(h, 0x10001);
  h = fnv1aStep(h, pid & 0xffff);
  h = fnv1aStep(h, Math.floor(pid / 65536));
  return h | 0;
}

/** The fields in which two runs (in stored form) differ. */
export function differingFields(a: PipelineRun, b: PipelineRun): string[] {
  return FIELD_NAMES.filter((f) => a[f] !== b[f]);
}
