import { type AppendFiles, type AppendHandle, type FileId, nodeAppendFiles, sameFile } from "./append-files.ts";

export type FsyncMode = "always" | "interval" | "never";

/** Where an appended line landed. */
export interface AppendedLine {
  offset: number;
  length: number;
  /** The write landed exactly where expected: no other process appended between our size
   * check and our write, so the offsets are certain. */
  exact: boolean;
  /** Inode of the file written, so a reader can tell it from a file it indexed before. */
  ino: number;
  /** The file had shrunk since our previous append (truncated in place): what was indexed of
   * it is no longer there. */
  rewound: boolean;
}

export interface Appender {
  /** Appends whole lines (each ending in "\n") and resolves once they are written to the file
   * at the configured path, and fsynced when the mode is "always". All or nothing: when it
   * rejects, none of the lines is left in the file; with PathChangedError, the file now at the
   * path may hold a copy of some (see there). Concurrent calls share one write and one fsync
   * (and so succeed or fail together). */
  append(lines: readonly string[]): Promise<AppendedLine[]>;
  /** Runs `work` with no write in progress and new appends held until it is done; the next
   * write opens the path again, so it lands in whatever file is there by then. */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /** Flushes, fsyncs and closes the file. `append([])` writes nothing but checks the lock and
   * opens the path: a probe of whether appends would work. */
  close(): Promise<void>;
}

export interface AppenderOptions {
  fsync?: FsyncMode;
  /** Runs before each write and again before it is acknowledged; throws to refuse it (the
   * writer checks that it still holds its lock). A refusal after the write rolls it back. */
  guard?: () => Promise<void>;
  /** Told when the path no longer names the file we had open and a new one is opened. */
  onReopen?: (reason: string) => void;
  files?: AppendFiles;
}

/** The path kept changing under every attempt of one append. */
export class FileKeepsChangingError extends Error {
  readonly code = "EFILECHANGED";
}

/** The path named another file (or none) once the lines were written: they were taken back out
 * of the old file, and none of them is acknowledged. */
export class PathChangedError extends Error {
  readonly code = "EPATHCHANGED";
}

/** A write that the kernel accepted only in part and then wrote nothing more of. */
export class ShortWriteError extends Error {
  readonly code = "ESHORTWRITE";
}

/** Writes all of `buffer`; a write that makes no progress is a ShortWriteError, not a loop. */
export async function writeAll(h: Pick<AppendHandle, "write">, buffer: Uint8Array): Promise<void> {
  let written = 0;
  while (written < buffer.length) {
    const { bytesWritten } = await h.write(buffer, written, buffer.length - written);
    if (bytesWritten <= 0) throw new ShortWriteError(`wrote ${written} of ${buffer.length} bytes`);
    written += bytesWritten;
  }
}

interface Pending {
  lines: readonly string[];
  resolve: (placed: AppendedLine[]) => void;
  reject: (error: unknown) => void;
}

const encoder = new TextEncoder();
const ATTEMPTS = 3;

/**
 * Group-commit appender: one writer loop per file, so lines never interleave; each round writes
 * every waiting line in one write(2) and shares one fsync among all of them.
 *
 * Before each write and again before acknowledging it, the device and inode of the open file
 * are compared with the path's: when the file was renamed (rotated), deleted, replaced or its
 * folder removed, a write that landed in the old file is truncated away there and rejected with
 * PathChangedError; the next append opens (or creates) the file at the path. A failed or short
 * write is truncated back to the last good offset, so a retry of the same lines never
 * duplicates them and no torn line remains.
 */
