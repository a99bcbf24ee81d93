import { type FileHandle, open, stat } from "node:fs/promises";
import type { PipelineRun } from "../../domain/pipeline-info.ts";
import { yieldToEventLoop } from "../../event-loop.ts";
import type { Logger } from "../../logger.ts";
import { readLines } from "./line-reader.ts";
import { buildInParallel } from "./parallel-build.ts";
import { decodeLineKeys } from "./record-codec.ts";
import { RunIndex } from "./run-index.ts";

/** One indexed version of the file: a rotation or truncation starts a new one. */
export interface Generation {
  index: RunIndex;
  /** Opened on the file this generation indexed; it keeps reading that file even if renamed. */
  handle: FileHandle | null;
  ino: number | null;
  /** Bytes of the file the index has consumed. */
  indexedBytes: number;
  /** The last indexed line had no newline yet; the next byte must be one. */
  provisionalTail: boolean;
  nextLine: number;
  skipped: number;
  /** Reads in progress on `handle`; a retired generation closes it when they are done. */
  users: number;
  retired: boolean;
  /** Recently read runs by line offset: dashboards ask for the newest pages over and over. */
  cache: Map<number, PipelineRun>;
}

/** How far a build has got, for /health while starting. */
export interface BuildProgress {
  lines: number;
  bytes: number;
  total: number;
}

export const describeError = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException)?.code;
  return `${error instanceof Error ? error.message : String(error)}${code && !String(error).includes(code) ? ` (${code})` : ""}`;
};

