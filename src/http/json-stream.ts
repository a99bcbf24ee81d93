import type { PipelineRun } from "../domain/pipeline-info.ts";
import type { EncodedRuns } from "../repository/port.ts";
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

const encoder = new TextEncoder();

/**
 * The same answer as streamRunEnvelope, from runs the store has already written as JSON: each
 * chunk goes out as it came, so the bytes are the same as that path's.
 */
export function streamEncodedEnvelope(total: () => Promise<number>, chunks: AsyncIterable<EncodedRuns>, names: Set<string>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  let count = -1;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await iterator.next();
        if (count < 0) {
          count = 0;
          // The total is known once the iteration has begun (the store's snapshot).
          controller.enqueue(encoder.encode(`{"total":${await total()},"results":[`));
        }
        if (next.done) {
          controller.enqueue(encoder.encode(`],"count":${count},"pipelines":${JSON.stringify([...names].sort())}}`));
          controller.close();
          return;
        }
        const { bytes, count: runs } = next.value;
        if (runs === 0) return;
        if (count > 0) controller.enqueue(COMMA);
        count += runs;
        controller.enqueue(bytes);
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 1 },
  );
}

const COMMA = new Uint8Array([44]);
