import type { PipelineRun } from "../../domain/pipeline-info.ts";
import type { RunKeys } from "../../domain/run-decoder.ts";
import { StoreStartingError, StoreUnavailableError } from "../../errors.ts";
import { yieldToEventLoop } from "../../event-loop.ts";
import { BackoffLog } from "../../log-backoff.ts";
import type { Logger } from "../../logger.ts";
import type { AppendedLine } from "./appender.ts";
import {
  BuildCancelledError,
  type BuildProgress,
  buildGeneration,
  consumeLines,
  describeError,
  fileStat,
  type Generation,
  retireGeneration,
} from "./generation.ts";
import type { ScratchBuffer } from "./line-fetcher.ts";
import { readRuns, StaleIndexError } from "./run-reader.ts";

const NEWLINE = 0x0a;

export interface FollowerOptions {
  path: string;
  logger: Logger;
  /** How long a request waits for the index at startup before a 503 (ms). */
  readyTimeoutMs: number;
  /** Runs before every attempt at the first build (the writer takes its lock there). */
  beforeBuild?: () => Promise<void>;
}

/** What /health needs to know of the index. */
export interface FollowerState {
  generation: Generation | null;
  lastError: string | null;
  percent: number;
  lines: number;
}

/**
 * Follows the file at the configured path: owns the current generation (the index of one
 * version of the file) and the only code that replaces or extends it. Invariants: the
 * generation's index covers exactly its file's first `indexedBytes` bytes; a rotation,
 * truncation or rewrite found by a sync or a read starts a new generation; after a failed sync
 * reads answer 503 rather than stale data, until a sync succeeds.
 */
export class Follower {
  private generation: Generation | null = null;
  private building: BuildProgress = { lines: 0, bytes: 0, total: 0 };
  private lastError: string | null = null;
  /** Set when a read found a line that is not what the index says: the file was rewritten. */
  private rewritten = false;
  private syncing: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private starting: Promise<void> | null = null;
  private ready: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly problems: BackoffLog;

  constructor(private readonly options: FollowerOptions) {
    this.problems = new BackoffLog(options.logger);
  }

  /** Starts the first build; call once. */
  begin(): void {
    this.ready = this.start();
  }

  /** One step of the follow loop: retries the first build, or syncs. False while there is no index. */
  tick(): boolean {
    if (!this.generation) {
      if (!this.starting && !this.closed) void this.start();
      return false;
    }
    void this.sync().catch(() => {});
    return true;
  }

