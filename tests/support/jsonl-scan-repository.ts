import { access, constants } from "node:fs/promises";
import { dirname } from "node:path";
import { planInsert } from "../../src/domain/insert-plan.ts";
import { labelValues, type PipelineRun } from "../../src/domain/pipeline-info.ts";
import type { HistoryBucketSize, HistorySeries, PipelineStats } from "../../src/domain/pipeline-stats.ts";
import type { RunFilter } from "../../src/domain/run-filter.ts";
import { identityKey } from "../../src/domain/run-identity.ts";
import { NEWEST_FIRST, type RunOrder } from "../../src/domain/run-ordering.ts";
import { TimeBuckets } from "../../src/domain/time-buckets.ts";
import { StoreUnavailableError } from "../../src/errors.ts";
import { type Logger, silentLogger } from "../../src/logger.ts";
import { BoundedHeap } from "../../src/repository/in-process/bounded-heap.ts";
import { StatsBuilder } from "../../src/repository/in-process/group-stats.ts";
import { HistoryBuilder } from "../../src/repository/in-process/history-builder.ts";
import { comparator, compareKeysets, type KeyedRun, keyRun, keysetOf } from "../../src/repository/in-process/keyed-run.ts";
import { matcher } from "../../src/repository/in-process/run-matcher.ts";
import { createAppender, type FsyncMode } from "../../src/repository/jsonl/appender.ts";
import { archivePathFor, compactFile } from "../../src/repository/jsonl/compaction.ts";
import { fileStat } from "../../src/repository/jsonl/generation.ts";
import { readLines } from "../../src/repository/jsonl/line-reader.ts";
import { decodeLine, encodeRun } from "../../src/repository/jsonl/record-codec.ts";
import type { FindRunsQuery, InsertOutcome, RunPage, RunRepository, StoreHealth } from "../../src/repository/port.ts";

export interface JsonlOptions {
  path: string;
  fsync?: FsyncMode;
  logger?: Logger;
  /** Write deleted runs to a gzip NDJSON archive beside the file before they leave it. */
  archiveDeleted?: boolean;
}

/**
 * The JSONL store without an index: every read streams and parses the whole file. Memory for
 * counts and summaries is independent of the file's size; a page holds offset + limit runs.
 * It is the reference the indexed store is checked against and the benchmarks' baseline.
 */
