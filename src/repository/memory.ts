import { planInsert } from "../domain/insert-plan.ts";
import { labelValues, type PipelineRun } from "../domain/pipeline-info.ts";
import type { HistoryBucketSize, HistorySeries, PipelineStats } from "../domain/pipeline-stats.ts";
import type { RunFilter } from "../domain/run-filter.ts";
import { identityKey } from "../domain/run-identity.ts";
import { NEWEST_FIRST, type RunOrder } from "../domain/run-ordering.ts";
import { TimeBuckets } from "../domain/time-buckets.ts";
import { StatsBuilder } from "./in-process/group-stats.ts";
import { HistoryBuilder } from "./in-process/history-builder.ts";
import { comparator, compareKeysets, type KeyedRun, keyRun, keysetOf } from "./in-process/keyed-run.ts";
import { matcher } from "./in-process/run-matcher.ts";
import type { FindRunsQuery, InsertOutcome, RunPage, RunRepository, StoreHealth } from "./port.ts";

/**
 * A store that keeps runs in process memory. It passes the same contract suite as the durable
 * stores, so HTTP tests and edge deployments without a file system can rely on it.
 */
export function createMemoryRepository(initial: readonly PipelineRun[] = []): RunRepository {
  const runs: KeyedRun[] = [];
  const byIdentity = new Map<string, KeyedRun>();
  let seq = 0;
  /** Bumped by every change, for dataVersion. */
  let changes = 0;

  const store = (run: PipelineRun) => {
    const k = keyRun(structuredClone(run), seq++);
    runs.push(k);
    byIdentity.set(identityKey(run), k);
  };
  for (const run of initial) store(run);

  const matching = (filter: RunFilter, order: RunOrder = NEWEST_FIRST) => runs.filter(matcher(filter)).sort(comparator(order));

  return {
    backend: "memory",

    async findRuns(query: FindRunsQuery): Promise<RunPage> {
      const order = query.order ?? NEWEST_FIRST;
      const all = matching(query.filter, order);
      let from = query.offset ?? 0;
      if (query.after) {
        const after = query.after;
        const index = all.findIndex((k) => compareKeysets(keysetOf(k, order.field), after, order.descending) > 0);
        from = index < 0 ? all.length : index;
      }
      const page = all.slice(from, from + query.limit);
      const last = page.at(-1);
      return {
        total: query.includeTotal === false ? null : all.length,
        runs: page.map((k) => structuredClone(k.run)),
        next: last && from + page.length < all.length ? keysetOf(last, order.field) : null,
      };
    },

    async *streamRuns(filter: RunFilter, order?: RunOrder, onTotal?: (total: number) => void): AsyncIterable<PipelineRun> {
      const matches = matching(filter, order);
      onTotal?.(matches.length);
      for (const k of matches) yield structuredClone(k.run);
    },

    async countRuns(filter: RunFilter): Promise<number> {
      return runs.filter(matcher(filter)).length;
    },

    async summarizePipelines(filter: RunFilter = {}): Promise<PipelineStats[]> {
      const builder = new StatsBuilder();
      for (const k of runs.filter(matcher(filter))) {
        builder.add(labelValues(k.run), { startMicros: k.startMicros, seq: k.seq, elapsed: k.run.elapsed_seconds, rowcount: k.run.rowcount });
      }
      return builder.results();
    },

    async runHistory(filter: RunFilter, bucket: HistoryBucketSize, timeZone: string): Promise<HistorySeries[]> {
      const builder = new HistoryBuilder(new TimeBuckets(timeZone, bucket));
      for (const k of runs.filter(matcher(filter))) builder.add(k.run.pipeline_name, k.startMicros, k.run.elapsed_seconds, k.run.rowcount);
      return builder.results();
    },

    async insertRuns(batch: readonly PipelineRun[]): Promise<InsertOutcome[]> {
      const stored = new Map<string, PipelineRun>();
      for (const run of batch) {
        const existing = byIdentity.get(identityKey(run));
        if (existing) stored.set(identityKey(run), existing.run);
      }
      const { outcomes, fresh } = planInsert(batch, stored);
      for (const run of fresh) store(run);
      if (fresh.length > 0) changes += 1;
      return outcomes.map((o) => ({ ...o, run: structuredClone(o.run) }));
    },

    async deleteRuns(filter: RunFilter): Promise<number> {
      const doomed = matcher(filter);
      const kept = runs.filter((k) => !doomed(k));
      const removed = runs.length - kept.length;
      if (removed > 0) changes += 1;
      runs.splice(0, runs.length, ...kept);
      byIdentity.clear();
      for (const k of runs) byIdentity.set(identityKey(k.run), k);
      return removed;
    },

    async dataVersion(): Promise<string> {
      return String(changes);
    },

    async health(): Promise<StoreHealth> {
      return { status: "healthy", records: runs.length };
    },

    async close(): Promise<void> {},
  };
}
