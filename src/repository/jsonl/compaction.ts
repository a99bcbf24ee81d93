import { type FileHandle, open, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { writeAll } from "./appender.ts";
import { StaleIndexError } from "./run-reader.ts";

const NEWLINE = 0x0a;
const CHUNK = 1 << 20;

/** Lines to remove, by the byte offset of their first byte and their length without "\n". */
export interface DroppedLines {
  offsets: ArrayLike<number>;
  lengths: ArrayLike<number>;
}

/** The moments of a compaction, in order; a crash at any of them leaves one whole file. */
export type CompactionPhase = "copied" | "caught-up" | "synced" | "renamed" | "done";

export interface CompactionOptions {
  /** The inode the dropped offsets were read from: another file at `path` means they are stale. */
  ino: number | null;
  /** Where the removed lines go, gzip-compressed NDJSON, before they leave the file; none if absent. */
  archivePath?: string;
  /**
   * Runs `work` while nobody appends to `path`, and makes the next append open `path` again (the
   * new file). The file is copied before this, so appends wait only for the tail written meanwhile.
   */
  holdWrites: <T>(work: () => Promise<T>) => Promise<T>;
  /** Observes each phase; the crash tests stop the process there. */
  onPhase?: (phase: CompactionPhase) => Promise<void> | void;
}

export interface CompactionResult {
  removed: number;
  bytesBefore: number;
  bytesAfter: number;
}

/** A new archive's name beside the file: `runs.jsonl.deleted-20261202T031500123Z.ndjson.gz`. */
export const archivePathFor = (path: string, now = new Date()) => `${path}.deleted-${now.toISOString().replace(/[-:.]/g, "")}.ndjson.gz`;

/** The side file a compaction writes; a leftover one is from a compaction that never finished. */
export const compactionTempPath = (path: string) => `${path}.compacting`;

/**
 * Rewrites the JSONL file at `path` without the `drop` lines: the kept bytes are copied as they
 * are (junk lines included) into a side file, lines appended meanwhile are copied while writes
 * are held, then the side file is fsynced and renamed over `path` and the folder fsynced. Until
 * the rename the old file is whole; after it the new one is; so a crash never mixes them.
 */
export async function compactFile(path: string, drop: DroppedLines, options: CompactionOptions): Promise<CompactionResult> {
  const tempPath = compactionTempPath(path);
  await rm(tempPath, { force: true });
  const source = await open(path, "r");
  let target: FileHandle | null = null;
  let archive: FileHandle | null = null;
  /** Once the new file is in place, its removed runs exist only in the archive: keep it. */
  let renamed = false;
  try {
    const { ino, dev, size: snapshot } = await source.stat();
    if (options.ino !== null && ino !== options.ino) throw new StaleIndexError();
    target = await open(tempPath, "wx");
    archive = options.archivePath ? await open(options.archivePath, "wx") : null;
    const archiver = archive ? new Archiver(archive) : null;
    const removed = await copyWithout(source, target, snapshot, drop, archiver);
    if (archive && archiver) {
      await archiver.finish();
      await archive.sync();
      await syncFolder(dirname(options.archivePath as string));
    }
    await options.onPhase?.("copied");

    const bytesAfter = await options.holdWrites(async () => {
      const now = await source.stat();
      const tail = await copyRange(source, target as FileHandle, snapshot, now.size);
      await options.onPhase?.("caught-up");
      await (target as FileHandle).sync();
      await options.onPhase?.("synced");
      // Rotated or replaced while we copied: our copy is of a file that is no longer the store.
      const current = await stat(path);
      if (current.ino !== ino || current.dev !== dev) throw new StaleIndexError();
      await rename(tempPath, path);
      renamed = true;
      await options.onPhase?.("renamed");
      await syncFolder(dirname(path));
      return snapshot - removed.bytes + tail;
    });
    await options.onPhase?.("done");
    return { removed: removed.lines, bytesBefore: snapshot, bytesAfter };
  } catch (error) {
    await target?.close().catch(() => {});
    target = null;
    await rm(tempPath, { force: true }).catch(() => {});
    if (archive && options.archivePath && !renamed) {
      await archive.close().catch(() => {});
      archive = null;
      await rm(options.archivePath, { force: true }).catch(() => {});
    }
    throw error;
  } finally {
    await source.close().catch(() => {});
    await target?.close().catch(() => {});
    await archive?.close().catch(() => {});
  }
}

const gzipAsync = promisify(gzip);

/**
 * Copies bytes [0, end) of `from` to `to` in chunks, leaving out the dropped lines (and the
 * newline after each), which go to the archive. Every dropped line must start a line and end
 * where the index said, else the file is not the one the offsets were taken from.
 */
async function copyWithout(from: FileHandle, to: FileHandle, end: number, drop: DroppedLines, archive: Archiver | null) {
  const count = drop.offsets.length;
  const order = Uint32Array.from({ length: count }, (_, i) => i).sort((a, b) => (drop.offsets[a] as number) - (drop.offsets[b] as number));
  const startOf = (d: number) => drop.offsets[order[d] as number] as number;
  const lineEndOf = (d: number) => startOf(d) + (drop.lengths[order[d] as number] as number);
  const stopOf = (d: number) => Math.min(lineEndOf(d) + 1, end);
  const input = new Uint8Array(CHUNK);
  const output = new Uint8Array(CHUNK);
  let d = 0;
  let previous = NEWLINE;
  let droppedBytes = 0;
  for (let base = 0; base < end; ) {
    const { bytesRead } = await from.read(input, 0, Math.min(CHUNK, end - base), base);
    if (bytesRead === 0) throw new StaleIndexError();
    const chunkEnd = base + bytesRead;
    let kept = 0;
    for (let pos = base; pos < chunkEnd; ) {
      if (d < count && startOf(d) <= pos) {
        const lineEnd = lineEndOf(d);
        if (pos === startOf(d) && (pos === base ? previous : input[pos - base - 1]) !== NEWLINE) throw new StaleIndexError();
        if (lineEnd > end || (d + 1 < count && startOf(d + 1) <= lineEnd)) throw new StaleIndexError();
        const stop = Math.min(stopOf(d), chunkEnd);
        if (lineEnd >= pos && lineEnd < stop && input[lineEnd - base] !== NEWLINE) throw new StaleIndexError();
        archive?.add(input.subarray(pos - base, stop - base));
        droppedBytes += stop - pos;
        pos = stop;
        if (pos === stopOf(d)) d++;
      } else {
        const stop = Math.min(d < count ? startOf(d) : chunkEnd, chunkEnd);
        output.set(input.subarray(pos - base, stop - base), kept);
        kept += stop - pos;
        pos = stop;
      }
    }
    previous = input[bytesRead - 1] as number;
    await writeAll(to, output.subarray(0, kept));
    await archive?.flushIfFull();
    base = chunkEnd;
  }
  if (d < count) throw new StaleIndexError();
  return { lines: count, bytes: droppedBytes };
}

/** Copies bytes [start, end) of one file to the end of another; returns how many. */
async function copyRange(from: FileHandle, to: FileHandle, start: number, end: number): Promise<number> {
  const buffer = new Uint8Array(CHUNK);
  for (let at = start; at < end; ) {
    const { bytesRead } = await from.read(buffer, 0, Math.min(CHUNK, end - at), at);
    if (bytesRead === 0) throw new StaleIndexError();
    await writeAll(to, buffer.subarray(0, bytesRead));
    at += bytesRead;
  }
  return end - start;
}

/** Gzip-compressed NDJSON, one gzip member per MiB (gzip readers take consecutive members as
 * one stream), compressed on the thread pool so the event loop stays free. */
class Archiver {
  private parts: Uint8Array[] = [];
  private size = 0;
  private endsWithNewline = true;
  constructor(private readonly file: FileHandle) {}

  add(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.parts.push(bytes.slice());
    this.size += bytes.length;
    this.endsWithNewline = bytes[bytes.length - 1] === NEWLINE;
  }

  async flushIfFull(): Promise<void> {
    if (this.size >= CHUNK) await this.flush();
  }

  async finish(): Promise<void> {
    // A last line without newline in the store still ends one in the archive.
    if (!this.endsWithNewline) this.add(new Uint8Array([NEWLINE]));
    await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.size === 0) return;
    const compressed = await gzipAsync(Buffer.concat(this.parts));
    this.parts = [];
    this.size = 0;
    await writeAll(this.file, compressed);
  }
}

/** A rename is durable only once its folder is: fsync the directory itself. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
