import { z } from "@hono/zod-openapi";
import { ORDER_FIELDS, parseOrder, type RunOrder } from "../../domain/run-ordering.ts";
import { laxInteger } from "../../domain/stored-run.ts";
import { filterParams } from "./filter-query.ts";
import { blankToUndefined, queryBoolean } from "./query-values.ts";

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

const orderParam = z
  .preprocess(
    blankToUndefined,
    z
      .string()
      .transform((text, ctx): RunOrder => {
        const order = parseOrder(text);
        if (order) return order;
        ctx.addIssue({ code: "custom", message: `must be one of ${ORDER_FIELDS.join(", ")}, optionally prefixed with - for descending` });
        return z.NEVER;
      })
      .optional(),
  )
  .openapi({
    description: `Sort field: ${ORDER_FIELDS.join(", ")}; prefix with - for descending. Default -start_utc (newest first).`,
    example: "-elapsed_seconds",
    type: "string",
  });

export const EXPORT_FORMATS = ["json", "ndjson", "csv"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The query of GET /get_pipeline_info: the original's parameters, then the additions. */
export const RunQuerySchema = z
  .object({
    ...filterParams,
    limit: z
      .preprocess(blankToUndefined, laxInteger().default(DEFAULT_LIMIT))
      .openapi({ description: `Page size, 1-${MAX_LIMIT}; ignored with all_data=true`, minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT }),
    offset: z
      .preprocess(blankToUndefined, laxInteger().default(0))
      .openapi({ description: "Runs to skip, >= 0; ignored with all_data=true", minimum: 0, default: 0 }),
    all_data: z
      .preprocess(blankToUndefined, queryBoolean.default(false))
      .openapi({ description: "Return every match; limit, offset and cursor are ignored entirely; the answer streams", default: false }),
    order_by: orderParam,
    cursor: z.preprocess(blankToUndefined, z.string().max(2048).optional()).openapi({
      description:
        "Keyset pagination: next_cursor of the previous page (same filters and order_by); an alternative to offset that stays correct while runs are added",
    }),
    include_total: z
      .preprocess(blankToUndefined, queryBoolean.default(true))
      .openapi({ description: "false skips counting all matches (total is then null)", default: true }),
    format: z.preprocess(blankToUndefined, z.enum(EXPORT_FORMATS, { error: () => `must be one of ${EXPORT_FORMATS.join(", ")}` }).optional()).openapi({
      description: "json (default), ndjson or csv; also chosen by Accept: application/x-ndjson or text/csv. ndjson and csv come as a file download",
    }),
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
  })
  .refine((q) => q.all_data || q.cursor === undefined || q.offset === 0, {
    path: ["cursor"],
    message: "cannot be combined with offset: use one or the other",
    when: (payload) => parsedCleanly(payload.issues, ["offset", "cursor", "all_data"]),
  });

function parsedCleanly(issues: ReadonlyArray<{ path?: PropertyKey[] }>, fields: string[]): boolean {
  return !issues.some((issue) => fields.includes(String(issue.path?.[0])));
}

export type RunQueryParams = z.output<typeof RunQuerySchema>;

/** Which export format a request asks for: the format parameter, else an exact Accept type. */
export function requestedFormat(format: ExportFormat | undefined, accept: string | undefined): ExportFormat {
  if (format) return format;
  const types = (accept ?? "").split(",").map((t) => t.split(";")[0]?.trim().toLowerCase());
  if (types[0] === "application/x-ndjson" || types[0] === "application/ndjson") return "ndjson";
  if (types[0] === "text/csv") return "csv";
  return "json";
}
