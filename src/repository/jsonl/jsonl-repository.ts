import type { PipelineRun } from "../../domain/pipeline-info.ts";
import type { HistoryBucketSize, HistorySeries, PipelineStats } from "../../domain/pipeline-stats.ts";
import type { RunFilter } from "../../domain/run-filter.ts";
import { NEWEST_FIRST, type RunOrder } from "../../domain/run-ordering.ts";
import { TimeBuckets } from "../../domain/time-buckets.ts";
import { StoreUnavailableError } from "../../errors.ts";
import { type Logger, silentLogger } from "../../logger.ts";
import { HistoryBuilder } from "../in-process/history-builder.ts";
import type { EncodedRuns, FileStoreHealth, FindRunsQuery, InsertOutcome, RunPage, RunRepository } from "../port.ts";
import type { AppendFiles } from "./append-files.ts";
import type { FsyncMode } from "./appender.ts";
import type { CompactionPhase } from "./compaction.ts";
import { Follower } from "./follower.ts";
import { type Generation, useGeneration } from "./generation.ts";
import { ScratchBuffer } from "./line-fetcher.ts";
import { NameCollector } from "./line-transcoder.ts";
import { readRunsJson, StaleIndexError } from "./run-reader.ts";
import { JSONL_DEFAULTS } from "./settings.ts";
import { JsonlWriter } from "./writer.ts";

export interface JsonlStoreOptions {
  path: string;
  fsync?: FsyncMode;
  logger?: Logger;
  /** How often to look for lines other processes appended, and for rotation (ms). */
  followIntervalMs?: number;
  /** How long a request waits for the index at startup before a 503 (ms). */
  readyTimeoutMs?: number;
  /** How often a read-only instance retries the writer lock (ms). */
  lockRetryMs?: number;
  /** How appends reach the file system (a test double can fail like a full disk). */
  files?: AppendFiles;
  /** Write deleted runs to a gzip NDJSON archive beside the file before they leave it. */
  archiveDeleted?: boolean;
  /** Observes each phase of a deletion's file rewrite (the crash tests stop the process there). */
  onCompactionPhase?: (phase: CompactionPhase) => Promise<void> | void;
}

/** The port, with the health of a store that serves a file. */
export interface JsonlRepository extends RunRepository {
  health(): Promise<FileStoreHealth>;
}

const STREAM_BATCH = 1000;

/**
 * Forces a collection once exports have read `limit` bytes of lines since the last one. An
 * export makes garbage faster than the collector's own pace frees it: an all_data export of
 * 1M runs over HTTP grew the process by ~200 MiB without this, and 200 exports of 10,000 runs
 * in a row swung it between 150 and 320 MiB. The count runs across exports, so a small export
 * seldom waits for a collection and a stream of them still gets one every `limit` bytes.
 */
class CollectionPacer {
  private since = 0;
  constructor(private readonly limit: number) {}

  add(lengths: Uint32Array): void {
    for (const length of lengths) this.since += length;
    if (this.since < this.limit) return;
    this.since = 0;
    Bun.gc(true);
  }
}

/**
 * The JSONL store: the file stays the plain, appendable source of truth; an index in memory
 * (src/repository/jsonl/run-index.ts) answers queries, follows lines other processes append,
 * and starts over when the file is truncated, replaced or rotated. One process per file writes
 * (an flock); others serve reads and answer writes with StoreReadOnlyError.
 *
 * The parts: a Follower owns the index of the file (follower.ts), a JsonlWriter owns the lock
 * and the appends (writer.ts); this adapter answers the port's questions from them.
 */
