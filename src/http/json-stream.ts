import type { PipelineRun } from "../domain/pipeline-info.ts";
import { streamText } from "./export-stream.ts";

/**
 * The all_data answer as a stream: `{"total":N,"results":[...],"count":N,"pipelines":[...]}`
 * written run by run, so memory stays flat however many runs match. `total` is asked for once
 * the iteration has begun (the store may know it from the snapshot it streams) and is written
 * before the first run; a client that goes away stops the iteration.
 */
export function streamRunEnvelope(total: () => Promise<number>, runs: AsyncIterable<PipelineRun>): ReadableStream<Uint8Array> {
  const names = new Set<string>();
  let count = 0;
  const line = (run: PipelineRun) => {
    if (run.pipeline_name !== null) names.add(run.pipeline_name);
    return (count++ === 0 ? "" : ",") + JSON.stringify(run);
  };
  const tail = () => `],"count":${count},"pipelines":${JSON.stringify([...names].sort())}}`;
  return streamText(async () => `{"total":${await total()},"results":[`, runs, line, tail);
}
