import { z } from "@hono/zod-openapi";
import { type ParsedDateTime, parseDateTime } from "./datetime.ts";
import { inferPipelineName } from "./pipeline-name.ts";

/** One stored pipeline run, exactly as the API returns it and the JSONL file holds it. */
export interface PipelineRun {
  start_local: string;
  end_local: string;
  start_utc: string;
  end_utc: string;
  elapsed_seconds: number;
  elapsed_human: string;
  output_file: string;
  rowcount: number;
  log_file: string;
  pid: number;
  date_code: string;
  pipeline_name: string | null;
  script_name: string | null;
  pipeline_type: string | null;
  environment: string | null;
}

export const LABELS = ["pipeline_name", "script_name", "pipeline_type", "environment"] as const;
export type Label = (typeof LABELS)[number];

/** Column sizes of sql/create_pipeline_runs.sql; POST rejects what the Oracle table could not hold. */
export const MAX_LENGTH = {
  elapsed_human: 256,
  output_file: 1024,
  log_file: 1024,
  date_code: 64,
  pipeline_name: 255,
  script_name: 255,
  pipeline_type: 100,
  environment: 50,
} as const;

export const SAMPLE_RUN: PipelineRun = {
  start_local: "2025-08-14T22:49:07",
  end_local: "2025-08-14T23:17:19",
  start_utc: "2025-08-15T05:49:07Z",
  end_utc: "2025-08-15T06:17:19Z",
  elapsed_seconds: 1692.8,
  elapsed_human: "28m 12s",
  output_file:
    "/apps/exensio_data/reference_data/jag_test/SubconLotRefData-2025-08-12_2025-08-12.subconLot",
  rowcount: 8543,
  log_file: "/apps/exensio_data/reference_data/jag_test/log/getSubconLotRefData_LOTGDB.log",
  pid: 53452,
  date_code: "2025-08-12_2025-08-12",
  pipeline_name: "get_subcon_lot_ref_data_LOTGDB_rc10.py",
  script_name: "get_subcon_lot_ref_data_LOTGDB_rc10.py",
  pipeline_type: "batch",
  environment: "prod",
};

const INTEGER_TEXT = /^\s*[-+]?\d+(\.0*)?\s*$/;
const NUMBER_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** Integers as the original accepted them: 8543, 8543.0 or "8543". */
export const laxInteger = z.preprocess(
  (v) => (typeof v === "string" && INTEGER_TEXT.test(v) ? Number(v) : v),
  z.int({ error: "must be an integer" }),
);

/** Numbers, also as numeric strings ("1692.8"). */
export const laxNumber = z.preprocess(
  (v) => (typeof v === "string" && NUMBER_TEXT.test(v) ? Number(v) : v),
  z.number({ error: "must be a number" }),
);

/** A date-time in any accepted form; the value is the parsed instant and wall clock. */
export const dateTimeText = (options: { allowDateOnly?: boolean } = {}) =>
  z.string().transform((text, ctx): ParsedDateTime => {
    const parsed = parseDateTime(text, options);
    if (parsed) return parsed;
    ctx.addIssue({
      code: "custom",
      message: `invalid date-time '${text.slice(0, 64)}': expected YYYY-MM-DD HH:MM:SS or ISO 8601, a real calendar date from 0001 to 9999 (in UTC too, once an offset is applied)`,
    });
    return z.NEVER;
  });

const label = z.string().nullable().optional();

const runShape = {
  start_local: dateTimeText().openapi({
    description: "Local wall-clock start, without offset",
    example: "2025-08-14 22:49:07",
  }),
  end_local: dateTimeText().openapi({ description: "Local wall-clock end", example: "2025-08-14 23:17:19" }),
  start_utc: dateTimeText().openapi({
    description: "Start instant; a value without offset is UTC",
    format: "date-time",
    example: "2025-08-15T05:49:07Z",
  }),
  end_utc: dateTimeText().openapi({ description: "End instant", format: "date-time", example: "2025-08-15T06:17:19Z" }),
  elapsed_seconds: laxNumber.openapi({ description: "Duration in seconds", example: 1692.8 }),
  elapsed_human: z.string().openapi({ description: "Duration for people", example: "28m 12s" }),
  output_file: z.string().openapi({ description: "Path of the output", example: SAMPLE_RUN.output_file }),
  rowcount: laxInteger.openapi({ description: "Rows produced", example: 8543 }),
  log_file: z.string().openapi({ description: "Path of the log", example: SAMPLE_RUN.log_file }),
  pid: laxInteger.openapi({ description: "Process id of the run", example: 53452 }),
  date_code: z.string().openapi({ description: "Date code; not unique across pipelines", example: SAMPLE_RUN.date_code }),
  pipeline_name: label.openapi({ description: "Pipeline label (inferred from paths when absent)", example: SAMPLE_RUN.pipeline_name }),
  script_name: label.openapi({ description: "Script label", example: SAMPLE_RUN.script_name }),
  pipeline_type: label.openapi({ description: "Pipeline type label", example: "batch" }),
  environment: label.openapi({ description: "Environment label", example: "prod" }),
};

