import { dlopen, FFIType } from "bun:ffi";
import { fstatSync, statSync } from "node:fs";
import { type FileHandle, mkdir, open, unlink } from "node:fs/promises";
import { dirname } from "node:path";

/** The exclusive right to append to one JSONL file, held by at most one process. */
export interface WriterLock {
  /** Whether the lock file we hold is still the one at the lock path: deleting or replacing it
   * (say, with the data folder) lets another process take a new lock, so ours no longer counts. */
  held(): Promise<boolean>;
  /** Gives the right up and deletes the lock file. */
  release(): Promise<void>;
}

export type LockResult = { ok: true; lock: WriterLock } | { ok: false; reason: string };

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

let flock: ((fd: number, operation: number) => number) | null | undefined;

/** flock(2) from libc: the kernel drops the lock when the process dies, even by SIGKILL. */
function loadFlock(): ((fd: number, operation: number) => number) | null {
  if (flock !== undefined) return flock;
  flock = null;
  for (const name of ["libc.so.6", "libc.so", "libc.dylib", "libSystem.B.dylib"]) {
    try {
      const lib = dlopen(name, { flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } });
      flock = (fd, operation) => lib.symbols.flock(fd, operation);
      break;
    } catch {}
  }
  return flock;
}

/**
 * Tries to take the writer lock of `dataPath` (an flock on "<dataPath>.lock", which also records
 * the holder's pid for people). Never waits: a second process learns at once who holds it.
 */
export async function tryLockWriter(dataPath: string): Promise<LockResult> {
  const lockPath = `${dataPath}.lock`;
  await mkdir(dirname(lockPath), { recursive: true });
  const lockFn = loadFlock();
  if (!lockFn) return tryPidFile(lockPath);
  for (let attempt = 0; attempt < 5; attempt++) {
    const handle = await open(lockPath, "a+");
    if (lockFn(handle.fd, LOCK_EX | LOCK_NB) !== 0) {
      const holder = (await handle.readFile("utf8").catch(() => "")).trim();
      await handle.close();
      return { ok: false, reason: `another process${holder ? ` (pid ${holder})` : ""} holds the writer lock ${lockPath}` };
    }
    try {
      // The holder deletes the file on a clean stop, still holding the lock: a lock taken on the
      // deleted file guards nothing, so take it again on the file now at the path.
      if (!(await samePath(handle, lockPath))) {
        lockFn(handle.fd, LOCK_UN);
        await handle.close();
        continue;
      }
      await handle.truncate(0);
      await handle.write(`${process.pid}\n`, 0);
    } catch (error) {
      // A handle left open would keep the flock, and this process would lock itself out.
      lockFn(handle.fd, LOCK_UN);
      await handle.close().catch(() => {});
      throw error;
    }
    return {
      ok: true,
      lock: {
        held: () => samePath(handle, lockPath),
        async release() {
          // Only our own file: one at the path now may be another process's new lock.
          if (await samePath(handle, lockPath).catch(() => false)) await unlink(lockPath).catch(() => {});
          lockFn(handle.fd, LOCK_UN);
          await handle.close();
        },
      },
    };
  }
  return { ok: false, reason: `cannot take the writer lock ${lockPath}: it keeps being replaced` };
}

/** Checked before every append, so synchronously: a microsecond on a cached inode. */
async function samePath(handle: FileHandle, path: string): Promise<boolean> {
  const held = fstatSync(handle.fd);
  const named = statSync(path, { throwIfNoEntry: false });
  return named !== undefined && held.ino === named.ino && held.dev === named.dev;
}

/** Where libc cannot be loaded: an O_EXCL pid file, taken over when its process is gone. */
async function tryPidFile(lockPath: string): Promise<LockResult> {
  for (let attempt = 0; attempt < 2; attempt++) {
    let handle: FileHandle;
    try {
      handle = await open(lockPath, "wx");
    } catch {
      const holder = Number(
        (
          await Bun.file(lockPath)
            .text()
            .catch(() => "")
        ).trim(),
      );
      if (holder && holder !== process.pid && isAlive(holder)) {
        return { ok: false, reason: `another process (pid ${holder}) holds the writer lock ${lockPath}` };
      }
      await Bun.file(lockPath)
        .delete()
        .catch(() => {});
      continue;
    }
    await handle.write(`${process.pid}\n`);
    await handle.close();
    return {
      ok: true,
      lock: {
        held: async () =>
          Number(
            (
              await Bun.file(lockPath)
                .text()
                .catch(() => "")
            ).trim(),
          ) === process.pid,
        release: () =>
          Bun.file(lockPath)
            .delete()
            .catch(() => {}),
      },
    };
  }
  return { ok: false, reason: `cannot take the writer lock ${lockPath}` };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
