import { LABELS } from "../../domain/pipeline-info.ts";
import type { RunFilter } from "../../domain/run-filter.ts";
import type { KeyedRun } from "./keyed-run.ts";

/** A predicate for the filter, with the checks it does not need left out. */
export function matcher(filter: RunFilter): (k: KeyedRun) => boolean {
  const checks: Array<(k: KeyedRun) => boolean> = [];
  const from = filter.startUtcFrom?.epochMicros;
  const to = filter.endUtcTo?.epochMicros;
  if (from !== undefined) checks.push((k) => k.startMicros >= from);
  if (to !== undefined) checks.push((k) => k.endMicros <= to);
  const { minRowcount, maxRowcount, minElapsedSeconds, maxElapsedSeconds, startLocalFrom, startLocalTo } = filter;
  if (minRowcount !== undefined) checks.push((k) => k.run.rowcount >= minRowcount);
  if (maxRowcount !== undefined) checks.push((k) => k.run.rowcount <= maxRowcount);
  if (minElapsedSeconds !== undefined) checks.push((k) => k.run.elapsed_seconds >= minElapsedSeconds);
  if (maxElapsedSeconds !== undefined) checks.push((k) => k.run.elapsed_seconds <= maxElapsedSeconds);
  // Canonical local text ("YYYY-MM-DDTHH:MM:SS[.fff]") orders as the wall clock does.
  if (startLocalFrom !== undefined) checks.push((k) => k.run.start_local >= startLocalFrom);
  if (startLocalTo !== undefined) checks.push((k) => k.run.start_local <= startLocalTo);
  for (const label of LABELS) {
    const wanted = filter.labels?.[label];
    if (wanted === undefined) continue;
    const set = new Set(wanted);
    checks.push((k) => k.run[label] !== null && set.has(k.run[label] as string));
  }
  return (k) => checks.every((check) => check(k));
}
