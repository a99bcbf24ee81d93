import { rm } from "node:fs/promises";
import { planInsert } from "../../domain/insert-plan.ts";
import type { PipelineRun } from "../../domain/pipeline-info.ts";
import { decodeRunKeys, type RunKeys } from "../../domain/run-decoder.ts";
import type { RunFilter } from "../../domain/run-filter.ts";
import { identityKey } from "../../domain/run-identity.ts";
import { InvalidInputError, StoreReadOnlyError, StoreUnavailableError } from "../../errors.ts";
import { BackoffLog } from "../../log-backoff.ts";
import type { Logger } from "../../logger.ts";
import type { CompactionReport, InsertOutcome } from "../port.ts";
import { failureCause, WriteFailures } from "../write-failures.ts";
import { type AppendFiles, nodeAppendFiles } from "./append-files.ts";
import { type AppendedLine, createAppender, type FsyncMode, PathChangedError } from "./appender.ts";
import { archivePathFor, type CompactionPhase, type CompactionResult, compactFile, compactionTempPath } from "./compaction.ts";
import type { Follower } from "./follower.ts";
import { describeError } from "./generation.ts";
import { identityClaims, storedIdentities } from "./identity-lookup.ts";
import { encodeRun } from "./record-codec.ts";
import { StaleIndexError } from "./run-reader.ts";
import { tryLockWriter, type WriterLock } from "./writer-lock.ts";

export interface WriterOptions {
  path: string;
  fsync: FsyncMode;
  logger: Logger;
  /** How often a read-only instance retries the writer lock (ms). */
  lockRetryMs: number;
  files?: AppendFiles;
  /** Write deleted runs to a gzip NDJSON archive beside the file before they leave it. */
  archiveDeleted?: boolean;
  /** Observes each phase of a deletion's file rewrite (the crash tests stop the process there). */
  onCompactionPhase?: (phase: CompactionPhase) => Promise<void> | void;
}

/** The lock file was deleted or replaced and another process holds the new one. */
class LockLostError extends StoreReadOnlyError {}

/** Appends tried when the path keeps changing under them. */
const APPEND_ATTEMPTS = 3;

/** Below this much free space a disk that was full still counts as full. */
const MIN_FREE_BYTES = 64 * 1024;

/**
 * The one writer of a JSONL file: owns the writer lock, the appends (all or nothing, always to
 * the file at the path) and the identity claims that keep two inserts of one identity from both
 * writing it. A lock that is lost (its file deleted with the data folder, or replaced) is taken
 * again before anything more is written, or writes answer 503 until it is.
 */
export class JsonlWriter {
  private readonly appender;
  private readonly claim = identityClaims();
  private lock: WriterLock | null = null;
  private readOnlyReason: string | null = null;
  private lockError: string | null = null;
  private lastLockTry = Date.now();
  private readonly failures = new WriteFailures();
  private readonly problems: BackoffLog;
  private probing = false;
  /** The lock being taken or taken again: one attempt at a time, shared by every caller. */
  private lockChange: Promise<void> | null = null;
  private deletions: Promise<unknown> = Promise.resolve();
  private compacted: CompactionReport | undefined;

  constructor(
    private readonly options: WriterOptions,
    private readonly follower: Follower,
  ) {
    this.problems = new BackoffLog(options.logger);
    this.appender = createAppender(options.path, {
      fsync: options.fsync,
      files: options.files,
      guard: () => this.holdLock(),
      onReopen: (reason) => options.logger.warn("the JSONL path changed; appending to the file now at the path", { path: options.path, reason }),
    });
  }

  /** Why this instance may not write, or null when it holds the lock. */
  get readOnly(): string | null {
    return this.readOnlyReason;
  }

  /** Why writes fail right now (the last one failed and nothing succeeded since), or null. */
  get failing(): string | null {
    return this.failures.current?.reason ?? this.lockError;
  }

  /** Write failures so far, by cause. */
  failureTotals(): Record<string, number> {
    return this.failures.totals();
  }

  /** Takes the writer lock unless this instance holds it already. */
  async ensureLock(): Promise<void> {
    if (!this.lock) await this.changeLock(() => this.acquireLock());
  }

  /** One step of the follow loop: a read-only instance retries the lock now and then; while
   * writes fail, a probe finds out whether they would work again. */
  tick(): void {
    if (this.failures.current) void this.probe();
    if (this.lock || this.lockChange || Date.now() - this.lastLockTry < this.options.lockRetryMs) return;
    this.lastLockTry = Date.now();
    void this.changeLock(() => this.acquireLock());
  }

