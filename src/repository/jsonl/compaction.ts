import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { gzipSync } from "node:zlib";
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
  const order = Array.from({ length: drop.offsets.length }, (_, i) => i).sort((a, b) => (drop.offsets[a] as number) - (drop.offsets[b] as number));
  const tempPath = compactionTempPath(path);
  await rm(tempPath, { force: true });
  const source = await open(path, "r");
  let target: FileHandle | null = null;
  let archive: FileHandle | null = null;
  try {
    const { ino, size: snapshot } = await source.stat();
    if (options.ino !== null && ino !== options.ino) throw new StaleIndexError();
    target = await open(tempPath, "wx");
    archive = options.archivePath ? await open(options.archivePath, "wx") : null;
    const copier = new Copier(source, target);
    const archived: Uint8Array[] = [];
    let archivedBytes = 0;
    const flushArchive = async () => {
      if (!archive || archived.length === 0) return;
      // Each flush is one gzip member; gzip readers treat consecutive members as one stream.
      await writeAll(archive, gzipSync(Buffer.concat(archived)));
      archived.length = 0;
      archivedBytes = 0;
    };

    let at = 0;
    let removed = 0;
    for (const i of order) {
      const offset = drop.offsets[i] as number;
      const length = drop.lengths[i] as number;
      if (offset < at || offset + length > snapshot) throw new StaleIndexError();
      await copier.copy(at, offset);
      const line = await readExactly(source, offset, Math.min(length + 1, snapshot - offset));
      // The line must still end where the index says: anything else is another file's content.
      const terminated = line.length > length;
      if (terminated && line[length] !== NEWLINE) throw new StaleIndexError();
      if (archive) {
        archived.push(line.subarray(0, length), NEWLINE_BYTES);
        archivedBytes += length + 1;
        if (archivedBytes >= CHUNK) await flushArchive();
      }
      at = offset + line.length;
      removed += 1;
    }
    await copier.copy(at, snapshot);
    await flushArchive();
    if (archive) {
      await archive.sync();
      await syncFolder(dirname(options.archivePath as string));
    }
    await options.onPhase?.("copied");

    const bytesAfter = await options.holdWrites(async () => {
      const now = await source.stat();
      await copier.copy(snapshot, now.size);
      await options.onPhase?.("caught-up");
      await (target as FileHandle).sync();
      await options.onPhase?.("synced");
      const current = await open(path, "r").then(async (h) => {
        const s = await h.stat();
        await h.close();
        return s;
      });
      // Rotated or replaced while we copied: our copy is of a file that is no longer the store.
      if (current.ino !== ino) throw new StaleIndexError();
      await rename(tempPath, path);
      await options.onPhase?.("renamed");
      await syncFolder(dirname(path));
      return copier.written;
    });
    await options.onPhase?.("done");
    return { removed, bytesBefore: snapshot, bytesAfter };
  } catch (error) {
    await target?.close().catch(() => {});
    target = null;
    await rm(tempPath, { force: true }).catch(() => {});
    if (archive && options.archivePath) {
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

const NEWLINE_BYTES = new Uint8Array([NEWLINE]);

/** Copies byte ranges of one file to the end of another through one reused buffer. */
class Copier {
  written = 0;
  private readonly buffer = new Uint8Array(CHUNK);
  constructor(
    private readonly from: FileHandle,
    private readonly to: FileHandle,
  ) {}

  async copy(start: number, end: number): Promise<void> {
    for (let at = start; at < end; ) {
      const { bytesRead } = await this.from.read(this.buffer, 0, Math.min(CHUNK, end - at), at);
      if (bytesRead === 0) throw new StaleIndexError();
      await writeAll(this.to, this.buffer.subarray(0, bytesRead));
      this.written += bytesRead;
      at += bytesRead;
    }
  }
}

async function readExactly(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(bytes, got, length - got, position + got);
    if (bytesRead === 0) throw new StaleIndexError();
    got += bytesRead;
  }
  return bytes;
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
}

/** A rename is durable only once its folder is: fsync the directory itself. */
export async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