export function createJsonlRepository(options: JsonlStoreOptions): JsonlRepository {
  const { path, logger = silentLogger } = options;
  const follower: Follower = new Follower({
    path,
    logger,
    readyTimeoutMs: options.readyTimeoutMs ?? 10_000,
    beforeBuild: () => writer.ensureLock(),
  });
  const writer = new JsonlWriter(
    {
      path,
      logger,
      fsync: options.fsync ?? JSONL_DEFAULTS.fsync,
      lockRetryMs: options.lockRetryMs ?? 5000,
      files: options.files,
      archiveDeleted: options.archiveDeleted,
      onCompactionPhase: options.onCompactionPhase,
    },
    follower,
  );
  follower.begin();
  let closed = false;
  /** dataVersion: every generation (a re-index) gets a number of its own. */
  const serials = new WeakMap<Generation, number>();
  let lastSerial = 0;
  const instance = crypto.randomUUID().slice(0, 8);
  // Decoding makes objects of every run; copying lines makes only the answer's buffers.
  const decodedExports = new CollectionPacer(5 * 2 ** 20);
  const copiedExports = new CollectionPacer(32 * 2 ** 20);

  const follow = setInterval(() => {
    if (follower.tick() && !closed) writer.tick();
  }, options.followIntervalMs ?? 250);
  follow.unref?.();

  /** The snapshot of the matches, read batch by batch from the generation it was taken on. */
  async function* batches<T>(
    filter: RunFilter,
    order: RunOrder | undefined,
    onTotal: ((total: number) => void) | undefined,
    pacer: CollectionPacer,
    read: (gen: Generation, offsets: Float64Array, lengths: Uint32Array, scratch: ScratchBuffer) => Promise<T>,
  ): AsyncIterable<T> {
    const gen = await follower.current();
    const { offsets, lengths } = gen.index.refs(gen.index.select(filter), order);
    onTotal?.(offsets.length);
    // Lines are decoded before the next batch is read, so one buffer serves the whole export.
    const scratch = new ScratchBuffer();
    // The whole export reads the file it started on, even when it is replaced meanwhile.
    const release = useGeneration(gen);
    try {
      for (let i = 0; i < offsets.length; i += STREAM_BATCH) {
        let batch: T;
        const batchLengths = lengths.subarray(i, i + STREAM_BATCH);
        try {
          batch = await read(gen, offsets.subarray(i, i + STREAM_BATCH), batchLengths, scratch);
        } catch (error) {
          if (!(error instanceof StaleIndexError)) throw error;
          follower.noticeRewrite();
          throw new StoreUnavailableError(`${path} was rewritten during the export; retry`, 1);
        }
        yield batch;
        pacer.add(batchLengths);
      }
    } finally {
      release();
    }
  }

  return {
    backend: "jsonl",

    findRuns(query: FindRunsQuery): Promise<RunPage> {
      return follower.reading(async (gen) => {
        const { index } = gen;
        const order = query.order ?? NEWEST_FIRST;
        const { total, refs, next } = index.page(index.select(query.filter), {
          order,
          offset: query.offset,
          limit: query.limit,
          after: query.after,
          total: query.includeTotal !== false,
        });
        const runs = await follower.read(
          gen,
          refs.map((r) => r.offset),
          refs.map((r) => r.length),
        );
        return { total, runs, next };
      });
    },

    async *streamRuns(filter: RunFilter, order?: RunOrder, onTotal?: (total: number) => void): AsyncIterable<PipelineRun> {
      for await (const runs of batches(filter, order, onTotal, decodedExports, (gen, offsets, lengths, scratch) =>
        follower.read(gen, offsets, lengths, scratch),
      ))
        yield* runs;
    },

    streamRunsJson(
      filter: RunFilter,
      order: RunOrder | undefined,
      names: Set<string>,
      onTotal?: (total: number) => void,
      separator: "," | "\n" = ",",
    ): AsyncIterable<EncodedRuns> {
      const collector = new NameCollector(names);
      const byte = separator.charCodeAt(0);
      return batches(filter, order, onTotal, copiedExports, (gen, offsets, lengths, scratch) =>
        readRunsJson(gen, path, offsets, lengths, scratch, collector, byte),
      );
    },

    async countRuns(filter: RunFilter): Promise<number> {
      const { index } = await follower.current();
      return index.count(index.select(filter));
    },

    async summarizePipelines(filter: RunFilter = {}): Promise<PipelineStats[]> {
      const { index } = await follower.current();
      return index.summaries(index.select(filter));
    },

    async runHistory(filter: RunFilter, bucket: HistoryBucketSize, timeZone: string): Promise<HistorySeries[]> {
      const { index } = await follower.current();
      const builder = new HistoryBuilder(new TimeBuckets(timeZone, bucket));
      index.history(index.select(filter), builder);
      return builder.results();
    },

    insertRuns(runs: readonly PipelineRun[]): Promise<InsertOutcome[]> {
      return writer.insert(runs);
    },

    deleteRuns(filter: RunFilter): Promise<number> {
      return writer.remove(filter);
    },

    async dataVersion(): Promise<string> {
      const gen = await follower.current();
      let serial = serials.get(gen);
      if (serial === undefined) {
        serial = ++lastSerial;
        serials.set(gen, serial);
      }
      // The file, the index of it and how far it got; the instance part changes with a restart.
      return `${instance}-${serial}-${gen.ino ?? 0}-${gen.indexedBytes}-${gen.index.size}`;
    },

    async health(): Promise<FileStoreHealth> {
      const { generation: gen, lastError, percent, lines } = follower.state();
      const failures = writer.failureTotals();
      const base = {
        kind: "file" as const,
        ...(writer.readOnly ? { readOnly: writer.readOnly } : {}),
        ...(Object.keys(failures).length > 0 ? { writeFailures: failures } : {}),
        ...(writer.lastCompaction ? { lastCompaction: writer.lastCompaction } : {}),
      };
      if (!gen) {
        if (lastError) return { status: "unhealthy", reason: lastError, ...base };
        return { status: "starting", reason: `indexing ${path}`, progress: { percent, lines }, ...base };
      }
      const counts = { records: gen.index.size, skippedLines: gen.skipped };
      if (lastError) return { status: "unhealthy", reason: lastError, ...counts, ...base };
      const failing = writer.failing;
      if (failing) return { status: "degraded", reason: failing, ...counts, ...base };
      return { status: "healthy", ...counts, ...base };
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(follow);
      // Pending appends finish (and index their lines) before the index is let go.
      await writer.close();
      await follower.close();
      await writer.releaseLock();
    },
  };
}
