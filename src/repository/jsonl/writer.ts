import type { PipelineRun } from "../../domain/pipeline-info.ts";
import { decodeRunKeys } from "../../domain/run-decoder.ts";
import { identityKey } from "../../domain/run-identity.ts";
import { StoreReadOnlyError, StoreUnavailableError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import { planInsert } from "../insert-plan.ts";
import type { InsertOutcome } from "../port.ts";
import { type AppendedLine, type FsyncMode, createAppender } from "./appender.ts";
import type { Follower } from "./follower.ts";
import { describeError } from "./generation.ts";
import { identityClaims, storedIdentities } from "./identity-lookup.ts";
import { encodeRun } from "./record-codec.ts";
import { type WriterLock, tryLockWriter } from "./writer-lock.ts";

export interface WriterOptions {
  path: string;
  fsync: FsyncMode;
  logger: Logger;
  /** How often a read-only instance retries the writer lock (ms). */
  lockRetryMs: number;
}

/**
 * The one writer of a JSONL file: owns the writer lock, the appends and the identity claims
 * that keep two inserts of one identity from both writing it.
 */
export class JsonlWriter {
  private readonly appender;
  private readonly claim = identityClaims();
  private lock: WriterLock | null = null;
  private readOnlyReason: string | null = null;
  private lastLockTry = Date.now();

  constructor(
    private readonly options: WriterOptions,
    private readonly follower: Follower,
  ) {
    this.appender = createAppender(options.path, options.fsync);
  }

  /** Why this instance may not write, or null when it holds the lock. */
  get readOnly(): string | null {
    return this.readOnlyReason;
  }

  /** Takes the writer lock unless this instance holds it already. */
  async ensureLock(): Promise<void> {
    if (!this.lock) await this.acquireLock();
  }

  /** One step of the follow loop: a read-only instance retries the lock now and then. */
  tick(): void {
    if (this.lock || Date.now() - this.lastLockTry < this.options.lockRetryMs) return;
    this.lastLockTry = Date.now();
    void this.acquireLock();
  }

  /** Stores the runs not stored yet, as one append; resolves once they are durable and indexed. */
  async insert(runs: readonly PipelineRun[]): Promise<InsertOutcome[]> {
    const { follower } = this;
    await follower.current();
    if (!this.lock) throw new StoreReadOnlyError(`this instance serves reads only: ${this.readOnlyReason ?? "no writer lock"}`);
    const keys = runs.map(identityKey);
    const release = await this.claim(keys);
    try {
      const gen = await follower.current();
      const stored = await storedIdentities(gen, runs, (offsets, lengths) => follower.read(gen, offsets, lengths));
      const { outcomes, fresh: created } = planInsert(runs, stored, keys);
      if (created.length === 0) return outcomes;
      let placed: AppendedLine[];
      try {
        placed = await this.appender.append(created.map(encodeRun));
      } catch (error) {
        throw new StoreUnavailableError(`cannot append to ${this.options.path}: ${describeError(error)}`, 5, { cause: error });
      }
      // Read-your-writes: the answer goes out once the runs are in the index too.
      await follower.indexAppended(
        created.map((run) => {
          const decoded = decodeRunKeys(run);
          return decoded.ok ? decoded.keys : null;
        }),
        placed,
      );
      return outcomes;
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    await this.appender.close();
  }

  async releaseLock(): Promise<void> {
    await this.lock?.release().catch(() => {});
    this.lock = null;
  }

  private async acquireLock(): Promise<void> {
    const { path, logger } = this.options;
    const result = await tryLockWriter(path).catch((error): { ok: false; reason: string } => ({ ok: false, reason: describeError(error) }));
    if (result.ok) {
      if (this.readOnlyReason) logger.info("took the writer lock", { path });
      this.lock = result.lock;
      this.readOnlyReason = null;
    } else if (this.readOnlyReason !== result.reason) {
      this.readOnlyReason = result.reason;
      logger.warn("serving reads only", { path, reason: result.reason });
    }
  }
}
