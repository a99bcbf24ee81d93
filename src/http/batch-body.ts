import type { InsertOutcome } from "../domain/insert-plan.ts";
import type { FieldError } from "./problem.ts";

/**
 * A batch of runs as POST /pipelines/batch reads it: the body's format from its content type,
 * NDJSON lines as records, and the report of what became of each record.
 */

export type BatchFormat = "json" | "ndjson";

const BATCH_TYPE = /^application\/(json|x-ndjson|ndjson)\s*(;|$)/i;

/** The format a Content-Type names, or null when a batch cannot come in it. */
export function batchFormat(contentType: string): BatchFormat | null {
  if (!BATCH_TYPE.test(contentType)) return null;
  return /json\s*(;|$)/i.test(contentType) && !/ndjson/i.test(contentType) ? "json" : "ndjson";
}

export interface BatchRecords {
  records: unknown[];
  /** Records that were not JSON, by index; their place in `records` holds undefined. */
  unreadable: Map<number, FieldError[]>;
}

/** One record per non-blank line; a line that is not JSON still takes its place in the count. */
export function parseNdjson(text: string): BatchRecords {
  const records: unknown[] = [];
  const unreadable = new Map<number, FieldError[]>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      unreadable.set(records.length, [{ location: "body", field: "(record)", message: "not valid JSON" }]);
      records.push(undefined);
    }
  }
  return { records, unreadable };
}

/** The errors that name what differs from the stored run with the same identity. */
export const conflictErrors = (fields: readonly string[]): FieldError[] =>
  fields.map((field) => ({ location: "body", field, message: "differs from the stored run with the same identity" }));

export interface BatchResult {
  index: number;
  status: number;
  errors?: FieldError[];
}

/** The result of a record the store decided on. */
export function outcomeResult(index: number, outcome: InsertOutcome): BatchResult {
  if (outcome.status === "conflict") return { index, status: 409, errors: conflictErrors(outcome.fields) };
  return { index, status: outcome.status === "created" ? 201 : 200 };
}

export interface BatchReport {
  created: number;
  existing: number;
  conflicts: number;
  invalid: number;
  results: BatchResult[];
}

/** The answer to a batch: one result per input record, in input order, and the counts. */
export function batchReport(results: readonly BatchResult[]): BatchReport {
  const sorted = [...results].sort((a, b) => a.index - b.index);
  const count = (status: number) => sorted.filter((r) => r.status === status).length;
  return { created: count(201), existing: count(200), conflicts: count(409), invalid: count(422), results: sorted };
}