  /** Stores the runs not stored yet, as one append; resolves once they are durable and indexed. */
  async insert(runs: readonly PipelineRun[]): Promise<InsertOutcome[]> {
    const { follower } = this;
    await follower.current();
    if (!(await this.currentLock())) throw new StoreReadOnlyError(`this instance serves reads only: ${this.readOnlyReason ?? "no writer lock"}`);
    const keys = runs.map(identityKey);
    const release = await this.claim(keys);
    try {
      const gen = await follower.current();
      const stored = await storedIdentities(gen, runs, (offsets, lengths) => follower.read(gen, offsets, lengths));
      const { outcomes, fresh: created } = planInsert(runs, stored, keys);
      if (created.length === 0) return outcomes;
      await this.store(created);
      return outcomes;
    } finally {
      release();
    }
  }

  /** The last deletion this writer carried out. */
  get lastCompaction(): CompactionReport | undefined {
    return this.compacted;
  }

  /**
   * Removes the runs matching `filter` as the index has them now by rewriting the file without
   * them (compaction.ts); runs stored meanwhile stay. Reads go on from the old file until the new
   * one is indexed. One deletion at a time.
   */
  remove(filter: RunFilter): Promise<number> {
    const turn = this.deletions.then(() => this.removeNow(filter));
    this.deletions = turn.catch(() => {});
    return turn;
  }

  private async removeNow(filter: RunFilter): Promise<number> {
    const { follower } = this;
    const { path, logger } = this.options;
    await follower.current();
    if (!(await this.currentLock())) throw new StoreReadOnlyError(`this instance serves reads only: ${this.readOnlyReason ?? "no writer lock"}`);
    await follower.sync();
    const gen = await follower.current();
    const { offsets, lengths } = gen.index.refs(gen.index.select(filter));
    if (offsets.length === 0) return 0;
    const began = performance.now();
    let result: CompactionResult;
    try {
      result = await compactFile(
        path,
        { offsets, lengths },
        {
          ino: gen.ino,
          archivePath: this.options.archiveDeleted ? archivePathFor(path) : undefined,
          holdWrites: (work) =>
            this.appender.exclusive(async () => {
              await this.holdLock();
              return work();
            }),
          onPhase: this.options.onCompactionPhase,
        },
      );
    } catch (error) {
      if (error instanceof StoreReadOnlyError) throw error;
      if (error instanceof StaleIndexError) {
        follower.noticeRewrite();
        throw new StoreUnavailableError(`${path} changed while runs were being deleted; retry`, 1);
      }
      throw new StoreUnavailableError(`cannot rewrite ${path}: ${describeError(error)}`, 5, { cause: error });
    }
    this.compacted = {
      finishedAt: new Date().toISOString(),
      seconds: (performance.now() - began) / 1000,
      removed: result.removed,
      bytesReclaimed: Math.max(0, result.bytesBefore - result.bytesAfter),
    };
    logger.info("deleted runs from the JSONL file", { path, ...this.compacted });
    // Our own replacement: the follower re-indexes the new file before this answers (a failure
    // there is a read failure of its own, not an undone deletion).
    follower.noticeRewrite();
    await follower.sync();
    return result.removed;
  }

  /** Appends runs known not to be stored; resolves once they are durable and indexed. */
  private async store(runs: readonly PipelineRun[]): Promise<void> {
    const { follower } = this;
    let pending = runs;
    for (let attempt = 1; ; attempt++) {
      const indexKeys = pending.map(readBack);
      const lines = pending.map(encodeRun);
      try {
        const placed = await this.append(lines, attempt < APPEND_ATTEMPTS);
        // Read-your-writes: the answer goes out once the runs are in the index too.
        await follower.indexAppended(indexKeys, placed);
        return;
      } catch (error) {
        if (!(error instanceof PathChangedError) || attempt >= APPEND_ATTEMPTS) throw error;
      }
      // The file was swapped during the write: index the one now at the path, which may hold a
      // copy of what we wrote (an editor copied it after our write), and write only the rest.
      await follower.sync().catch(() => {});
      const gen = await follower.current();
      const present = await storedIdentities(gen, pending, (offsets, lengths) => follower.read(gen, offsets, lengths));
      pending = pending.filter((run) => !present.has(identityKey(run)));
      if (pending.length === 0) return;
    }
  }

  async close(): Promise<void> {
    await this.appender.close();
  }

  async releaseLock(): Promise<void> {
    await this.lock?.release().catch(() => {});
    this.lock = null;
  }