export function createAppender(path: string, fsyncOrOptions: FsyncMode | AppenderOptions = "always"): Appender {
  const options: AppenderOptions = typeof fsyncOrOptions === "string" ? { fsync: fsyncOrOptions } : fsyncOrOptions;
  const fsync = options.fsync ?? "always";
  const files = options.files ?? nodeAppendFiles;
  let file: { handle: AppendHandle; dev: number; ino: number } | null = null;
  let queue: Pending[] = [];
  let running: Promise<void> | null = null;
  let dirty = false;
  let closed = false;
  /** Set while exclusive work runs: appends queue up and wait for it. */
  let holding = false;
  let exclusives: Promise<unknown> = Promise.resolve();
  /** File size after our last write, which ended in a newline. */
  let lastEnd = -1;
  /** The file was truncated in place during an attempt; the next placements say so. */
  let shrunk = false;
  /** A rollback that failed: these bytes of ours must go before anything else is written. */
  let tornTail: { handle: AppendHandle; size: number } | null = null;
  const timer = fsync === "interval" ? setInterval(() => void syncIfDirty(), 1000) : null;
  timer?.unref?.();

  async function syncIfDirty() {
    if (!dirty || !file) return;
    dirty = false;
    await file.handle.datasync().catch(() => {
      dirty = true;
    });
  }

  async function closeFile() {
    const old = file;
    file = null;
    lastEnd = -1;
    // A handle that still holds a torn tail of ours stays open until the tail is gone.
    if (old && tornTail?.handle !== old.handle) await old.handle.close().catch(() => {});
  }

  /** The file at the path: the open one while the path still names it, else a fresh open. */
  async function openFile(): Promise<{ handle: AppendHandle; dev: number; ino: number }> {
    if (file) {
      const now = await files.stat(path);
      if (now && sameFile(now, file)) return file;
      options.onReopen?.(now ? "the path names another file (replaced or rotated)" : "the file is gone (deleted, rotated or its folder removed)");
      await closeFile();
    }
    const handle = await files.open(path);
    try {
      const { dev, ino } = await handle.stat();
      file = { handle, dev, ino };
      return file;
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
  }

  /** A line someone left without "\n" (a crash, another writer) must not swallow ours. */
  async function needsLeadingNewline(h: AppendHandle, size: number): Promise<boolean> {
    if (size === 0) return false;
    const last = new Uint8Array(1);
    await h.read(last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  }

  /** Cuts the file back to `size`, removing our bytes after it; remembered when it fails, so
   * that nothing else is written before it succeeds. */
  async function rollback(h: AppendHandle, size: number) {
    try {
      await h.truncate(size);
    } catch (error) {
      tornTail = { handle: h, size };
      throw error;
    }
    if (tornTail?.handle === h) tornTail = null;
    if (file?.handle !== h) await h.close().catch(() => {});
  }

  /** Takes back a failed write: only up to where our bytes can end, never a line appended after. */
  async function rollbackFailed(h: AppendHandle, size: number, length: number) {
    const now = (await h.stat()).size;
    if (now > size && now <= size + length) await rollback(h, size);
  }

  /** Whether the file holds `bytes` at `position`. */
  async function holds(h: AppendHandle, position: number, bytes: Uint8Array): Promise<boolean> {
    const found = new Uint8Array(bytes.length);
    const { bytesRead } = await h.read(found, 0, bytes.length, position);
    if (bytesRead !== bytes.length) return false;
    for (let i = 0; i < bytes.length; i++) if (found[i] !== bytes[i]) return false;
    return true;
  }

  /** Whether the file's last bytes, up to `end`, are `buffer`. */
  const endsWith = (h: AppendHandle, end: number, buffer: Uint8Array) => end >= buffer.length && holds(h, end - buffer.length, buffer);

  /** One attempt at writing the batch; null when the file changed under it (try again). */
  async function attempt(batch: Pending[]): Promise<AppendedLine[][] | null> {
    await options.guard?.();
    if (tornTail) await rollback(tornTail.handle, tornTail.size);
    const current = await openFile();
    const h = current.handle;
    const { size } = await h.stat();
    // A probe (nothing to write) only checks that the lock is held and the path opens.
    if (batch.every((p) => p.lines.length === 0)) return batch.map(() => []);
    let rewound = lastEnd !== -1 && size < lastEnd;
    const prefix = size !== lastEnd && (await needsLeadingNewline(h, size)) ? "\n" : "";
    const encoded = batch.map((p) => p.lines.map((line) => encoder.encode(line)));
    let total = prefix.length;
    for (const lines of encoded) for (const bytes of lines) total += bytes.length;
    const buffer = new Uint8Array(total);
    const end = size + total;
    let at = prefix.length;
    if (prefix) buffer[0] = 0x0a;
    const placements = encoded.map((lines) =>
      lines.map((bytes) => {
        buffer.set(bytes, at);
        const placed = { offset: at, length: bytes.length, exact: true, ino: current.ino, rewound };
        at += bytes.length;
        return placed;
      }),
    );
    let after: number;
    let now: FileId | null;
    try {
      await writeAll(h, buffer);
      if (fsync === "always") await h.datasync();
      after = (await h.stat()).size;
      now = await files.stat(path);
    } catch (error) {
      await rollbackFailed(h, size, total).catch(() => {});
      lastEnd = -1;
      throw error;
    }
    if (!now || !sameFile(now, current)) {
      // Renamed, deleted or replaced while we wrote: take our lines back out of the old file
      // (only if nothing followed them). The file now at the path may hold a copy of them (an
      // editor copied the file after our write), so the caller decides what to write again.
      if (after === end) await rollback(h, size).catch(() => {});
      throw new PathChangedError(`${path} was renamed, deleted or replaced during the append`);
    }
    let base = size;
    if (after < end) {
      // Truncated in place around our write: either our lines landed whole after the cut, or
      // the cut took them, wholly or from some byte on; what is left of them goes, and they are
      // written again.
      if (!(await endsWith(h, after, buffer))) {
        if (after > size && (await holds(h, size, buffer.subarray(0, after - size)))) await rollback(h, size);
        lastEnd = -1;
        shrunk = true;
        return null;
      }
      base = after - total;
      rewound = true;
    }
    try {
      await options.guard?.();
    } catch (error) {
      if (after === end) await rollback(h, size).catch(() => {});
      throw error;
    }
    if (fsync !== "always") dirty = true;
    lastEnd = after;
    rewound ||= shrunk;
    shrunk = false;
    const exact = after === end;
    for (const lines of placements) {
      for (const p of lines) {
        p.offset += base;
        p.exact = exact;
        p.rewound = rewound;
      }
    }
    return placements;
  }

  async function drain() {
    while (queue.length > 0 && !holding) {
      const batch = queue;
      queue = [];
      try {
        let placements: AppendedLine[][] | null = null;
        for (let i = 0; i < ATTEMPTS && !placements; i++) placements = await attempt(batch);
        if (!placements) throw new FileKeepsChangingError(`${path} changed during each of ${ATTEMPTS} attempts to append`);
        const done = placements;
        for (const [i, p] of batch.entries()) p.resolve(done[i] as AppendedLine[]);
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    running = null;
  }

  return {
    append(lines) {
      if (closed) return Promise.reject(new Error("appender is closed"));
      return new Promise<AppendedLine[]>((resolve, reject) => {
        queue.push({ lines, resolve, reject });
        if (!holding) running ??= drain();
      });
    },

    exclusive(work) {
      const turn = exclusives.then(async () => {
        holding = true;
        try {
          await running;
          return await work();
        } finally {
          if (file) {
            await file.handle.datasync().catch(() => {});
            await closeFile();
          }
          holding = false;
          if (queue.length > 0) running ??= drain();
        }
      });
      exclusives = turn.catch(() => {});
      return turn;
    },

    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await running;
      if (file) {
        await file.handle.datasync().catch(() => {});
        await closeFile();
      }
      if (tornTail) await tornTail.handle.close().catch(() => {});
    },
  };
}
