import { LABELS } from "../../domain/pipeline-info.ts";
import type { RunFilter } from "../../domain/run-filter.ts";
import type { TableLayout } from "./columns.ts";
import type { Binds } from "./driver.ts";
import { utcBindText, utcIn } from "./utc-text.ts";

/** SQL text and its binds. Only validated identifiers are in the text; every value is a bind. */
export interface Statement {
  sql: string;
  binds: Binds;
}

/** Conditions (to be AND-ed) with the binds they use. */
export interface Conditions {
  conditions: string[];
  binds: Binds;
}

// Oracle refuses more than 1000 expressions in one IN list (ORA-01795).
const IN_LIST_MAX = 1000;

/** `col IN (:b0, :b1, …)` for the distinct `values`, one bind each, in lists of at most 1000. */
function anyOf(column: string, bindPrefix: string, values: readonly string[], binds: Binds): string {
  const distinct = [...new Set(values)];
  // No value can match (the HTTP edge never sends an empty list, but the port allows one).
  if (distinct.length === 0) return "1 = 0";
  const lists: string[] = [];
  for (let start = 0; start < distinct.length; start += IN_LIST_MAX) {
    const names = distinct.slice(start, start + IN_LIST_MAX).map((value, i) => {
      const name = `${bindPrefix}_${start + i}`;
      binds[name] = value;
      return `:${name}`;
    });
    lists.push(`${column} IN (${names.join(", ")})`);
  }
  return lists.length === 1 ? (lists[0] as string) : `(${lists.join(" OR ")})`;
}

/**
 * The WHERE conditions of a filter: only the filters given, every bound inclusive. The local
 * window compares the VARCHAR2 text: canonical "YYYY-MM-DDTHH:MM:SS[.fff]" orders as the wall
 * clock does under the BINARY comparison Oracle uses by default (NLS_COMP=BINARY), as the other
 * stores compare it. A NULL label never matches, as `IN` gives for NULL.
 */
export function filterConditions(layout: TableLayout, filter: RunFilter): Conditions {
  const c = layout.columns;
  const conditions: string[] = [];
  const binds: Binds = {};
  // `condition` gets the placeholder: column names may hold any character but quotes and NUL.
  const bound = (condition: (bind: string) => string, name: string, value: string | number) => {
    conditions.push(condition(`:${name}`));
    binds[name] = value;
  };
  if (filter.startUtcFrom) bound((b) => `${c.start_utc} >= ${utcIn(b)}`, "f_start_utc", utcBindText(filter.startUtcFrom.utc));
  if (filter.endUtcTo) bound((b) => `${c.end_utc} <= ${utcIn(b)}`, "f_end_utc", utcBindText(filter.endUtcTo.utc));
  if (filter.startLocalFrom !== undefined) bound((b) => `${c.start_local} >= ${b}`, "f_start_local_from", filter.startLocalFrom);
  if (filter.startLocalTo !== undefined) bound((b) => `${c.start_local} <= ${b}`, "f_start_local_to", filter.startLocalTo);
  if (filter.minRowcount !== undefined) bound((b) => `${c.rowcount} >= ${b}`, "f_min_rowcount", filter.minRowcount);
  if (filter.maxRowcount !== undefined) bound((b) => `${c.rowcount} <= ${b}`, "f_max_rowcount", filter.maxRowcount);
  if (filter.minElapsedSeconds !== undefined) bound((b) => `${c.elapsed_seconds} >= ${b}`, "f_min_elapsed", filter.minElapsedSeconds);
  if (filter.maxElapsedSeconds !== undefined) bound((b) => `${c.elapsed_seconds} <= ${b}`, "f_max_elapsed", filter.maxElapsedSeconds);
  for (const label of LABELS) {
    const wanted = filter.labels?.[label];
    if (wanted !== undefined) conditions.push(anyOf(c[label], `f_${label}`, wanted, binds));
  }
  return { conditions, binds };
}

/** " WHERE a AND b" for the conditions, or "" when there are none. */
export function whereClause(...parts: Conditions[]): { clause: string; binds: Binds } {
  const conditions = parts.flatMap((p) => p.conditions);
  const binds = Object.assign({}, ...parts.map((p) => p.binds)) as Binds;
  return { clause: conditions.length ? ` WHERE ${conditions.join(" AND ")}` : "", binds };
}
