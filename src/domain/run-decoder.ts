import { parseDateTime } from "./datetime.ts";
import { type PipelineRun, StoredRunSchema } from "./pipeline-info.ts";
import { inferPipelineName } from "./pipeline-name.ts";

/** A stored run with the instants stores sort and filter by. */
export interface DecodedRun {
  run: PipelineRun;
  startMicros: number;
  endMicros: number;
}

export type DecodeResult = { ok: true; value: DecodedRun } | { ok: false; reason: string };

const STRINGS = ["elapsed_human", "output_file", "log_file", "date_code"] as const;
const LABEL_KEYS = ["pipeline_name", "script_name", "pipeline_type", "environment"] as const;

const isLabel = (v: unknown) => v === undefined || v === null || typeof v === "string";

/**
 * Decodes a parsed JSON value with the stored-record rules of StoredRunSchema. Records in the
 * usual shape take a fast path (no zod, no regex); anything unusual goes through the schema,
 * so both paths accept and produce exactly the same (a property test holds them together).
 */
export function decodeStoredRun(value: unknown): DecodeResult {
  return decodeFast(value) ?? decodeWithSchema(value);
}

function decodeFast(value: unknown): { ok: true; value: DecodedRun } | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  const { start_local, end_local, start_utc, end_utc, elapsed_seconds, rowcount, pid } = o;
  if (typeof start_local !== "string" || typeof end_local !== "string") return undefined;
  if (typeof start_utc !== "string" || typeof end_utc !== "string") return undefined;
  if (typeof elapsed_seconds !== "number" || !Number.isFinite(elapsed_seconds)) return undefined;
  if (!Number.isSafeInteger(rowcount) || !Number.isSafeInteger(pid)) return undefined;
  for (const key of STRINGS) if (typeof o[key] !== "string") return undefined;
  for (const key of LABEL_KEYS) if (!isLabel(o[key])) return undefined;
  const sl = parseDateTime(start_local);
  const el = parseDateTime(end_local);
  const su = parseDateTime(start_utc);
  const eu = parseDateTime(end_utc);
  if (!sl || !el || !su || !eu) return undefined;
  const output_file = o.output_file as string;
  const log_file = o.log_file as string;
  const run: PipelineRun = {
    start_local: sl.local,
    end_local: el.local,
    start_utc: su.utc,
    end_utc: eu.utc,
    elapsed_seconds,
    elapsed_human: o.elapsed_human as string,
    output_file,
    rowcount: rowcount as number,
    log_file,
    pid: pid as number,
    date_code: o.date_code as string,
    pipeline_name: (o.pipeline_name as string | null | undefined) ?? inferPipelineName(output_file, log_file),
    script_name: (o.script_name as string | null | undefined) ?? null,
    pipeline_type: (o.pipeline_type as string | null | undefined) ?? null,
    environment: (o.environment as string | null | undefined) ?? null,
  };
  return { ok: true, value: { run, startMicros: su.epochMicros, endMicros: eu.epochMicros } };
}

function decodeWithSchema(value: unknown): DecodeResult {
  const parsed = StoredRunSchema.safeParse(value);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join(".") || "(record)");
    return { ok: false, reason: `invalid fields: ${[...new Set(fields)].join(", ")}` };
  }
  const run = parsed.data;
  const start = parseDateTime(run.start_utc);
  const end = parseDateTime(run.end_utc);
  return { ok: true, value: { run, startMicros: start?.epochMicros ?? Number.NaN, endMicros: end?.epochMicros ?? Number.NaN } };
}
