/**
 * A build's worker thread: parses the byte ranges it is sent (range-parser.ts) and posts back
 * the rows as typed columns sorted by (start, offset), their buffers transferred, so the main
 * thread only merges.
 */
import { type ByteRange, parseRange, sortRange } from "./range-parser.ts";

export type WorkerRequest = { fd: number; size: number; range: ByteRange; id: number };
export type WorkerReply =
  | { kind: "progress"; id: number; bytes: number }
  | { kind: "parsed"; id: number; parsed: ReturnType<typeof parseRange> }
  | { kind: "failed"; id: number; message: string; code?: string };

declare const self: Worker;

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const { fd, size, range, id } = event.data;
  try {
    const parsed = parseRange(fd, range, size, (bytes) => self.postMessage({ kind: "progress", id, bytes } satisfies WorkerReply));
    sortRange(parsed);
    // A range's parse garbage is many times its rows; collecting it before the next range keeps
    // the worker's heap near what one range needs (a full collection of a small live heap is cheap).
    Bun.gc(true);
    const transfer = parsed.chunks.flatMap((c) =>
      [c.start, c.end, c.startLocal, c.elapsed, c.rowcount, c.offset, c.length, c.group, c.identity].map((a) => a.buffer),
    );
    self.postMessage({ kind: "parsed", id, parsed } satisfies WorkerReply, transfer);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    self.postMessage({ kind: "failed", id, message: error instanceof Error ? error.message : String(error), code } satisfies WorkerReply);
  }
};
