import type { PipelineRun } from "../domain/pipeline-info.ts";
import { streamText } from "./export-stream.ts";

/**
 * The all_data answer as a stream: `{"total":N,"results":[...],"count":N,"pipelines":[...]}`
 * written run by run, so memory stays flat however many runs match. The count comes first so
 * `total` is right before the first run is sent; a client that goes away stops the iteration.
 */
export function streamRunEnvelope(total: number, runs: AsyncIterable<PipelineRun>): ReadableStream<Uint8Array> {
  const names = new Set<string>();
  let count = 0;
  const line = (run: PipelineRun) => {
    if (run.pipeline_name !== null) names.add(run.pipeline_name);
    return (count++ === 0 ? "" : ",") + JSON.stringify(run);
  };
  const tail = () => `],"count":${count},"pipelines":${JSON.stringify([...names].sort())}}`;
  return streamText(`{"total":${total},"results":[`, runs, line, tail);
}