export function createJsonlScanRepository(options: JsonlOptions): RunRepository {
  const { path, logger = silentLogger } = options;
  const appender = createAppender(path, options.fsync ?? "always");
  const reported = new Set<number>();
  let skippedLines = 0;

  async function* scan(): AsyncGenerator<KeyedRun> {
    let skipped = 0;
    try {
      for await (const line of readLines(path)) {
        const decoded = decodeLine(line.text);
        if (decoded.kind === "run") {
          // The line's offset is its storage order, as in the indexed store.
          yield keyRun(decoded.run, line.offset, decoded.startMicros, decoded.endMicros);
        } else if (decoded.kind === "invalid" && line.terminated) {
          skipped += 1;
          if (!reported.has(line.number)) {
            reported.add(line.number);
            logger.warn("skipped JSONL line", { path, line: line.number, reason: decoded.reason });
          }
        }
      }
    } catch (error) {
      throw new StoreUnavailableError(`cannot read ${path}`, 5, { cause: error });
    }
    skippedLines = skipped;
  }

  async function* matching(filter: RunFilter): AsyncGenerator<KeyedRun> {
    const accept = matcher(filter);
    for await (const k of scan()) if (accept(k)) yield k;
  }

  /** Checks identities against the whole file, then appends the new runs in one write. */
  async function insertNow(runs: readonly PipelineRun[]): Promise<InsertOutcome[]> {
    const stored = new Map<string, PipelineRun>();
    for await (const k of scan()) stored.set(identityKey(k.run), k.run);
    const { outcomes, fresh } = planInsert(runs, stored);
    try {
      if (fresh.length) await appender.append(fresh.map(encodeRun));
    } catch (error) {
      throw new StoreUnavailableError(`cannot append to ${path}`, 5, { cause: error });
    }
    return outcomes;
  }

  /** Finds the matching lines in one pass, then rewrites the file without them. */
  async function deleteNow(filter: RunFilter): Promise<number> {
    const info = await fileStat(path);
    if (!info) return 0;
    const offsets: number[] = [];
    const lengths: number[] = [];
    const accept = matcher(filter);
    for await (const line of readLines(path)) {
      if (line.offset + line.length > info.size) break;
      const decoded = decodeLine(line.text);
      if (decoded.kind === "run" && accept(keyRun(decoded.run, line.offset, decoded.startMicros, decoded.endMicros))) {
        offsets.push(line.offset);
        lengths.push(line.length);
      }
    }
    if (offsets.length === 0) return 0;
    const result = await compactFile(
      path,
      { offsets, lengths },
      {
        ino: info.ino,
        archivePath: options.archiveDeleted ? archivePathFor(path) : undefined,
        holdWrites: (work) => appender.exclusive(work),
      },
    );
    return result.removed;
  }

  let writes: Promise<unknown> = Promise.resolve();
  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const result = writes.then(work);
    writes = result.catch(() => {});
    return result;
  };

  return {
    backend: "jsonl",

    async findRuns(query: FindRunsQuery): Promise<RunPage> {
      const order = query.order ?? NEWEST_FIRST;
      const after = query.after;
      const skip = after ? 0 : (query.offset ?? 0);
      // One more than the page tells whether another page follows.
      const top = new BoundedHeap<KeyedRun>(skip + query.limit + 1, comparator(order));
      let total = 0;
      for await (const k of matching(query.filter)) {
        total += 1;
        if (!after || compareKeysets(keysetOf(k, order.field), after, order.descending) > 0) top.offer(k);
      }
      const kept = top.sorted().slice(skip);
      const page = kept.slice(0, query.limit);
      const last = page.at(-1);
      return {
        total: query.includeTotal === false ? null : total,
        runs: page.map((k) => k.run),
        next: last && kept.length > page.length ? keysetOf(last, order.field) : null,
      };
    },

    async *streamRuns(filter: RunFilter, order?: RunOrder): AsyncIterable<PipelineRun> {
      const all: KeyedRun[] = [];
      for await (const k of matching(filter)) all.push(k);
      all.sort(comparator(order));
      for (const k of all) yield k.run;
    },

    async countRuns(filter: RunFilter): Promise<number> {
      let total = 0;
      for await (const _ of matching(filter)) total += 1;
      return total;
    },

    async summarizePipelines(filter: RunFilter = {}): Promise<PipelineStats[]> {
      const builder = new StatsBuilder();
      for await (const k of matching(filter)) {
        const r = k.run;
        builder.add(labelValues(r), { startMicros: k.startMicros, seq: k.seq, elapsed: r.elapsed_seconds, rowcount: r.rowcount });
      }
      return builder.results();
    },

    async runHistory(filter: RunFilter, bucket: HistoryBucketSize, timeZone: string): Promise<HistorySeries[]> {
      const builder = new HistoryBuilder(new TimeBuckets(timeZone, bucket));
      for await (const k of matching(filter)) builder.add(k.run.pipeline_name, k.startMicros, k.run.elapsed_seconds, k.run.rowcount);
      return builder.results();
    },

    insertRuns(runs: readonly PipelineRun[]): Promise<InsertOutcome[]> {
      // One write at a time: each must see the identities the one before it wrote.
      return serialized(() => insertNow(runs));
    },

    deleteRuns(filter: RunFilter): Promise<number> {
      return serialized(() => deleteNow(filter));
    },

    async dataVersion(): Promise<string> {
      const info = await fileStat(path);
      return info ? `${info.ino}-${info.size}-${info.mtimeMs}` : "none";
    },

    async health(): Promise<StoreHealth> {
      try {
        let records = 0;
        for await (const _ of scan()) records += 1;
        await access(dirname(path), constants.W_OK).catch(async (error) => {
          // A missing folder is created on the first write; only an existing, unwritable one is bad.
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        });
        return { kind: "file", status: "healthy", records, skippedLines };
      } catch (error) {
        return { kind: "file", status: "unhealthy", reason: describe(error), skippedLines };
      }
    },

    close: () => appender.close(),
  };
}

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as NodeJS.ErrnoException)?.code;
  return error instanceof Error ? `${error.message}${code ? ` (${code})` : ""}` : "store error";
}
