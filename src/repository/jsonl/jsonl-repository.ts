import type { PipelineRun } from "../../domain/pipeline-info.ts";
import { decodeRunKeys } from "../../domain/run-decoder.ts";
import type { RunFilter } from "../../domain/run-filter.ts";
import { identityKey } from "../../domain/run-identity.ts";
import { NEWEST_FIRST, type RunOrder } from "../../domain/run-ordering.ts";
import type { HistoryBucketSize, HistorySeries, PipelineStats } from "../../domain/statistics.ts";
import { TimeBuckets } from "../../domain/time-buckets.ts";
import { StoreReadOnlyError, StoreStartingError, StoreUnavailableError } from "../../errors.ts";
import { type Logger, silentLogger } from "../../logger.ts";
import { planInsert } from "../insert-plan.ts";
import { HistoryBuilder } from "../pipeline-stats.ts";
import type { FindRunsQuery, InsertOutcome, RunPage, RunRepository, StoreHealth } from "../port.ts";
import { type AppendedLine, type FsyncMode, createAppender } from "./appender.ts";
import { BuildCancelledError, type BuildProgress, type Generation, buildGeneration, consumeLines, describeError, fileStat, retireGeneration } from "./generation.ts";
import { identityClaims, storedIdentities } from "./identity-lookup.ts";
import { ScratchBuffer } from "./line-fetcher.ts";
import { encodeRun } from "./record-codec.ts";
import { StaleIndexError, readRuns } from "./run-reader.ts";
import { type WriterLock, tryLockWriter } from "./writer-lock.ts";

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
}

const NEWLINE = 0x0a;
const STREAM_BATCH = 1000;
const GC_EVERY_BATCHES = 10;

/**
 * The JSONL store: the file stays the plain, appendable source of truth; an index in memory
 * (src/repository/jsonl/run-index.ts) answers queries, follows lines other processes append,
 * and starts over when the file is truncated, replaced or rotated. One process per file writes
 * (an flock); others serve reads and answer writes with StoreReadOnlyError.
 */
