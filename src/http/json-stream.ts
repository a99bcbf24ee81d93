import type { PipelineRun } from "../domain/pipeline-info.ts";

const encoder = new TextEncoder();

/**
 * The all_data answer as a stream: `{"total":N,"count":N,"results":[...],"pipelines":[...]}`
 * written run by run, so memory stays flat however many runs match. The count comes first so
 * `total` is right before the first run is sent; a client that goes away stops the iteration.
 */
export function streamRunEnvelope(total: number, runs: AsyncIterable<PipelineRun>): ReadableStream<Uint8Array> {
  const iterator = runs[Symbol.asyncIterator]();
  const names = new Set<string>();
  let count = 0;
  let state: "head" | "body" | "done" = "head";
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (state === "head") {
          state = "body";
          controller.enqueue(encoder.encode(`{"total":${total},"results":[`));
          return;
        }
        if (state === "done") return;
        // Batch a few runs per chunk: one enqueue per run costs more than the JSON itself.
        let text = "";
        for (let i = 0; i < 256; i++) {
          const next = await iterator.next();
          if (next.done) {
            const pipelines = JSON.stringify([...names].sort());
            controller.enqueue(encoder.encode(`${text}],"count":${count},"pipelines":${pipelines}}`));
            controller.close();
            state = "done";
            return;
          }
          const run = next.value;
          if (run.pipeline_name !== null) names.add(run.pipeline_name);
          text += (count === 0 ? "" : ",") + JSON.stringify(run);
          count += 1;
        }
        controller.enqueue(encoder.encode(text));
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 1 },
  );
}
