import type { ParsedDateTime } from "./datetime.ts";
import type { Label } from "./pipeline-info.ts";

/** Which runs a query selects. Absent fields do not filter; bounds are inclusive. */
export interface RunFilter {
  /** Runs whose start_utc is at or after this instant. */
  startUtcFrom?: ParsedDateTime;
  /** Runs whose end_utc is at or before this instant. */
  endUtcTo?: ParsedDateTime;
  /** Local wall-clock window on start_local, as canonical text ("2025-08-14T00:00:00"). */
  startLocalFrom?: string;
  startLocalTo?: string;
  minRowcount?: number;
  maxRowcount?: number;
  minElapsedSeconds?: number;
  maxElapsedSeconds?: number;
  /** Per label, the values a run may have (any of them). */
  labels?: Partial<Record<Label, string[]>>;
}