export function createJsonlRepository(options: JsonlStoreOptions): RunRepository {
  const { path, logger = silentLogger } = options;
  const followMs = options.followIntervalMs ?? 250;
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const appender = createAppender(path, options.fsync ?? "always");

  let generation: Generation | null = null;
  let building: BuildProgress = { lines: 0, bytes: 0, total: 0 };
  let lastError: string | null = null;
  let writer: WriterLock | null = null;
  let readOnlyReason: string | null = null;
  let closed = false;

  const claim = identityClaims();
  const read = (gen: Generation, offsets: ArrayLike<number>, lengths: ArrayLike<number>, scratch?: ScratchBuffer) =>
    readRuns(gen, path, offsets, lengths, scratch);
  const build = (announce: boolean) =>
    buildGeneration(path, logger, (p) => {
      building = p;
    }, announce, () => closed);


  async function acquireLock() {
    const result = await tryLockWriter(path).catch((error): { ok: false; reason: string } => ({ ok: false, reason: describeError(error) }));
    if (result.ok) {
      if (readOnlyReason) logger.info("took the writer lock", { path });
      writer = result.lock;
      readOnlyReason = null;
    } else if (readOnlyReason !== result.reason) {
      readOnlyReason = result.reason;
      logger.warn("serving reads only", { path, reason: result.reason });
    }
  }

  /** Set when a read found a line that is not what the index says: the file was rewritten. */
  let rewritten = false;

  async function doSync() {
    const gen = generation;
    if (!gen) return;
    const info = await fileStat(path);
    const replaced = rewritten || (info ? info.ino !== gen.ino || info.size < gen.indexedBytes : gen.ino !== null);
    rewritten = false;
    if (replaced) {
      logger.info("JSONL file replaced or truncated; re-indexing", { path });
      const next = await build(false);
      generation = next;
      retireGeneration(gen);
      return;
    }
    if (!info || info.size === gen.indexedBytes) return;
    let start = gen.indexedBytes;
    if (gen.provisionalTail) {
      const byte = new Uint8Array(1);
      await gen.handle?.read(byte, 0, 1, start);
      if (byte[0] !== NEWLINE) {
        // The unterminated line we served grew: it was not whole after all. Start over.
        const next = await build(false);
        generation = next;
        retireGeneration(gen);
        return;
      }
      gen.provisionalTail = false;
      gen.indexedBytes = start = start + 1;
    }
    await consumeLines(gen, path, logger, start, { cancelled: () => closed });
  }

  let syncing: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  /** Brings the index up to the file. Calls during a sync share one follow-up sync, which
   * starts after the running one and so sees every byte written before the call. */
  function sync(): Promise<void> {
    if (!syncing) {
      syncing = doSync()
        .then(() => {
          lastError = null;
        })
        .catch((error) => {
          lastError = describeError(error);
          throw error;
        })
        .finally(() => {
          syncing = null;
        });
      return syncing;
    }
    queued ??= syncing.catch(() => {}).then(() => {
      queued = null;
      return sync();
    });
    return queued;
  }

  let starting: Promise<void> | null = null;
  /** The first build; retried by the follow loop until it succeeds (say, the file becomes readable). */
  function start(): Promise<void> {
    starting ??= (async () => {
      if (!writer) await acquireLock();
      generation = await build(true);
      lastError = null;
    })()
      .catch((error) => {
        // Closing stops a build between two slices; that is no failure of the file.
        if (error instanceof BuildCancelledError) return;
        lastError = describeError(error);
        logger.error("cannot index the JSONL file", { path, error: lastError });
      })
      .finally(() => {
        starting = null;
      });
    return starting;
  }
  const ready = start();

  const follow = setInterval(() => {
    if (!generation) {
      if (!starting && !closed) void start();
      return;
    }
    void sync().catch(() => {});
    if (!writer && !closed) void maybeRetryLock();
  }, followMs);
  follow.unref?.();

  let lastLockTry = Date.now();
  async function maybeRetryLock() {
    if (Date.now() - lastLockTry < (options.lockRetryMs ?? 5000)) return;
    lastLockTry = Date.now();
    await acquireLock();
  }

  async function current(): Promise<Generation> {
    if (!generation) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([starting ?? ready, new Promise((resolve) => (timer = setTimeout(resolve, readyTimeoutMs)))]);
      clearTimeout(timer);
    }
    // A failed sync means the file can no longer be read as indexed: answer 503, not stale data.
    if (lastError) throw new StoreUnavailableError(`cannot read ${path}: ${lastError}`);
    if (generation) return generation;
    throw new StoreStartingError(`the JSONL index is still being built (${percent()}%)`);
  }

  const percent = () => Math.floor((100 * building.bytes) / Math.max(1, building.total));

  /**
   * Indexes a line we just wrote without reading it back, when that is certainly right: the
   * write landed where expected, everything before it is indexed, and no sync is reading the
   * file meanwhile (it would index the line a second time). Otherwise the caller syncs.
   */
  function indexOwnLine(run: PipelineRun, placed: AppendedLine): boolean {
    const gen = generation;
    // A generation without a handle indexed a file that did not exist yet: sync picks up the new one.
    if (!gen?.handle || syncing || !placed.exact) return false;
    let expected = gen.indexedBytes;
    // The appender put a newline after a whole record that had none; step over it.
    if (gen.provisionalTail) expected += 1;
    if (placed.offset !== expected) return false;
    const decoded = decodeRunKeys(run);
    if (!decoded.ok) return false;
    gen.index.add(decoded.keys, { offset: placed.offset, length: placed.length - 1 });
    gen.provisionalTail = false;
    gen.indexedBytes = placed.offset + placed.length;
    gen.nextLine += 1;
    return true;
  }

  /** Runs a read; when the file turns out rewritten, re-indexes and tries once more. */
  async function reading<T>(read: (gen: Generation) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await read(await current());
      } catch (error) {
        if (!(error instanceof StaleIndexError)) throw error;
        if (attempt > 0) throw new StoreUnavailableError(`${path} keeps changing while it is read; retry`, 1);
        rewritten = true;
        await sync();
      }
    }
  }

  return {
    backend: "jsonl",

    findRuns(query: FindRunsQuery): Promise<RunPage> {
      return reading(async (gen) => {
        const { index } = gen;
        const order = query.order ?? NEWEST_FIRST;
        const { total, refs, next } = index.page(index.select(query.filter), {
          order,
          offset: query.offset,
          limit: query.limit,
          after: query.after,
          total: query.includeTotal !== false,
        });
        const runs = await read(gen, refs.map((r) => r.offset), refs.map((r) => r.length));
        return { total, runs, next };
      });
    },

    async *streamRuns(filter: RunFilter, order?: RunOrder): AsyncIterable<PipelineRun> {
      const gen = await current();
      const { offsets, lengths } = gen.index.refs(gen.index.select(filter), order);
      // Lines are decoded before the next batch is read, so one buffer serves the whole export.
      const scratch = new ScratchBuffer();
      for (let i = 0; i < offsets.length; i += STREAM_BATCH) {
        let runs: PipelineRun[];
        try {
          runs = await read(gen, offsets.subarray(i, i + STREAM_BATCH), lengths.subarray(i, i + STREAM_BATCH), scratch);
        } catch (error) {
          if (!(error instanceof StaleIndexError)) throw error;
          rewritten = true;
          void sync().catch(() => {});
          throw new StoreUnavailableError(`${path} was rewritten during the export; retry`, 1);
        }
        yield* runs;
        // Decoding and re-encoding every run makes garbage faster than the collector's own pace
        // would free it: an all_data export of 1M runs over HTTP grew the process by ~200 MiB
        // without this, ~95 MiB collecting every 20,000 runs, ~65 MiB every 10,000 (same time).
        if ((i / STREAM_BATCH) % GC_EVERY_BATCHES === GC_EVERY_BATCHES - 1) Bun.gc(true);
      }
    },

    async countRuns(filter: RunFilter): Promise<number> {
      const { index } = await current();
      return index.count(index.select(filter));
    },

    async summarizePipelines(filter: RunFilter = {}): Promise<PipelineStats[]> {
      const { index } = await current();
      return index.summaries(index.select(filter));
    },

    async runHistory(filter: RunFilter, bucket: HistoryBucketSize, timeZone: string): Promise<HistorySeries[]> {
      const { index } = await current();
      const builder = new HistoryBuilder(new TimeBuckets(timeZone, bucket));
      index.history(index.select(filter), builder);
      return builder.results();
    },

    async insertRuns(runs: readonly PipelineRun[]): Promise<InsertOutcome[]> {
      await current();
      if (!writer) throw new StoreReadOnlyError(`this instance serves reads only: ${readOnlyReason ?? "no writer lock"}`);
      const keys = runs.map(identityKey);
      const release = await claim(keys);
      try {
        const gen = await current();
        const stored = await storedIdentities(gen, runs, (offsets, lengths) => read(gen, offsets, lengths));
        const { outcomes, fresh: created } = planInsert(runs, stored, keys);
        if (created.length === 0) return outcomes;
        let placed: AppendedLine[];
        try {
          placed = await appender.append(created.map(encodeRun));
        } catch (error) {
          throw new StoreUnavailableError(`cannot append to ${path}: ${describeError(error)}`, 5, { cause: error });
        }
        // Read-your-writes: the answer goes out once the runs are in the index too.
        let indexed = true;
        for (let i = 0; i < created.length && indexed; i++) indexed = indexOwnLine(created[i] as PipelineRun, placed[i] as AppendedLine);
        if (!indexed) await sync().catch(() => {});
        return outcomes;
      } finally {
        release();
      }
    },

    async health(): Promise<StoreHealth> {
      const gen = generation;
      const base = { ...(readOnlyReason ? { readOnly: readOnlyReason } : {}) };
      if (!gen) {
        if (lastError) return { status: "unhealthy", reason: lastError, ...base };
        return { status: "starting", reason: `indexing ${path}`, progress: { percent: percent(), lines: building.lines }, ...base };
      }
      if (lastError) return { status: "unhealthy", reason: lastError, records: gen.index.size, skippedLines: gen.skipped, ...base };
      return { status: "healthy", records: gen.index.size, skippedLines: gen.skipped, ...base };
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(follow);
      await (starting ?? ready);
      await appender.close();
      await syncing?.catch(() => {});
      await writer?.release().catch(() => {});
      writer = null;
      if (generation) retireGeneration(generation);
    },
  };
}
