import { z } from "@hono/zod-openapi";
import type { ParsedDateTime } from "./datetime.ts";
import type { Label } from "./pipeline-info.ts";
import { dateTimeText, laxInteger } from "./pipeline-info.ts";

/** Which runs a query selects. Absent fields do not filter. */
export interface RunFilter {
  /** Runs whose start_utc is at or after this instant. */
  startUtcFrom?: ParsedDateTime;
  /** Runs whose end_utc is at or before this instant. */
  endUtcTo?: ParsedDateTime;
  /** Inclusive rowcount bounds. */
  minRowcount?: number;
  maxRowcount?: number;
  /** Exact label matches. */
  labels?: Partial<Record<Label, string>>;
}

/** A page of a query's results, in the store's order (start_utc newest first). */
export interface Page {
  limit: number;
  offset: number;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

const BOOLEAN_WORDS: Record<string, boolean> = {
  true: true, "1": true, yes: true, on: true, t: true, y: true,
  false: false, "0": false, no: false, off: false, f: false, n: false,
};

/** A query-string boolean as FastAPI read it: true/false, 1/0, yes/no, on/off. */
const queryBoolean = z
  .string()
  .transform((text, ctx) => {
    const value = BOOLEAN_WORDS[text.trim().toLowerCase()];
    if (value !== undefined) return value;
    ctx.addIssue({ code: "custom", message: "must be a boolean: true or false" });
    return z.NEVER;
  })
  .openapi({ type: "boolean" });

/** An empty query value ("?environment=") means no filter, as in the original. */
const blankToUndefined = (v: unknown) => (v === "" ? undefined : v);

const labelParam = (description: string, example: string) =>
  z.preprocess(blankToUndefined, z.string().optional()).openapi({ description, example });

export const RunQuerySchema = z
  .object({
    start_utc: z
      .preprocess(blankToUndefined, dateTimeText({ allowDateOnly: true }).optional())
      .openapi({ description: "Runs that started at or after this instant (no offset = UTC)", example: "2025-08-01T00:00:00Z", format: "date-time" }),
    end_utc: z
      .preprocess(blankToUndefined, dateTimeText({ allowDateOnly: true }).optional())
      .openapi({ description: "Runs that ended at or before this instant (no offset = UTC)", example: "2025-09-01T00:00:00Z", format: "date-time" }),
    min_rowcount: z.preprocess(blankToUndefined, laxInteger.optional()).openapi({ description: "Minimum rowcount, inclusive", example: 0 }),
    max_rowcount: z.preprocess(blankToUndefined, laxInteger.optional()).openapi({ description: "Maximum rowcount, inclusive", example: 100000 }),
    pipeline_name: labelParam("Exact pipeline name", "sales_etl"),
    script_name: labelParam("Exact script name", "process_sales_data.py"),
    pipeline_type: labelParam("Exact pipeline type", "batch"),
    environment: labelParam("Exact environment", "prod"),
    limit: z
      .preprocess(blankToUndefined, laxInteger.default(DEFAULT_LIMIT))
      .openapi({ description: `Page size, 1-${MAX_LIMIT}; ignored with all_data=true`, minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT }),
    offset: z
      .preprocess(blankToUndefined, laxInteger.default(0))
      .openapi({ description: "Runs to skip, >= 0; ignored with all_data=true", minimum: 0, default: 0 }),
    all_data: z
      .preprocess(blankToUndefined, queryBoolean.default(false))
      .openapi({ description: "Return every match; limit and offset are ignored entirely", default: false }),
  })
  // An existing dashboard sends limit=10000 with all_data=true: the ranges only bind pages.
  // `when` lets these run while other parameters are invalid, so one answer lists every problem.
  .refine((q) => q.all_data || (q.limit >= 1 && q.limit <= MAX_LIMIT), {
    path: ["limit"],
    message: `must be between 1 and ${MAX_LIMIT}`,
    when: (payload) => parsedCleanly(payload.issues, ["limit", "all_data"]),
  })
  .refine((q) => q.all_data || q.offset >= 0, {
    path: ["offset"],
    message: "must be >= 0",
    when: (payload) => parsedCleanly(payload.issues, ["offset", "all_data"]),
  });

function parsedCleanly(issues: ReadonlyArray<{ path?: PropertyKey[] }>, fields: string[]): boolean {
  return !issues.some((issue) => fields.includes(String(issue.path?.[0])));
}

export type RunQuery = z.output<typeof RunQuerySchema>;

/** The filter part of a validated query. */
export function toRunFilter(q: RunQuery): RunFilter {
  const labels: Partial<Record<Label, string>> = {};
  if (q.pipeline_name !== undefined) labels.pipeline_name = q.pipeline_name;
  if (q.script_name !== undefined) labels.script_name = q.script_name;
  if (q.pipeline_type !== undefined) labels.pipeline_type = q.pipeline_type;
  if (q.environment !== undefined) labels.environment = q.environment;
  return {
    startUtcFrom: q.start_utc,
    endUtcTo: q.end_utc,
    minRowcount: q.min_rowcount,
    maxRowcount: q.max_rowcount,
    labels,
  };
}