type RawRun = z.output<z.ZodObject<typeof runShape>>;

function toRun(raw: RawRun): PipelineRun {
  return {
    start_local: raw.start_local.local,
    end_local: raw.end_local.local,
    start_utc: raw.start_utc.utc,
    end_utc: raw.end_utc.utc,
    elapsed_seconds: raw.elapsed_seconds,
    elapsed_human: raw.elapsed_human,
    output_file: raw.output_file,
    rowcount: raw.rowcount,
    log_file: raw.log_file,
    pid: raw.pid,
    date_code: raw.date_code,
    pipeline_name: raw.pipeline_name ?? inferPipelineName(raw.output_file, raw.log_file),
    script_name: raw.script_name ?? null,
    pipeline_type: raw.pipeline_type ?? null,
    environment: raw.environment ?? null,
  };
}

/** What a JSONL line must hold to be served: the original's lax rules, nothing more. */
export const StoredRunSchema = z.object(runShape).transform(toRun);

/** A POST body: the lax rules plus what the Oracle table and common sense require. */
export const PipelineInfoInputSchema = z
  .object(runShape)
  .superRefine((run, ctx) => {
    for (const [field, max] of Object.entries(MAX_LENGTH)) {
      const value = run[field as keyof typeof MAX_LENGTH];
      if (typeof value === "string" && value.length > max) {
        ctx.addIssue({ code: "custom", path: [field], message: `must be at most ${max} characters` });
      }
    }
    for (const field of ["rowcount", "elapsed_seconds", "pid"] as const) {
      if (run[field] < 0) ctx.addIssue({ code: "custom", path: [field], message: "must not be negative" });
    }
    for (const field of ["start_utc", "end_utc"] as const) {
      // Stores keep instants to the microsecond; cutting digits off would store another instant.
      if (run[field].beyondMicros) ctx.addIssue({ code: "custom", path: [field], message: "has digits past microseconds, which no store keeps" });
    }
    if (run.end_utc.epochMicros < run.start_utc.epochMicros) {
      ctx.addIssue({ code: "custom", path: ["end_utc"], message: "must not be before start_utc" });
    }
  })
  .transform(toRun)
  .openapi("PipelineInfoInput", { example: { ...SAMPLE_RUN, start_local: "2025-08-14 22:49:07", end_local: "2025-08-14 23:17:19" } });

const instant = (description: string, example: string) =>
  z.string().openapi({ description, format: "date-time", example });

/** A run as the API returns it. */
export const PipelineInfoSchema = z
  .object({
    start_local: z.string().openapi({ description: "Local start, YYYY-MM-DDTHH:MM:SS", example: SAMPLE_RUN.start_local }),
    end_local: z.string().openapi({ description: "Local end", example: SAMPLE_RUN.end_local }),
    start_utc: instant("Start instant in UTC", SAMPLE_RUN.start_utc),
    end_utc: instant("End instant in UTC", SAMPLE_RUN.end_utc),
    elapsed_seconds: z.number().openapi({ example: SAMPLE_RUN.elapsed_seconds }),
    elapsed_human: z.string().openapi({ example: SAMPLE_RUN.elapsed_human }),
    output_file: z.string().openapi({ example: SAMPLE_RUN.output_file }),
    rowcount: z.int().openapi({ example: SAMPLE_RUN.rowcount }),
    log_file: z.string().openapi({ example: SAMPLE_RUN.log_file }),
    pid: z.int().openapi({ example: SAMPLE_RUN.pid }),
    date_code: z.string().openapi({ example: SAMPLE_RUN.date_code }),
    pipeline_name: z.string().nullable().openapi({ example: SAMPLE_RUN.pipeline_name }),
    script_name: z.string().nullable().openapi({ example: SAMPLE_RUN.script_name }),
    pipeline_type: z.string().nullable().openapi({ example: SAMPLE_RUN.pipeline_type }),
    environment: z.string().nullable().openapi({ example: SAMPLE_RUN.environment }),
  })
  .openapi("PipelineInfo");
