import { commonFormMicros, parseDateTime } from "./datetime.ts";
import { fieldsOfKind, LABELS, type PipelineRun } from "./pipeline-info.ts";
import { inferPipelineName } from "./pipeline-name.ts";
import { identityHash } from "./run-identity.ts";
import { StoredRunSchema } from "./stored-run.ts";

/** A stored run with the instants stores sort and filter by. */
export interface DecodedRun {
  run: PipelineRun;
  startMicros: number;
  endMicros: number;
}

export type DecodeResult = { ok: true; value: DecodedRun } | { ok: false; reason: string };

const STRINGS = fieldsOfKind("text");

/** Microseconds of a date-time in any accepted form; NaN when it is not one. */
const micros = (v: unknown): number => {
  if (typeof v !== "string") return Number.NaN;
  const fast = commonFormMicros(v);
  return Number.isNaN(fast) ? (parseDateTime(v)?.epochMicros ?? Number.NaN) : fast;
};

/**
 * Whether a parsed JSON value is a record in the usual shape that StoredRunSchema accepts as it
 * is; returns its start and end instants, or undefined for anything the schema must judge.
 */
function checkUsualShape(value: unknown): { startMicros: number; endMicros: number } | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  const elapsed = o.elapsed_seconds;
  if (typeof elapsed !== "number" || !Number.isFinite(elapsed)) return undefined;
  if (!Number.isSafeInteger(o.rowcount) || !Number.isSafeInteger(o.pid)) return undefined;
  for (const key of STRINGS) if (typeof o[key] !== "string") return undefined;
  for (const key of LABELS) {
    const label = o[key];
    if (label !== undefined && label !== null && typeof label !== "string") return undefined;
  }
  const startMicros = micros(o.start_utc);
  const endMicros = micros(o.end_utc);
  if (Number.isNaN(startMicros) || Number.isNaN(endMicros)) return undefined;
  if (Number.isNaN(micros(o.start_local)) || Number.isNaN(micros(o.end_local))) return undefined;
  return { startMicros, endMicros };
}

/** The canonical forms of already-validated date-times; text already in that form is reused. */
const canonicalLocal = (text: string) => (text.length === 19 && text.charCodeAt(10) === 84 ? text : (parseDateTime(text) as { local: string }).local);
const canonicalUtc = (text: string) =>
  text.length === 20 && text.charCodeAt(10) === 84 && text.charCodeAt(19) === 90 ? text : (parseDateTime(text) as { utc: string }).utc;

/**
 * Decodes a parsed JSON value with the stored-record rules of StoredRunSchema. Records in the
 * usual shape take a fast path; anything unusual goes through the schema, so both paths accept
 * and produce exactly the same (a property test holds them together).
 */
export function decodeStoredRun(value: unknown): DecodeResult {
  const keys = checkUsualShape(value);
  if (!keys) return decodeWithSchema(value);
  const o = value as Record<string, unknown>;
  const output_file = o.output_file as string;
  const log_file = o.log_file as string;
  const run: PipelineRun = {
    start_local: canonicalLocal(o.start_local as string),
    end_local: canonicalLocal(o.end_local as string),
    start_utc: canonicalUtc(o.start_utc as string),
    end_utc: canonicalUtc(o.end_utc as string),
    elapsed_seconds: o.elapsed_seconds as number,
    elapsed_human: o.elapsed_human as string,
    output_file,
    rowcount: o.rowcount as number,
    log_file,
    pid: o.pid as number,
    date_code: o.date_code as string,
    pipeline_name: (o.pipeline_name as string | null | undefined) ?? inferPipelineName(output_file, log_file),
    script_name: (o.script_name as string | null | undefined) ?? null,
    pipeline_type: (o.pipeline_type as string | null | undefined) ?? null,
    environment: (o.environment as string | null | undefined) ?? null,
  };
  return { ok: true, value: { run, ...keys } };
}

/** What an index keeps of a record: its instants, numbers and labels, without building it. */
export interface RunKeys {
  startMicros: number;
  endMicros: number;
  /** start_local's wall clock as microseconds, read as if it were UTC (for local windows). */
  startLocalMicros: number;
  /** identityHash of (pipeline_name, date_code, pid). */
  identity: number;
  elapsed: number;
  rowcount: number;
  startUtc: string;
  labels: [string | null, string | null, string | null, string | null];
}

export type KeysResult = { ok: true; keys: RunKeys } | { ok: false; reason: string };

/** The index's view of a parsed JSON value, with the same acceptance as decodeStoredRun. */
export function decodeRunKeys(value: unknown): KeysResult {
  const keys = checkUsualShape(value);
  if (!keys) {
    const decoded = decodeWithSchema(value);
    return decoded.ok ? { ok: true, keys: keysOf(decoded.value) } : decoded;
  }
  const o = value as Record<string, unknown>;
  const startUtc = o.start_utc as string;
  const pipelineName = (o.pipeline_name as string | null | undefined) ?? inferPipelineName(o.output_file as string, o.log_file as string);
  return {
    ok: true,
    keys: {
      ...keys,
      identity: identityHash(pipelineName, o.date_code as string, o.pid as number),
      startLocalMicros: localWallMicros(o.start_local as string),
      elapsed: o.elapsed_seconds as number,
      rowcount: o.rowcount as number,
      // The usual form of a UTC instant is already canonical once it ends in Z.
      startUtc: canonicalUtc(startUtc),
      labels: [
        pipelineName,
        (o.script_name as string | null | undefined) ?? null,
        (o.pipeline_type as string | null | undefined) ?? null,
        (o.environment as string | null | undefined) ?? null,
      ],
    },
  };
}

/** Microseconds of canonical local text ("YYYY-MM-DDTHH:MM:SS[.fff]", no offset). */
const localMicros = (text: string) => micros(text);

/** The wall clock of a validated local field: the usual forms have no offset (or a zero one), so
 * their micros are the wall clock's; others are read through their canonical text. */
const localWallMicros = (text: string) => {
  const fast = commonFormMicros(text);
  return Number.isNaN(fast) ? localMicros(canonicalLocal(text)) : fast;
};

function keysOf({ run, startMicros, endMicros }: DecodedRun): RunKeys {
  return {
    startMicros,
    endMicros,
    startLocalMicros: localMicros(run.start_local),
    identity: identityHash(run.pipeline_name, run.date_code, run.pid),
    elapsed: run.elapsed_seconds,
    rowcount: run.rowcount,
    startUtc: run.start_utc,
    labels: [run.pipeline_name, run.script_name, run.pipeline_type, run.environment],
  };
}

function decodeWithSchema(value: unknown): DecodeResult {
  const parsed = StoredRunSchema.safeParse(value);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join(".") || "(record)");
    return { ok: false, reason: `invalid fields: ${[...new Set(fields)].join(", ")}` };
  }
  const run = parsed.data;
  return { ok: true, value: { run, startMicros: micros(run.start_utc), endMicros: micros(run.end_utc) } };
}
