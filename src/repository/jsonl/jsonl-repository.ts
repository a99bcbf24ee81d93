import { type FileHandle, open, stat } from "node:fs/promises";
import type { PipelineRun } from "../../domain/pipeline-info.ts";
import { parseDateTime } from "../../domain/datetime.ts";
import { differingFields, identityHash, identityKey } from "../../domain/run-identity.ts";
import type { RunFilter } from "../../domain/run-filter.ts";
import { NEWEST_FIRST, type RunOrder } from "../../domain/run-ordering.ts";
import type { HistoryBucketSize, HistorySeries, PipelineStats } from "../../domain/statistics.ts";
import { TimeBuckets } from "../../domain/time-buckets.ts";
import { StoreReadOnlyError, StoreStartingError, StoreUnavailableError } from "../../errors.ts";
import { type Logger, silentLogger } from "../../logger.ts";
import { HistoryBuilder } from "../pipeline-stats.ts";
import type { FindRunsQuery, InsertOutcome, RunPage, RunRepository, StoreHealth } from "../port.ts";
import { decodeRunKeys } from "../../domain/run-decoder.ts";
import { type AppendedLine, type FsyncMode, createAppender } from "./appender.ts";
import { ScratchBuffer, fetchLines } from "./line-fetcher.ts";
import { readLines } from "./line-reader.ts";
import { decodeLine, decodeLineKeys, encodeRun } from "./record-codec.ts";
import { RunIndex } from "./run-index.ts";
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

/** One indexed version of the file: a rotation or truncation starts a new one. */
interface Generation {
  index: RunIndex;
  handle: FileHandle | null;
  ino: number | null;
  /** Bytes of the file the index has consumed. */
  indexedBytes: number;
  /** The last indexed line had no newline yet; the next byte must be one. */
  provisionalTail: boolean;
  nextLine: number;
  skipped: number;
  users: number;
  retired: boolean;
  /** Recently read runs by line offset: dashboards ask for the newest pages over and over. */
  cache: Map<number, PipelineRun>;
  /** The unfiltered summaries and the index size they were computed at. */
  summaries: { size: number; value: PipelineStats[] } | null;
}

const NEWLINE = 0x0a;

