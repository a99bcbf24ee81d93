import { z } from "@hono/zod-openapi";
import { LABELS, type Label } from "../../domain/pipeline-info.ts";
import type { RunFilter } from "../../domain/run-filter.ts";
import { dateTimeText } from "../../domain/stored-run.ts";
import { anyOf, blankToUndefined, optionalInteger, optionalNumber } from "./query-values.ts";

const instant = (description: string, example: string) =>
  z.preprocess(blankToUndefined, dateTimeText({ allowDateOnly: true }).optional()).openapi({ description, example, format: "date-time" });

const labelParam = (description: string, example: string) =>
  anyOf.openapi({ description: `${description}; repeat the parameter for any of several`, example: [example] });

/** The filter parameters every run query accepts: runs, summaries and history. */
export const filterParams = {
  start_utc: instant("Runs that started at or after this instant (no offset = UTC)", "2025-08-01T00:00:00Z"),
  end_utc: instant("Runs that ended at or before this instant (no offset = UTC)", "2025-09-01T00:00:00Z"),
  start_local_from: instant("Runs whose local start (start_local) is at or after this wall-clock time", "2025-08-14 00:00:00"),
  start_local_to: instant("Runs whose local start is at or before this wall-clock time", "2025-08-14 23:59:59"),
  min_rowcount: optionalInteger.openapi({ description: "Minimum rowcount, inclusive", example: 0 }),
  max_rowcount: optionalInteger.openapi({ description: "Maximum rowcount, inclusive", example: 100000 }),
  min_elapsed_seconds: optionalNumber.openapi({ description: "Minimum duration in seconds, inclusive", example: 60 }),
  max_elapsed_seconds: optionalNumber.openapi({ description: "Maximum duration in seconds, inclusive", example: 3600 }),
  pipeline_name: labelParam("Exact pipeline name", "sales_etl"),
  script_name: labelParam("Exact script name", "process_sales_data.py"),
  pipeline_type: labelParam("Exact pipeline type", "batch"),
  environment: labelParam("Exact environment", "prod"),
};

const FilterObject = z.object(filterParams);
export type FilterParams = z.output<typeof FilterObject>;

/** The filter part of validated query parameters. */
export function toRunFilter(q: FilterParams): RunFilter {
  const labels: Partial<Record<Label, string[]>> = {};
  for (const label of LABELS) {
    const values = q[label];
    if (values) labels[label] = values;
  }
  return {
    startUtcFrom: q.start_utc,
    endUtcTo: q.end_utc,
    startLocalFrom: q.start_local_from?.local,
    startLocalTo: q.start_local_to?.local,
    minRowcount: q.min_rowcount,
    maxRowcount: q.max_rowcount,
    minElapsedSeconds: q.min_elapsed_seconds,
    maxElapsedSeconds: q.max_elapsed_seconds,
    labels,
  };
}
