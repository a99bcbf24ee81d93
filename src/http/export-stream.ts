import { FIELD_NAMES, type PipelineRun } from "../domain/pipeline-info.ts";
import type { EncodedRuns } from "../repository/port.ts";

const encoder = new TextEncoder();

export const CSV_COLUMNS = FIELD_NAMES;

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

const stamp = (now: Date) => now.toISOString().replace(/[-:]/g, "").slice(0, 15);

const NEWLINE = new Uint8Array([10]);

/** NDJSON from chunks of runs a store wrote as JSON joined by newlines: the same bytes as
 * ndjsonLine of each run. */
function ndjsonFromEncoded(chunks: AsyncIterable<EncodedRuns>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) {
          controller.close();
          return;
        }
        if (next.value.count === 0) return;
        controller.enqueue(next.value.bytes);
        controller.enqueue(NEWLINE);
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 1 },
  );
}

/** A file download of `runs` (or, for NDJSON, of runs the store wrote as JSON lines): the
 * streamed body and the headers that name its type and file. */
export function exportDownload(format: "csv" | "ndjson", runs: AsyncIterable<PipelineRun> | { encoded: AsyncIterable<EncodedRuns> }, now = new Date()) {
  const csv = format === "csv";
  let body: ReadableStream<Uint8Array>;
  if ("encoded" in runs) body = ndjsonFromEncoded(runs.encoded);
  else body = csv ? streamText(`${CSV_COLUMNS.join(",")}\r\n`, runs, csvRow) : streamText("", runs, ndjsonLine);
  return {
    body,
    headers: {
      "content-type": csv ? "text/csv; charset=utf-8" : "application/x-ndjson",
      "content-disposition": `attachment; filename="pipeline_runs-${stamp(now)}.${csv ? "csv" : "ndjson"}"`,
    },
  };
}
