import type { RunFilter } from "../domain/run-filter.ts";
import type { RunOrder } from "../domain/run-ordering.ts";
import type { EncodedRuns, RunRepository } from "../repository/port.ts";

/** Wraps a store so that every operation reports its duration (seconds) by name. */
export function instrumentRepository(inner: RunRepository, observe: (operation: string, seconds: number) => void): RunRepository {
  const timed =
    <A extends unknown[], R>(operation: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const began = performance.now();
      try {
        return await fn(...args);
      } finally {
        observe(operation, (performance.now() - began) / 1000);
      }
    };
  const streamJson = inner.streamRunsJson?.bind(inner);
  return {
    ...(streamJson
      ? {
          async *streamRunsJson(
            filter: RunFilter,
            order: RunOrder | undefined,
            names: Set<string>,
            onTotal?: (total: number) => void,
            separator?: "," | "\n",
          ): AsyncIterable<EncodedRuns> {
            const began = performance.now();
            try {
              yield* streamJson(filter, order, names, onTotal, separator);
            } finally {
              observe("stream_runs", (performance.now() - began) / 1000);
            }
          },
        }
      : {}),
    backend: inner.backend,
    findRuns: timed("find_runs", (q) => inner.findRuns(q)),
    countRuns: timed("count_runs", (f) => inner.countRuns(f)),
    summarizePipelines: timed("summarize_pipelines", (f) => inner.summarizePipelines(f)),
    runHistory: timed("run_history", (f, b, z) => inner.runHistory(f, b, z)),
    insertRuns: timed("insert_runs", (r) => inner.insertRuns(r)),
    deleteRuns: timed("delete_runs", (f) => inner.deleteRuns(f)),
    health: timed("health", () => inner.health()),
    dataVersion: () => inner.dataVersion(),
    close: () => inner.close(),
    async *streamRuns(filter, order, onTotal) {
      const began = performance.now();
      try {
        yield* inner.streamRuns(filter, order, onTotal);
      } finally {
        observe("stream_runs", (performance.now() - began) / 1000);
      }
    },
  };
}
