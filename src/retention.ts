import { describeRule, type RetentionRule, retentionFilter } from "./domain/retention.ts";
import { StoreStartingError } from "./errors.ts";
import { type Logger, silentLogger } from "./logger.ts";
import type { RunRepository } from "./repository/port.ts";

/** What one pass of the retention rules removed (or, as a dry run, would remove), rule by rule. */
export interface RetentionReport {
  dryRun: boolean;
  rules: Array<{ rule: string; deleted: number }>;
  deleted: number;
}

export interface RetentionJob {
  readonly rules: readonly RetentionRule[];
  /** Applies every rule now; passes that overlap share one run. A dry run counts instead. */
  runNow(options?: { dryRun?: boolean }): Promise<RetentionReport>;
  /** Applies the rules now (once the store is ready) and then every interval, until stop(). */
  start(): void;
  stop(): void;
  /** Calls `listener` with the count of every removal the job makes (metrics count them). */
  onDeleted(listener: (count: number) => void): void;
}

export interface RetentionJobOptions {
  repository: RunRepository;
  rules: readonly RetentionRule[];
  intervalMs: number;
  logger?: Logger;
  now?: () => Date;
}

const STARTING_RETRY_MS = 5000;

/**
 * Age-based retention: each rule removes the runs that ended more than its number of days ago.
 * It runs on a timer of its own, so it never delays a request, and a failed pass is logged and
 * tried again at the next one.
 */
export function createRetentionJob(options: RetentionJobOptions): RetentionJob {
  const { repository, rules, intervalMs, logger = silentLogger, now = () => new Date() } = options;
  const listeners: Array<(count: number) => void> = [];
  let running: Promise<RetentionReport> | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  async function pass(dryRun: boolean): Promise<RetentionReport> {
    const at = now();
    const report: RetentionReport = { dryRun, rules: [], deleted: 0 };
    for (const rule of rules) {
      const filter = retentionFilter(rule, at);
      const deleted = dryRun ? await repository.countRuns(filter) : await repository.deleteRuns(filter);
      if (!dryRun && deleted > 0) for (const listener of listeners) listener(deleted);
      report.rules.push({ rule: describeRule(rule), deleted });
      report.deleted += deleted;
    }
    return report;
  }

  function runNow({ dryRun = false } = {}): Promise<RetentionReport> {
    if (dryRun) return pass(true);
    running ??= pass(false).finally(() => {
      running = null;
    });
    return running;
  }

  function schedule(delayMs: number) {
    if (stopped) return;
    timer = setTimeout(async () => {
      try {
        const report = await runNow();
        if (report.deleted > 0) logger.info("retention removed runs", { deleted: report.deleted, rules: report.rules });
        schedule(intervalMs);
      } catch (error) {
        const starting = error instanceof StoreStartingError;
        if (!starting) logger.warn("retention pass failed; trying again later", { error: error instanceof Error ? error.message : String(error) });
        schedule(starting ? Math.min(STARTING_RETRY_MS, intervalMs) : intervalMs);
      }
    }, delayMs);
    // A pending pass must not keep a stopping process alive.
    (timer as { unref?: () => void }).unref?.();
  }

  return {
    rules,
    runNow,
    start() {
      if (rules.length === 0 || timer) return;
      logger.info("retention on", { rules: rules.map(describeRule), every_minutes: intervalMs / 60_000 });
      schedule(0);
    },
    onDeleted(listener) {
      listeners.push(listener);
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
