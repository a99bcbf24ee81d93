import type { InsertOutcome } from "../domain/insert-plan.ts";
import type { PipelineRun } from "../domain/pipeline-info.ts";
import type { HistoryBucketSize, HistorySeries, PipelineStats } from "../domain/pipeline-stats.ts";
import type { RunFilter } from "../domain/run-filter.ts";
import type { Keyset, RunOrder } from "../domain/run-ordering.ts";

/**
 * What every store says about itself to /health. "degraded": reads are served but writes fail
 * (full disk, lost lock, no permission, database refusing inserts), with the reason;
 * "unhealthy": the store can serve nothing.
 */
interface CommonHealth {
  status: "healthy" | "degraded" | "unhealthy" | "starting";
  /** Why the store is not healthy; never contains secrets. */
  reason?: string;
  /** Records the store serves, when it knows without a scan. */
  records?: number;
  /** Set when this instance may not write, with the reason (e.g. another writer holds the file). */
  readOnly?: string;
  /** Writes that failed since the start, by cause (an errno or database error code). */
  writeFailures?: Record<string, number>;
  /** The last deletion this instance carried out (for a file: the compaction that rewrote it). */
  lastCompaction?: CompactionReport;
}

/** A store that serves a file (JSONL) adds what reading the file found. */
export interface FileStoreHealth extends CommonHealth {
  kind: "file";
  /** Lines that could not be read as records. */
  skippedLines?: number;
  /** While the first index is built: how far it has got. */
  progress?: { percent: number; lines: number };
}

/** A store without a file of its own (Oracle, memory) says only the common part. */
export interface OtherStoreHealth extends CommonHealth {
  kind?: undefined;
}

export type StoreHealth = FileStoreHealth | OtherStoreHealth;

/** What one deletion did: when it finished, how long it took, runs removed, bytes given back. */
export interface CompactionReport {
  finishedAt: string;
  seconds: number;
  removed: number;
  /** Bytes the store's file shrank by; absent where the database reclaims space itself. */
  bytesReclaimed?: number;
}

export type { Keyset } from "../domain/run-ordering.ts";

/** What findRuns is asked for: a filter, an order and where the page starts. */
export interface FindRunsQuery {
  filter: RunFilter;
  /** Default: start_utc newest first. */
  order?: RunOrder;
  limit: number;
  /** Runs to skip; ignored when `after` is given. */
  offset?: number;
  /** Start right after this run (keyset paging): stays correct while runs are inserted. */
  after?: Keyset;
  /** Count all matches too (default true). */
  includeTotal?: boolean;
}

/** What findRuns answers: the page's runs, the total when asked for, and where the next page starts. */
export interface RunPage {
  /** All runs matching the filter, or null when not asked for. */
  total: number | null;
  runs: PipelineRun[];
  /** The keyset of the page's last run when more matches follow it, else null. */
  next: Keyset | null;
}

export type { InsertOutcome } from "../domain/insert-plan.ts";

/**
 * The repository port: everything the HTTP app needs from a store of pipeline runs.
 *
 * Order: runs come in the requested order (default start_utc newest first); ties are broken by
 * storage order in the same direction, so pages never shuffle between calls.
 *
 * Identity: a run is identified by (pipeline_name, date_code, start_utc, pid); storing the same
 * identity twice is idempotent, other content under it a conflict.
 *
 * Returned runs and summaries may be shared with other callers: treat them as read-only.
 *
 * Errors (src/errors.ts; src/http/problem.ts answers each once):
 * - any method but health and close: StoreUnavailableError (unreachable, or busy past a timeout)
 *   and StoreStartingError (not ready yet);
 * - insertRuns and deleteRuns: StoreReadOnlyError (this instance may not write);
 * - insertRuns: ValueTooLargeError (a value does not fit its column), ConflictError (the store's
 *   own constraint refuses the run) and InvalidInputError (a valid record the store cannot keep);
 * - runHistory: InvalidInputError (a time zone the store does not know).
 * Anything else is a bug and surfaces as a 500.
 */
/** Runs as JSON texts joined by a separator (none before the first or after the last). */
export interface EncodedRuns {
  bytes: Uint8Array;
  count: number;
}

export interface RunRepository {
  /** The backend's name as /health reports it ("jsonl", "memory", "oracle"). */
  readonly backend: string;

  /** A page of the runs matching `query.filter` in `query.order`. An offset past the end gives []. */
  findRuns(query: FindRunsQuery): Promise<RunPage>;

  /** Every run matching `filter`, in `order`, one at a time; memory stays bounded by the store's
   * own index, not by the number of matches. Abandoning the iteration stops the work. A store
   * that takes a snapshot of the matches tells `onTotal` how many it will yield, before the
   * first one (so a total sent with them agrees with them); others never call it. */
  streamRuns(filter: RunFilter, order?: RunOrder, onTotal?: (total: number) => void): AsyncIterable<PipelineRun>;

  /** The same runs as streamRuns, already written as JSON: each chunk holds the
   * `JSON.stringify` texts of consecutive runs joined by `separator` (a comma unless given), and
   * `names` collects their pipeline_names. For a store that can write its records without
   * building them; optional. */
  streamRunsJson?(
    filter: RunFilter,
    order: RunOrder | undefined,
    names: Set<string>,
    onTotal?: (total: number) => void,
    separator?: "," | "\n",
  ): AsyncIterable<EncodedRuns>;

  /** The number of runs matching `filter`. */
  countRuns(filter: RunFilter): Promise<number>;

  /** Per-pipeline statistics for the runs matching `filter`: one entry per distinct
   * (pipeline_name, script_name, pipeline_type, environment), nulls being values of their own,
   * sorted by last_run newest first, then by the labels (nulls first). */
  summarizePipelines(filter?: RunFilter): Promise<PipelineStats[]>;

  /** Runs matching `filter` per pipeline_name and time bucket (hour, day or ISO week) in the IANA
   * time zone `timeZone`: count, total rows and median duration; empty buckets left out. */
  runHistory(filter: RunFilter, bucket: HistoryBucketSize, timeZone: string): Promise<HistorySeries[]>;

  /** Stores validated runs with one durable commit for all of them and returns one outcome per
   * run, in order. Runs whose identity is already stored are not written again. */
  insertRuns(runs: readonly PipelineRun[]): Promise<InsertOutcome[]>;

  /** Removes every stored run matching `filter` (an empty filter matches every run) and returns
   * how many it removed. Runs stored while the deletion is under way may stay. Throws what
   * insertRuns throws when the store cannot write. */
  deleteRuns(filter: RunFilter): Promise<number>;

  /** A token that changes whenever the stored runs change (inserts, deletions, lines another
   * process appended, a replaced file), for validators of answers too large to hash; null when
   * the store cannot tell cheaply. Throws what reads throw. */
  dataVersion(): Promise<string | null>;

  /** A cheap probe of whether the store can serve reads and writes. Never throws. */
  health(): Promise<StoreHealth>;

  /** Finishes pending writes and releases files, locks and connections. Idempotent. */
  close(): Promise<void>;
}
