import type { PipelineRun } from "../domain/pipeline-info.ts";
import type { PipelineSummary } from "../domain/responses.ts";
import type { Page, RunFilter } from "../domain/run-query.ts";

/** What a store says about itself to /health. */
export interface StoreHealth {
  status: "healthy" | "unhealthy" | "starting";
  /** Why the store is not healthy; never contains secrets. */
  reason?: string;
  /** Records the store serves, when it knows without a scan. */
  records?: number;
  /** JSONL lines that could not be read as records. */
  skippedLines?: number;
  /** While starting: how far the store has got. */
  progress?: { percent: number; lines: number };
  /** Set when this instance may not write, with the reason (e.g. another writer holds the file). */
  readOnly?: string;
}

/** A page of runs and the number of all runs matching the same filter. */
export interface RunPage {
  total: number;
  runs: PipelineRun[];
}

/**
 * The repository port: everything the HTTP app needs from a store of pipeline runs.
 *
 * Order: every method that returns runs returns them by start_utc, newest first; runs with the
 * same start_utc come most recently stored first, so pages never shuffle between calls.
 *
 * Returned runs and summaries may be shared with other callers: treat them as read-only.
 *
 * Errors: any method may throw StoreUnavailableError (store unreachable) or StoreStartingError
 * (not ready yet); insertRun may also throw StoreReadOnlyError, ValueTooLargeError and
 * ConflictError. Anything else is a bug and surfaces as a 500.
 */
export interface RunRepository {
  /** The backend's name as /health reports it ("jsonl", "memory", "oracle"). */
  readonly backend: string;

  /** The runs matching `filter` in store order, skipping `page.offset` and returning at most
   * `page.limit`, together with the count of all matches. An offset past the end gives []. */
  findRuns(filter: RunFilter, page: Page): Promise<RunPage>;

  /** Every run matching `filter`, in store order, one at a time; memory stays bounded by the
   * store's own index, not by the number of matches. */
  streamRuns(filter: RunFilter): AsyncIterable<PipelineRun>;

  /** The number of runs matching `filter`. */
  countRuns(filter: RunFilter): Promise<number>;

  /** One summary per distinct (pipeline_name, script_name, pipeline_type, environment), nulls
   * being values of their own, sorted by last_run newest first, then by the labels (nulls first). */
  summarizePipelines(filter?: RunFilter): Promise<PipelineSummary[]>;

  /** Stores a validated run and resolves once it is durable by the store's rules; returns the
   * run exactly as later reads will return it. */
  insertRun(run: PipelineRun): Promise<PipelineRun>;

  /** A cheap probe of whether the store can serve reads and writes. Never throws. */
  health(): Promise<StoreHealth>;

  /** Finishes pending writes and releases files, locks and connections. Idempotent. */
  close(): Promise<void>;
}