  /** One append, its failures counted and logged unless `retrying` a changed path. */
  private async append(lines: string[], retrying: boolean): Promise<AppendedLine[]> {
    const { path } = this.options;
    try {
      const placed = await this.appender.append(lines);
      if (this.failures.succeeded()) this.problems.recover("appends to the JSONL file work again", { path });
      return placed;
    } catch (error) {
      if (retrying && error instanceof PathChangedError) throw error;
      const cause = error instanceof LockLostError ? "LOCK_LOST" : failureCause(error);
      const reason = `cannot append to ${path}: ${describeError(error)}`;
      this.failures.record(cause, reason);
      this.problems.report("error", "cannot append to the JSONL file", { path, cause, error: describeError(error) });
      // The follow loop may have indexed the lines before the failed write was taken back out:
      // a sync sees the file shorter than its index and re-indexes, so neither reads nor the
      // identity checks of a retry take runs that were never stored for stored ones.
      await this.follower.sync().catch(() => {});
      if (error instanceof StoreReadOnlyError) throw error;
      throw new StoreUnavailableError(reason, 5, { cause: error });
    }
  }

  /** The lock, once a take or retake in progress has settled. */
  private async currentLock(): Promise<WriterLock | null> {
    if (this.lockChange) await this.lockChange;
    return this.lock;
  }

  /**
   * Runs a take or retake of the lock unless one runs already, which callers then share: the
   * periodic retry, a retake after the lock file went and the build's first take are one path,
   * so two attempts never race (the loser would report this process as the holder it lost to,
   * or keep a second handle on the lock).
   */
  private changeLock(work: () => Promise<void>): Promise<void> {
    this.lockChange ??= work().finally(() => {
      this.lockChange = null;
    });
    return this.lockChange;
  }

  /** Checked before every write and before it is acknowledged. */
  private async holdLock(): Promise<void> {
    const lock = await this.currentLock();
    if (!lock) throw new LockLostError(`this instance serves reads only: ${this.readOnlyReason ?? "no writer lock"}`);
    if (await lock.held()) return;
    // Inserts arriving meanwhile wait for the retake instead of being refused.
    await this.changeLock(async () => {
      if (this.lock !== lock) return;
      this.lock = null;
      await lock.release().catch(() => {});
      this.options.logger.warn("the writer lock file was deleted or replaced; taking the lock again", { path: this.options.path });
      await this.acquireLock();
    });
    if (!this.lock) throw new LockLostError(`lost the writer lock: ${this.readOnlyReason ?? this.lockError ?? "cannot take it again"}`);
  }

  /** Whether appends would work again: lock held, the path opens for appending, and after a
   * full disk, space is free. Only clears the failure; a failing probe logs nothing. */
  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      const cause = this.failures.current?.cause;
      // Another process holds the lock now: a read replica, which /health reports as read_only.
      if (cause === "LOCK_LOST" && !this.lock && !this.lockError && this.readOnlyReason) {
        this.failures.succeeded();
        return;
      }
      await this.appender.append([]);
      const files = this.options.files ?? nodeAppendFiles;
      if ((cause === "ENOSPC" || cause === "EDQUOT") && (await files.freeBytes(this.options.path)) < MIN_FREE_BYTES) return;
      if (this.failures.succeeded()) this.problems.recover("appends to the JSONL file work again", { path: this.options.path });
    } catch {
    } finally {
      this.probing = false;
    }
  }

  private async acquireLock(): Promise<void> {
    const { path, logger } = this.options;
    const result = await tryLockWriter(path).catch((error): { ok: false; reason: string; error: true } => ({
      ok: false,
      reason: describeError(error),
      error: true,
    }));
    if (result.ok) {
      if (this.readOnlyReason) logger.info("took the writer lock", { path });
      // Only the writer rewrites the file, so a side file left now is from a rewrite that crashed.
      await rm(compactionTempPath(path), { force: true }).catch(() => {});
      this.lock = result.lock;
      this.readOnlyReason = null;
      this.lockError = null;
      return;
    }
    // Another holder makes this a read replica; an error taking the lock is a write failure.
    this.lockError = "error" in result ? `cannot take the writer lock: ${result.reason}` : null;
    if (this.readOnlyReason !== result.reason) {
      this.readOnlyReason = result.reason;
      logger.warn("serving reads only", { path, reason: result.reason });
    }
  }
}

/** The index keys of a run as the store's own reader will read its line back (the reader's
 * rules on the value JSON.parse gives back, which for a validated run is the run itself); a run
 * it would skip is refused rather than acknowledged and then never served. */
function readBack(run: PipelineRun): RunKeys {
  const decoded = decodeRunKeys(run);
  if (!decoded.ok) throw new InvalidInputError("body", `this record could not be read back once stored (${decoded.reason})`, "body");
  return decoded.keys;
}