  /** The current generation; waits for the first build up to readyTimeoutMs. */
  async current(): Promise<Generation> {
    if (!this.generation) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.starting ?? this.ready, new Promise((resolve) => (timer = setTimeout(resolve, this.options.readyTimeoutMs)))]);
      clearTimeout(timer);
    }
    // A failed sync means the file can no longer be read as indexed: answer 503, not stale data.
    if (this.lastError) throw new StoreUnavailableError(`cannot read ${this.options.path}: ${this.lastError}`);
    if (this.generation) return this.generation;
    throw new StoreStartingError(`the JSONL index is still being built (${this.percent()}%)`);
  }

  /** Reads and decodes the runs at the given lines of `gen`'s file. */
  read(gen: Generation, offsets: ArrayLike<number>, lengths: ArrayLike<number>, scratch?: ScratchBuffer): Promise<PipelineRun[]> {
    return readRuns(gen, this.options.path, offsets, lengths, scratch);
  }

  /** Runs a read; when the file turns out rewritten, re-indexes and tries once more. */
  async reading<T>(read: (gen: Generation) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await read(await this.current());
      } catch (error) {
        if (!(error instanceof StaleIndexError)) throw error;
        if (attempt > 0) throw new StoreUnavailableError(`${this.options.path} keeps changing while it is read; retry`, 1);
        this.rewritten = true;
        await this.sync();
      }
    }
  }

  /** A read in progress found the file rewritten: re-index in the background. */
  noticeRewrite(): void {
    this.rewritten = true;
    void this.sync().catch(() => {});
  }

  /**
   * Read-your-writes: brings lines this process just appended into the index before the
   * answer goes out, without reading them back where that is certainly right, else by a sync.
   */
  async indexAppended(keys: readonly (RunKeys | null)[], placed: readonly AppendedLine[]): Promise<void> {
    // The writer found the file truncated in place: what the index holds of it is gone.
    if (placed.some((p) => p.rewound)) this.rewritten = true;
    let indexed = !this.rewritten;
    for (let i = 0; i < keys.length && indexed; i++) indexed = this.indexOwnLine(keys[i] ?? null, placed[i] as AppendedLine);
    if (!indexed) await this.sync().catch(() => {});
    // A backfill of many past runs merges in slices before the answer goes out.
    else await this.generation?.index.settle(yieldToEventLoop);
  }

  /** Brings the index up to the file. Calls during a sync share one follow-up sync, which
   * starts after the running one and so sees every byte written before the call. */
  sync(): Promise<void> {
    if (!this.syncing) {
      this.syncing = this.doSync()
        .then(() => {
          this.lastError = null;
          this.problems.recover("the JSONL file can be read again", { path: this.options.path });
        })
        .catch((error) => {
          this.lastError = describeError(error);
          this.problems.report("error", "cannot read the JSONL file", { path: this.options.path, error: this.lastError });
          throw error;
        })
        .finally(() => {
          this.syncing = null;
        });
      return this.syncing;
    }
    this.queued ??= this.syncing
      .catch(() => {})
      .then(() => {
        this.queued = null;
        return this.sync();
      });
    return this.queued;
  }

  state(): FollowerState {
    return { generation: this.generation, lastError: this.lastError, percent: this.percent(), lines: this.building.lines };
  }

  async close(): Promise<void> {
    this.closed = true;
    await (this.starting ?? this.ready);
    await this.syncing?.catch(() => {});
    if (this.generation) retireGeneration(this.generation);
  }

  private percent(): number {
    return Math.floor((100 * this.building.bytes) / Math.max(1, this.building.total));
  }

  private build(announce: boolean): Promise<Generation> {
    return buildGeneration(
      this.options.path,
      this.options.logger,
      (p) => {
        this.building = p;
      },
      announce,
      () => this.closed,
    );
  }

  /** The first build; retried by the follow loop until it succeeds (say, the file becomes readable). */
  private start(): Promise<void> {
    this.starting ??= (async () => {
      await this.options.beforeBuild?.();
      this.generation = await this.build(true);
      if (this.generation.ino === null) this.options.logger.info("no JSONL file yet: it is created with the first run stored", { path: this.options.path });
      this.lastError = null;
      this.problems.recover("the JSONL file can be read again", { path: this.options.path });
    })()
      .catch((error) => {
        // Closing stops a build between two slices; that is no failure of the file.
        if (error instanceof BuildCancelledError) return;
        this.lastError = describeError(error);
        this.problems.report("error", "cannot index the JSONL file", { path: this.options.path, error: this.lastError });
      })
      .finally(() => {
        this.starting = null;
      });
    return this.starting;
  }

  private async replace(gen: Generation): Promise<void> {
    const next = await this.build(false);
    this.generation = next;
    retireGeneration(gen);
  }

  private async doSync(): Promise<void> {
    const gen = this.generation;
    if (!gen) return;
    const { path, logger } = this.options;
    const info = await fileStat(path);
    const wasRewritten = this.rewritten;
    const replaced = wasRewritten || (info ? info.ino !== gen.ino || info.size < gen.indexedBytes : gen.ino !== null);
    this.rewritten = false;
    if (replaced) {
      // A file that did not exist at start and now does was created (by our first write, say).
      if (gen.ino === null && !wasRewritten) logger.debug("JSONL file created", { path });
      else logger.info("JSONL file replaced or truncated; re-indexing", { path });
      return this.replace(gen);
    }
    if (!info || info.size === gen.indexedBytes) return;
    let start = gen.indexedBytes;
    if (gen.provisionalTail) {
      const byte = new Uint8Array(1);
      await gen.handle?.read(byte, 0, 1, start);
      // The unterminated line we served grew: it was not whole after all. Start over.
      if (byte[0] !== NEWLINE) return this.replace(gen);
      gen.provisionalTail = false;
      gen.indexedBytes = start = start + 1;
    }
    await consumeLines(gen, path, logger, start, { cancelled: () => this.closed });
  }

  /**
   * Indexes a line we just wrote without reading it back, when that is certainly right: the
   * write landed where expected, everything before it is indexed, and no sync is reading the
   * file meanwhile (it would index the line a second time). Otherwise the caller syncs.
   */
  private indexOwnLine(keys: RunKeys | null, placed: AppendedLine): boolean {
    const gen = this.generation;
    // A generation without a handle indexed a file that did not exist yet: sync picks up the new one.
    if (!keys || !gen?.handle || this.syncing || !placed.exact || placed.ino !== gen.ino) return false;
    let expected = gen.indexedBytes;
    // The appender put a newline after a whole record that had none; step over it.
    if (gen.provisionalTail) expected += 1;
    if (placed.offset !== expected) return false;
    gen.index.add(keys, { offset: placed.offset, length: placed.length - 1 });
    gen.provisionalTail = false;
    gen.indexedBytes = placed.offset + placed.length;
    gen.nextLine += 1;
    return true;
  }
}