/** The file's stat, or null when there is no file (an empty store). */
export async function fileStat(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** A build stopped because the store is closing. */
export class BuildCancelledError extends Error {
  constructor() {
    super("index build cancelled");
  }
}

/** Longest stretch a read of lines works before it lets other work run (ms). */
const SLICE_MS = 10;

/** How a build reads the file: files from `parallelFromBytes` on are parsed by worker threads
 * (parallel-build.ts), smaller ones line by line on the main thread, where starting workers
 * would cost more than they save. */
export interface BuildPlan {
  parallelFromBytes: number;
  workers: number;
  rangeBytes: number;
}

/** Workers for a build: one per core, at most two. Each holds a heap of its own (some 30-50 MiB
 * while parsing), and a container often reports the host's cores rather than its share. */
const buildWorkers = () => {
  const cores = typeof navigator !== "undefined" ? navigator.hardwareConcurrency : 1;
  return Math.max(1, Math.min(2, cores || 1));
};

export const DEFAULT_BUILD_PLAN: BuildPlan = {
  parallelFromBytes: 8 * 1024 * 1024,
  // The main thread only merges, and waits meanwhile.
  workers: buildWorkers(),
  // About 15,000 runs: a worker's heap holds one range's parse at a time, and parsed rows wait
  // for their turn to merge, so this bounds both.
  rangeBytes: 8 * 1024 * 1024,
};

export interface ConsumeOptions {
  progress?: (bytes: number) => void;
  /** Checked between slices; when true the read stops with BuildCancelledError. */
  cancelled?: () => boolean;
  /** A build of a generation nobody reads yet: every row is laid out by one sort at the end.
   * Otherwise out-of-order rows are merged in slices when the read ends (or by a query that
   * comes first). */
  building?: boolean;
}

/**
 * Reads lines from byte `start` of the generation's own file (its handle, whatever the path
 * names by now) into its index, in slices of about SLICE_MS with the event loop served between
 * them, so a large build or follow never stalls the service.
 */
export async function consumeLines(gen: Generation, path: string, logger: Logger, start: number, options: ConsumeOptions = {}) {
  const { progress, cancelled, building = false } = options;
  const pause = async () => {
    await yieldToEventLoop();
    if (cancelled?.()) throw new BuildCancelledError();
  };
  let lastReport = 0;
  let sliceBegan = performance.now();
  // A follow of a large append must not make the next query merge all of it at once.
  const deferred = building ? null : gen.index.deferMerges();
  try {
    for await (const line of gen.handle ? readLines(gen.handle, start, gen.nextLine) : []) {
      const decoded = decodeLineKeys(line.text);
      if (!line.terminated) {
        // A last line without newline: serve it if it is a whole record, else wait for the rest.
        if (decoded.kind === "run") {
          gen.index.add(decoded.keys, { offset: line.offset, length: line.length });
          gen.indexedBytes = line.offset + line.length;
          gen.provisionalTail = true;
          gen.nextLine = line.number + 1;
        }
        break;
      }
      if (decoded.kind === "run") {
        gen.index.add(decoded.keys, { offset: line.offset, length: line.length });
      } else if (decoded.kind === "invalid") {
        gen.skipped += 1;
        logger.warn("skipped JSONL line", { path, line: line.number, reason: decoded.reason });
      }
      gen.indexedBytes = line.offset + line.length + 1;
      gen.nextLine = line.number + 1;
      if ((line.number & 255) === 0 && performance.now() - sliceBegan >= SLICE_MS) {
        if (progress && line.number - lastReport >= 65536) {
          lastReport = line.number;
          progress(gen.indexedBytes);
        }
        await pause();
        sliceBegan = performance.now();
      }
    }
  } catch (error) {
    deferred?.release();
    throw error;
  }
  if (deferred) await deferred.finish(pause);
  else await gen.index.finishBuild(pause);
}

/**
 * Indexes the whole file into a new generation, reporting progress; with `announce`, logs
 * lines/s and percent every second (the startup build).
 */
export async function buildGeneration(
  path: string,
  logger: Logger,
  onProgress: (p: BuildProgress) => void,
  announce: boolean,
  cancelled?: () => boolean,
  plan: BuildPlan = DEFAULT_BUILD_PLAN,
): Promise<Generation> {
  // Open first, then ask the handle: the inode and size are those of the file the build reads,
  // even when the path is renamed over meanwhile.
  const handle = await openFile(path);
  let info: Awaited<ReturnType<FileHandle["stat"]>> | null = null;
  try {
    info = handle ? await handle.stat() : null;
    if (info?.isDirectory()) throw new Error(`${path} is a directory, not a JSONL file`);
  } catch (error) {
    await handle?.close().catch(() => {});
    throw error;
  }
  const gen: Generation = {
    index: new RunIndex({ building: info !== null }),
    handle,
    ino: info ? info.ino : null,
    indexedBytes: 0,
    provisionalTail: false,
    nextLine: 1,
    skipped: 0,
    users: 0,
    retired: false,
    cache: new Map(),
  };
  if (!info || !handle) return gen;
  const size = info.size;
  const began = performance.now();
  let lastLog = began;
  onProgress({ lines: 0, bytes: 0, total: size });
  const pause = async () => {
    await yieldToEventLoop();
    if (cancelled?.()) throw new BuildCancelledError();
  };
  try {
    const progress = (bytes: number) => {
      const lines = gen.nextLine - 1;
      onProgress({ lines, bytes, total: size });
      const now = performance.now();
      if (announce && now - lastLog >= 1000) {
        lastLog = now;
        const percent = Math.round((100 * bytes) / Math.max(1, size));
        logger.info("indexing", { path, lines, percent, lines_per_s: Math.round(lines / ((now - began) / 1000)) });
      }
    };
    if (size >= plan.parallelFromBytes && typeof Worker === "function") {
      await buildInParallel(gen, handle.fd, size, {
        path,
        logger,
        workers: plan.workers,
        rangeBytes: plan.rangeBytes,
        pause,
        cancelled,
        cancel: () => new BuildCancelledError(),
        progress,
      });
      // The parse's garbage, the workers' transferred buffers and the statistics' spare room go
      // back before the final sort allocates: the start's peak is the sort's, not both at once.
      gen.index.trimStatistics();
      Bun.gc(true);
      // Bytes appended since the stat are left to the next sync, as a follow reads them.
      await gen.index.finishBuild(pause);
    } else {
      await consumeLines(gen, path, logger, 0, { progress, cancelled, building: true });
    }
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
  // Parsing the whole file leaves a heap of garbage; give it back before serving.
  Bun.gc(true);
  const seconds = Number(((performance.now() - began) / 1000).toFixed(2));
  logger.info("indexed", { path, records: gen.index.size, skipped_lines: gen.skipped, seconds });
  return gen;
}

/** The file opened for reading, or null when there is none (an empty store). */
async function openFile(path: string): Promise<FileHandle | null> {
  try {
    return await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * Keeps the generation's file handle open until the returned function is called, also when the
 * generation is retired meanwhile (a rotation, a deletion's rewrite): an export that spans many
 * batches keeps reading the file it started on.
 */
export function useGeneration(gen: Generation): () => void {
  gen.users += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    gen.users -= 1;
    if (gen.retired && gen.users === 0) void gen.handle?.close().catch(() => {});
  };
}

/** Marks a generation replaced; its file handle closes once no read uses it. */
export function retireGeneration(gen: Generation) {
  gen.retired = true;
  if (gen.users === 0) void gen.handle?.close().catch(() => {});
}
