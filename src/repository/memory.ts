import type { PipelineRun } from "../domain/pipeline-info.ts";
import type { PipelineSummary } from "../domain/responses.ts";
import type { Page, RunFilter } from "../domain/run-query.ts";
import type { RunPage, RunRepository, StoreHealth } from "./port.ts";
import { type KeyedRun, SummaryBuilder, keyRun, matcher, newestFirst } from "./run-order.ts";

/**
 * A store that keeps runs in process memory. It passes the same contract suite as the durable
 * stores, so HTTP tests and edge deployments without a file system can rely on it.
 */
export function createMemoryRepository(initial: readonly PipelineRun[] = []): RunRepository {
  // Kept sorted in port order so reads are slices, not sorts.
  const runs: KeyedRun[] = [];
  let seq = 0;

  const insertSorted = (k: KeyedRun) => {
    let lo = 0;
    let hi = runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (newestFirst(runs[mid] as KeyedRun, k) <= 0) lo = mid + 1;
      else hi = mid;
    }
    runs.splice(lo, 0, k);
  };
  for (const run of initial) insertSorted(keyRun(structuredClone(run), seq++));

  const matching = (filter: RunFilter) => runs.filter(matcher(filter));

  return {
    backend: "memory",

    async findRuns(filter: RunFilter, page: Page): Promise<RunPage> {
      const all = matching(filter);
      const slice = all.slice(page.offset, page.offset + page.limit);
      return { total: all.length, runs: slice.map((k) => structuredClone(k.run)) };
    },

    async *streamRuns(filter: RunFilter): AsyncIterable<PipelineRun> {
      for (const k of matching(filter)) yield structuredClone(k.run);
    },

    async countRuns(filter: RunFilter): Promise<number> {
      return matching(filter).length;
    },

    async summarizePipelines(filter: RunFilter = {}): Promise<PipelineSummary[]> {
      const builder = new SummaryBuilder();
      for (const k of matching(filter)) builder.add(k);
      return builder.summaries();
    },

    async insertRun(run: PipelineRun): Promise<PipelineRun> {
      insertSorted(keyRun(structuredClone(run), seq++));
      return structuredClone(run);
    },

    async health(): Promise<StoreHealth> {
      return { status: "healthy", records: runs.length };
    },

    async close(): Promise<void> {},
  };
}
