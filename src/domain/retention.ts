import { parseDateTime } from "./datetime.ts";
import type { Label } from "./pipeline-info.ts";
import type { RunFilter } from "./run-filter.ts";

/** One retention period: runs that ended more than `days` ago go, all of them or one label's. */
export interface RetentionRule {
  days: number;
  /** Only runs with this label value; absent for the period that applies to every run. */
  label?: { name: Label; value: string };
}

const DAY_MS = 86_400_000;

/** "environment=dev" or "every run", for logs and answers. */
export const describeRule = (rule: RetentionRule) => `${rule.label ? `${rule.label.name}=${rule.label.value}` : "every run"} older than ${rule.days} days`;

/**
 * The runs one rule removes at `now`: those whose end_utc is at or before now - days. Periods
 * add up: a run goes as soon as any rule that applies to it says so, so a label's period can
 * only shorten the period for every run, never lengthen it.
 */
export function retentionFilter(rule: RetentionRule, now: Date): RunFilter {
  const cutoff = parseDateTime(new Date(now.getTime() - rule.days * DAY_MS).toISOString());
  if (!cutoff) throw new Error(`retention cutoff for ${rule.days} days is not a date`);
  return { endUtcTo: cutoff, ...(rule.label ? { labels: { [rule.label.name]: [rule.label.value] } } : {}) };
}

/** Whether a filter selects everything: deleting with it needs an explicit confirmation. */
export function isEmptyFilter(filter: RunFilter): boolean {
  const { labels, ...bounds } = filter;
  return Object.values(bounds).every((v) => v === undefined) && Object.values(labels ?? {}).every((v) => v === undefined);
}