/** A line is not where the index says it is. */
class StaleIndexError extends Error {}
const STREAM_BATCH = 1000;
/** Decoded runs kept for reuse: ~1 KiB each, so about 10 MiB. */
const CACHE_RUNS = 10_000;
const GC_EVERY_BATCHES = 20;

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
  let building = { lines: 0, bytes: 0, total: 0 };
  let lastError: string | null = null;
  let writer: WriterLock | null = null;
  let readOnlyReason: string | null = null;
  let closed = false;

  const describe = (error: unknown) => {
    const code = (error as NodeJS.ErrnoException)?.code;
    return `${error instanceof Error ? error.message : String(error)}${code && !String(error).includes(code) ? ` (${code})` : ""}`;
  };

  async function acquireLock() {
    const result = await tryLockWriter(path).catch((error): { ok: false; reason: string } => ({ ok: false, reason: describe(error) }));
    if (result.ok) {
      if (readOnlyReason) logger.info("took the writer lock", { path });
      writer = result.lock;
      readOnlyReason = null;
    } else if (readOnlyReason !== result.reason) {
      readOnlyReason = result.reason;
      logger.warn("serving reads only", { path, reason: result.reason });
    }
  }

  async function fileStat() {
    try {
      return await stat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  /** Reads lines from `start` into the generation's index. */
  async function consume(gen: Generation, start: number, progress?: (bytes: number) => void) {
    let lastReport = 0;
    for await (const line of readLines(path, start, gen.nextLine)) {
      const decoded = decodeLineKeys(line.bytes);
      if (!line.terminated) {
        // A last line without newline: serve it if it is a whole record, else wait for the rest.
        if (decoded.kind === "run") {
          gen.index.add(decoded.keys, { offset: line.offset, length: line.bytes.length });
          gen.indexedBytes = line.offset + line.bytes.length;
          gen.provisionalTail = true;
          gen.nextLine = line.number + 1;
        }
        break;
      }
      if (decoded.kind === "run") {
        gen.index.add(decoded.keys, { offset: line.offset, length: line.bytes.length });
      } else if (decoded.kind === "invalid") {
        gen.skipped += 1;
        logger.warn("skipped JSONL line", { path, line: line.number, reason: decoded.reason });
      }
      gen.indexedBytes = line.offset + line.bytes.length + 1;
      gen.nextLine = line.number + 1;
      if (progress && line.number - lastReport >= 65536) {
        lastReport = line.number;
        progress(gen.indexedBytes);
      }
    }
  }

  async function build(initial: boolean): Promise<Generation> {
    const info = await fileStat();
    const handle = info ? await open(path, "r") : null;
    const gen: Generation = {
      index: new RunIndex(info ? Math.max(1024, Math.ceil(info.size / 400)) : 1024),
      handle,
      ino: info ? info.ino : null,
      indexedBytes: 0,
      provisionalTail: false,
      nextLine: 1,
      skipped: 0,
      users: 0,
      retired: false,
      cache: new Map(),
      summaries: null,
    };
    if (!info) return gen;
    try {
      await fill(gen, info.size, initial);
    } catch (error) {
      await handle?.close().catch(() => {});
      throw error;
    }
    return gen;
  }

  async function fill(gen: Generation, size: number, initial: boolean) {
    const began = performance.now();
    let lastLog = began;
    building = { lines: 0, bytes: 0, total: size };
    await consume(gen, 0, (bytes) => {
      building = { lines: gen.nextLine - 1, bytes, total: size };
      const now = performance.now();
      if (initial && now - lastLog >= 1000) {
        lastLog = now;
        logger.info("indexing", {
          path,
          lines: building.lines,
          percent: Math.round((100 * bytes) / Math.max(1, size)),
          lines_per_s: Math.round(building.lines / ((now - began) / 1000)),
        });
      }
    });
    // Parsing the whole file leaves a heap of garbage; give it back before serving.
    Bun.gc(true);
    logger.info("indexed", {
      path,
      records: gen.index.size,
      skipped_lines: gen.skipped,
      seconds: Number(((performance.now() - began) / 1000).toFixed(2)),
    });
  }

  function retire(gen: Generation) {
    gen.retired = true;
    if (gen.users === 0) void gen.handle?.close().catch(() => {});
  }

  /** Set when a read found a line that is not what the index says: the file was rewritten. */
  let rewritten = false;

  async function doSync() {
    const gen = generation;
    if (!gen) return;
    const info = await fileStat();
    const replaced = rewritten || (info ? info.ino !== gen.ino || info.size < gen.indexedBytes : gen.ino !== null);
    rewritten = false;
    if (replaced) {
      logger.info("JSONL file replaced or truncated; re-indexing", { path });
      const next = await build(false);
      generation = next;
      retire(gen);
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
        retire(gen);
        return;
      }
      gen.provisionalTail = false;
      gen.indexedBytes = start = start + 1;
    }
    await consume(gen, start);
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
          lastError = describe(error);
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
        lastError = describe(error);
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

  /** Reads and decodes lines; a line that no longer decodes means the file was rewritten in
   * place, which the index cannot follow by size and inode alone. */
  async function readRuns(gen: Generation, offsets: ArrayLike<number>, lengths: ArrayLike<number>, scratch?: ScratchBuffer): Promise<PipelineRun[]> {
    if (!gen.handle || offsets.length === 0) return [];
    const { cache } = gen;
    // Exports (with a scratch buffer) bypass the cache: they would only flush it.
    const runs: (PipelineRun | undefined)[] = scratch ? [] : Array.from(offsets, (offset) => cache.get(offset));
    const missing: number[] = [];
    for (let i = 0; i < offsets.length; i++) if (runs[i] === undefined) missing.push(i);
    if (missing.length === 0) return runs as PipelineRun[];
    gen.users += 1;
    try {
      const lines = await fetchLines(
        gen.handle,
        missing.map((i) => offsets[i] as number),
        missing.map((i) => lengths[i] as number),
        scratch,
      );
      lines.forEach((bytes, k) => {
        const decoded = decodeLine(bytes);
        if (decoded.kind !== "run") throw new StaleIndexError();
        const i = missing[k] as number;
        runs[i] = decoded.run;
        if (!scratch) {
          cache.set(offsets[i] as number, decoded.run);
          if (cache.size > CACHE_RUNS) cache.delete(cache.keys().next().value as number);
        }
      });
      return runs as PipelineRun[];
    } catch (error) {
      if (error instanceof StaleIndexError) throw error;
      throw new StoreUnavailableError(`cannot read ${path}: ${describe(error)}`, 5, { cause: error });
    } finally {
      gen.users -= 1;
      if (gen.retired && gen.users === 0) void gen.handle?.close().catch(() => {});
    }
  }

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

  /**
   * The stored runs with the identities of `runs` (by identityKey). Candidates come from the
   * index (same start, same identity hash); only those lines are read and compared.
   */
  async function storedIdentities(gen: Generation, runs: readonly PipelineRun[]): Promise<Map<string, PipelineRun>> {
    const byStart = new Map<number, Set<number>>();
    for (const run of runs) {
      const start = parseDateTime(run.start_utc)?.epochMicros ?? Number.NaN;
      let hashes = byStart.get(start);
      if (!hashes) byStart.set(start, (hashes = new Set()));
      hashes.add(identityHash(run.pipeline_name, run.date_code, run.pid));
    }
    const positions: number[] = [];
    for (const [start, hashes] of byStart) for (const list of gen.index.identityCandidates(start, hashes).values()) positions.push(...list);
    const found = new Map<string, PipelineRun>();
    if (positions.length === 0) return found;
    const refs = positions.map((p) => gen.index.ref(p));
    for (const run of await readRuns(gen, refs.map((r) => r.offset), refs.map((r) => r.length))) {
      const key = identityKey(run);
      if (!found.has(key)) found.set(key, run);
    }
    return found;
  }

  /** Identities being inserted right now: a second insert of one waits for the first. */
  const inFlight = new Map<string, Promise<void>>();

  async function claim(keys: string[]): Promise<() => void> {
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const claimed: string[] = [];
    // A fixed order over all inserts means two batches can never wait for each other in a cycle.
    for (const key of [...new Set(keys)].sort()) {
      for (let other = inFlight.get(key); other; other = inFlight.get(key)) await other;
      inFlight.set(key, done);
      claimed.push(key);
    }
    return () => {
      for (const key of claimed) inFlight.delete(key);
      release();
    };
  }

  return {
    backend: "jsonl",

    findRuns(query: FindRunsQuery): Promise<RunPage> {
      return reading(async (gen) => {
        const { index } = gen;
        const order = query.order ?? NEWEST_FIRST;
        const { total, positions, more } = index.page(index.select(query.filter), {
          order,
          offset: query.offset,
          limit: query.limit,
          after: query.after,
          total: query.includeTotal !== false,
        });
        const refs = positions.map((p) => index.ref(p));
        const runs = await readRuns(gen, refs.map((r) => r.offset), refs.map((r) => r.length));
        const last = positions.at(-1);
        return { total, runs, next: more && last !== undefined ? index.keysetAt(last, order.field) : null };
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
          runs = await readRuns(gen, offsets.subarray(i, i + STREAM_BATCH), lengths.subarray(i, i + STREAM_BATCH), scratch);
        } catch (error) {
          if (!(error instanceof StaleIndexError)) throw error;
          rewritten = true;
          void sync().catch(() => {});
          throw new StoreUnavailableError(`${path} was rewritten during the export; retry`, 1);
        }
        yield* runs;
        // Decoding and re-encoding every run makes garbage faster than the collector's own pace
        // would free it: without this an export of 1M runs grows the process by ~200 MiB, with
        // it by ~40 MiB, for about 30% more time (tests/bench, all_data row).
        if ((i / STREAM_BATCH) % GC_EVERY_BATCHES === GC_EVERY_BATCHES - 1) Bun.gc(true);
      }
    },

    async countRuns(filter: RunFilter): Promise<number> {
      const { index } = await current();
      return index.count(index.select(filter));
    },

    async summarizePipelines(filter: RunFilter = {}): Promise<PipelineStats[]> {
      const gen = await current();
      const { index } = gen;
      const selection = index.select(filter);
      const everything = selection.all && selection.lo === 0 && selection.hi === index.size;
      if (!everything) return index.summaries(selection);
      // Rows are only ever added, so the size tells whether the cached answer is still current.
      if (gen.summaries?.size !== index.size) gen.summaries = { size: index.size, value: index.summaries(selection) };
      return gen.summaries.value;
    },

    async runHistory(filter: RunFilter, bucket: HistoryBucketSize, timeZone: string): Promise<HistorySeries[]> {
      const { index } = await current();
      const builder = new HistoryBuilder(new TimeBuckets(timeZone, bucket));
      index.scan(index.select(filter), (i) => {
        builder.add(index.labelValue(i, 0), index.start[i] as number, index.elapsed[i] as number, index.rowcount[i] as number);
      });
      return builder.results();
    },

    async insertRuns(runs: readonly PipelineRun[]): Promise<InsertOutcome[]> {
      await current();
      if (!writer) throw new StoreReadOnlyError(`this instance serves reads only: ${readOnlyReason ?? "no writer lock"}`);
      const keys = runs.map(identityKey);
      const release = await claim(keys);
      try {
        const gen = await current();
        const stored = await storedIdentities(gen, runs);
        const outcomes: InsertOutcome[] = [];
        const created: PipelineRun[] = [];
        const inBatch = new Map<string, PipelineRun>();
        for (let i = 0; i < runs.length; i++) {
          const run = runs[i] as PipelineRun;
          const key = keys[i] as string;
          const existing = inBatch.get(key) ?? stored.get(key);
          if (existing) {
            const fields = differingFields(existing, run);
            outcomes.push(fields.length ? { status: "conflict", run: existing, fields } : { status: "existing", run: existing });
            continue;
          }
          inBatch.set(key, run);
          created.push(run);
          outcomes.push({ status: "created", run });
        }
        if (created.length === 0) return outcomes;
        let placed: AppendedLine[];
        try {
          placed = await appender.append(created.map(encodeRun));
        } catch (error) {
          throw new StoreUnavailableError(`cannot append to ${path}: ${describe(error)}`, 5, { cause: error });
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
      if (generation) retire(generation);
    },
  };
}
