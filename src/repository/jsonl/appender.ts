import { mkdir, open, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

export type FsyncMode = "always" | "interval" | "never";

/** Where an appended line landed. */
export interface AppendedLine {
  offset: number;
  length: number;
  /** The write landed exactly where expected: no other process appended between our size
   * check and our write, so the offsets are certain. */
  exact: boolean;
}

export interface Appender {
  /** Appends whole lines (each ending in "\n") and resolves once they are written, and
   * fsynced when the mode is "always". Concurrent calls share one write and one fsync. */
  append(lines: readonly string[]): Promise<AppendedLine[]>;
  /** Runs `work` with no write in progress and new appends held until it is done; the next
   * write opens the path again, so it lands in whatever file is there by then. */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /** Flushes, fsyncs and closes the file. */
  close(): Promise<void>;
}

interface Pending {
  lines: readonly string[];
  resolve: (placed: AppendedLine[]) => void;
  reject: (error: unknown) => void;
}

const encoder = new TextEncoder();

/**
 * Group-commit appender: one writer loop per file, so lines never interleave; each round writes
 * every waiting line in one write(2) and shares one fsync among all of them.
 */
export function createAppender(path: string, fsync: FsyncMode = "always"): Appender {
  let handle: FileHandle | null = null;
  let queue: Pending[] = [];
  let running: Promise<void> | null = null;
  let dirty = false;
  let closed = false;
  /** Set while exclusive work runs: appends queue up and wait for it. */
  let holding = false;
  let exclusives: Promise<unknown> = Promise.resolve();
  /** File size after our last write, which ended in a newline. */
  let lastEnd = -1;
  const timer = fsync === "interval" ? setInterval(() => void syncIfDirty(), 1000) : null;
  timer?.unref?.();

  async function syncIfDirty() {
    if (!dirty || !handle) return;
    dirty = false;
    await handle.datasync().catch(() => {
      dirty = true;
    });
  }

  async function openFile(): Promise<FileHandle> {
    if (handle) return handle;
    await mkdir(dirname(path), { recursive: true });
    handle = await open(path, "a+");
    return handle;
  }

  /** A line someone left without "\n" (a crash, another writer) must not swallow ours. */
  async function needsLeadingNewline(h: FileHandle, size: number): Promise<boolean> {
    if (size === 0) return false;
    const last = new Uint8Array(1);
    await h.read(last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  }

  async function drain() {
    while (queue.length > 0 && !holding) {
      const batch = queue;
      queue = [];
      try {
        const h = await openFile();
        const { size } = await h.stat();
        const prefix = size !== lastEnd && (await needsLeadingNewline(h, size)) ? "\n" : "";
        const encoded = batch.map((p) => p.lines.map((line) => encoder.encode(line)));
        let total = prefix.length;
        for (const lines of encoded) for (const bytes of lines) total += bytes.length;
        const buffer = new Uint8Array(total);
        let at = prefix.length;
        if (prefix) buffer[0] = 0x0a;
        const placements = encoded.map((lines) =>
          lines.map((bytes) => {
            buffer.set(bytes, at);
            const placed = { offset: size + at, length: bytes.length, exact: true };
            at += bytes.length;
            return placed;
          }),
        );
        let written = 0;
        while (written < buffer.length) {
          const { bytesWritten } = await h.write(buffer, written, buffer.length - written);
          written += bytesWritten;
        }
        if (fsync === "always") await h.datasync();
        else dirty = true;
        const after = (await h.stat()).size;
        lastEnd = after;
        if (after !== size + buffer.length) for (const lines of placements) for (const p of lines) p.exact = false;
        batch.forEach((p, i) => p.resolve(placements[i] as AppendedLine[]));
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
          if (handle) {
            await handle.datasync().catch(() => {});
            await handle.close().catch(() => {});
            handle = null;
            lastEnd = -1;
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
      if (handle) {
        await handle.datasync().catch(() => {});
        await handle.close();
        handle = null;
      }
    },
  };
}
