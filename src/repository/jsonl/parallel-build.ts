import type { Logger } from "../../logger.ts";
import type { WorkerReply, WorkerRequest } from "./build-worker.ts";
import type { ByteRange, ParsedRange } from "./range-parser.ts";
import type { RunIndex } from "./run-index.ts";

/** Where a build is in the file, as line-by-line consumption would leave it. */
export interface BuildCursor {
  index: RunIndex;
  indexedBytes: number;
  provisionalTail: boolean;
  nextLine: number;
  skipped: number;
}

export interface ParallelBuildOptions {
  path: string;
  logger: Logger;
  /** Worker threads parsing at once. */
  workers: number;
  /** Bytes per range a worker parses at a time: results wait for the main thread in file order,
   * so this bounds the rows parsed ahead of the merge. */
  rangeBytes: number;
  /** Lets other work run; throws to stop the build (BuildCancelledError). */
  pause: () => Promise<void>;
  /** Checked while waiting for workers; when true, `cancel()` is thrown. */
  cancelled?: () => boolean;
  cancel: () => Error;
  /** Bytes parsed so far. */
  progress?: (bytes: number) => void;
}

/** Longest stretch the merge of parsed rows works before it lets other work run (ms). */
const SLICE_MS = 10;
/** How often a build waiting for its workers checks for cancellation (ms). */
const CANCEL_POLL_MS = 25;

/**
 * Indexes the first `size` bytes of the file open as `fd` with worker threads: they parse byte
 * ranges (cut anywhere; range-parser.ts shares the lines out exactly) and the main thread adds
 * each range's rows in file order, in slices, with line numbers, skips and warnings as a
 * line-by-line read gives them. The main thread only merges, so /health and shutdown stay
 * prompt, and two cores parse at once.
 */
export async function buildInParallel(cursor: BuildCursor, fd: number, size: number, options: ParallelBuildOptions): Promise<void> {
  const { path, logger, pause } = options;
  const ranges: ByteRange[] = [];
  for (let start = 0; start < size; start += options.rangeBytes) ranges.push({ start, end: Math.min(size, start + options.rangeBytes) });
  const results = ranges.map(() => deferred<ParsedRange>());
  const parsedBytes = new Float64Array(ranges.length);
  let reported = 0;
  const report = () => {
    let bytes = 0;
    for (const b of parsedBytes) bytes += b;
    if (bytes > reported) {
      reported = bytes;
      options.progress?.(bytes);
    }
  };
  let failure: Error | null = null;
  const fail = (error: Error) => {
    failure ??= error;
    for (const r of results) r.reject(failure);
  };
  let next = 0;
  let merged = 0;
  const workers: Worker[] = [];
  // Parsed ranges wait for the merge in memory: a worker that would run further ahead than this
  // waits instead, so a merge slower than the parse cannot pile up the file's rows twice.
  const idle: Worker[] = [];
  const aheadLimit = 2 * options.workers;
  const dispatch = (worker: Worker) => {
    if (next >= ranges.length || failure) return;
    if (next - merged >= aheadLimit) {
      idle.push(worker);
      return;
    }
    const id = next++;
    worker.postMessage({ fd, size, range: ranges[id] as ByteRange, id } satisfies WorkerRequest);
  };
  const poll = setInterval(() => {
    if (options.cancelled?.()) fail(options.cancel());
  }, CANCEL_POLL_MS);
  try {
    for (let w = 0; w < Math.min(options.workers, ranges.length); w++) {
      const worker = new Worker(new URL("./build-worker.ts", import.meta.url).href, { smol: true });
      workers.push(worker);
      worker.onmessage = (event: MessageEvent<WorkerReply>) => {
        const reply = event.data;
        const range = ranges[reply.id] as ByteRange;
        if (reply.kind === "progress") {
          parsedBytes[reply.id] = reply.bytes - range.start;
          report();
        } else if (reply.kind === "failed") fail(Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {}));
        else {
          parsedBytes[reply.id] = range.end - range.start;
          report();
          results[reply.id]?.resolve(reply.parsed);
          dispatch(worker);
        }
      };
      worker.onerror = (event) => fail(new Error(`index build worker failed: ${event.message}`));
      dispatch(worker);
    }
    for (let id = 0; id < ranges.length; id++) {
      const parsed = await (results[id] as Deferred<ParsedRange>).promise;
      results[id] = settled;
      merged = id + 1;
      while (idle.length > 0 && next - merged < aheadLimit) dispatch(idle.pop() as Worker);
      if (parsed.lines === 0) continue;
      if (parsed.first !== cursor.indexedBytes || cursor.provisionalTail) {
        throw new Error(`index build: range ${id} does not continue where the previous one ended`);
      }
      for (const s of parsed.skipped) logger.warn("skipped JSONL line", { path, line: cursor.nextLine + s.line, reason: s.reason });
      cursor.skipped += parsed.skipped.length;
      const groupIds = cursor.index.groupIds(parsed.labels);
      let sliceBegan = performance.now();
      for (const [c, chunk] of parsed.chunks.entries()) {
        cursor.index.addColumns(chunk, groupIds, c === 0 ? parsed.minGap : Infinity);
        if (performance.now() - sliceBegan >= SLICE_MS) {
          await pause();
          sliceBegan = performance.now();
        }
      }
      cursor.indexedBytes = parsed.next as number;
      cursor.nextLine += parsed.lines;
      cursor.provisionalTail = parsed.provisional;
      await pause();
      if (failure) throw failure;
    }
  } finally {
    clearInterval(poll);
    for (const worker of workers) worker.terminate();
    // Nothing waits on the rest: a rejection after a failure is expected, not unhandled.
    for (const r of results) r.promise.catch(() => {});
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

const settled: Deferred<never> = { promise: new Promise<never>(() => {}), resolve() {}, reject() {} };

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
