import type { PipelineRun } from "../domain/pipeline-info.ts";

const encoder = new TextEncoder();

export const CSV_COLUMNS: Array<keyof PipelineRun> = [
  "start_local", "end_local", "start_utc", "end_utc", "elapsed_seconds", "elapsed_human", "output_file", "rowcount",
  "log_file", "pid", "date_code", "pipeline_name", "script_name", "pipeline_type", "environment",
];

/** One CSV field per RFC 4180: quoted when it holds a comma, quote or line break; null is empty. */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvRow = (run: PipelineRun) => `${CSV_COLUMNS.map((c) => csvField(run[c])).join(",")}\r\n`;

/**
 * A stream of text chunks, pulled only as fast as the client reads: memory stays flat for any
 * number of runs, and a client that goes away cancels the iteration (and the store's work).
 * `tail` is asked for the closing text once every run has been written.
 */
export function streamText(
  head: string | (() => Promise<string>),
  runs: AsyncIterable<PipelineRun>,
  line: (run: PipelineRun) => string,
  tail: () => string = () => "",
): ReadableStream<Uint8Array> {
  const iterator = runs[Symbol.asyncIterator]();
  let started = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let text = "";
        if (!started) {
          started = true;
          // A computed head is computed once the first run (or the end) is known: it may need
          // what the store learnt when the iteration began.
          if (typeof head === "string") text = head;
          else {
            const first = await iterator.next();
            text = await head();
            if (first.done) {
              text += tail();
              controller.enqueue(encoder.encode(text));
              controller.close();
              return;
            }
            text += line(first.value);
          }
        }
        // Batch runs per chunk: one enqueue per run costs more than the text itself.
        for (let i = 0; i < 256; i++) {
          const next = await iterator.next();
          if (next.done) {
            text += tail();
            if (text) controller.enqueue(encoder.encode(text));
            controller.close();
            return;
          }
          text += line(next.value);
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

export const ndjsonLine = (run: PipelineRun) => `${JSON.stringify(run)}\n`;
