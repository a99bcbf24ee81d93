import { afterEach, expect, test } from "bun:test";
import { readFile, rename, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { StoreReadOnlyError, StoreUnavailableError } from "../../src/errors.ts";
import { type AppendFiles, type AppendHandle, nodeAppendFiles } from "../../src/repository/jsonl/append-files.ts";
import { createAppender } from "../../src/repository/jsonl/appender.ts";
import { createJsonlRepository, type JsonlRepository } from "../../src/repository/jsonl/jsonl-repository.ts";
import { encodeRun } from "../../src/repository/jsonl/record-codec.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { makeRun } from "../support/runs.ts";
import { tempDir } from "../support/temp-dir.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function folder() {
  const temp = await tempDir();
  cleanups.push(temp.remove);
  return temp.dir;
}

function open(path: string, files?: AppendFiles): JsonlRepository {
  const repository = createJsonlRepository({ path, fsync: "always", followIntervalMs: 50, lockRetryMs: 100, files });
  cleanups.push(() => repository.close());
  return repository;
}

const run = (i: number) => makeRun({ pid: i, date_code: `run-${i}` });
const lines = async (path: string) => (await readFile(path, "utf8").catch(() => "")).split("\n").filter(Boolean);
const codes = async (repository: RunRepository) => (await repository.findRuns({ filter: {}, limit: 1000, offset: 0 })).runs.map((r) => r.date_code).sort();

test("after a rename (rotation) writes go to a new file at the path, which is what is served", async () => {
  const path = join(await folder(), "runs.jsonl");
  const repository = open(path);
  await repository.insertRuns([run(1)]);
  await rename(path, `${path}.1`);
  await repository.insertRuns([run(2)]);
  expect(await lines(`${path}.1`)).toHaveLength(1);
  expect((await lines(path)).map((l) => JSON.parse(l).date_code)).toEqual(["run-2"]);
  expect(await codes(repository)).toEqual(["run-2"]);
});

test("after a delete the file is created again and the run is stored there", async () => {
  const path = join(await folder(), "runs.jsonl");
  const repository = open(path);
  await repository.insertRuns([run(1)]);
  await rm(path);
  await repository.insertRuns([run(2)]);
  expect((await lines(path)).map((l) => JSON.parse(l).date_code)).toEqual(["run-2"]);
  expect(await codes(repository)).toEqual(["run-2"]);
});

test("after a replacement (new file renamed over the path) writes go to the new file", async () => {
  const dir = await folder();
  const path = join(dir, "runs.jsonl");
  const repository = open(path);
  await repository.insertRuns([run(1), run(2)]);
  await writeFile(join(dir, "edited"), encodeRun(run(1)));
  await rename(join(dir, "edited"), path);
  await repository.insertRuns([run(3)]);
  expect((await lines(path)).map((l) => JSON.parse(l).date_code)).toEqual(["run-1", "run-3"]);
  expect(await codes(repository)).toEqual(["run-1", "run-3"]);
});

test("after a truncation the next append lands at the start and the index starts over", async () => {
  const path = join(await folder(), "runs.jsonl");
  const repository = open(path);
  await repository.insertRuns([run(1), run(2), run(3)]);
  await truncate(path, 0);
  await repository.insertRuns([run(4)]);
  expect(await lines(path)).toHaveLength(1);
  expect(await codes(repository)).toEqual(["run-4"]);
  expect((await repository.health()).skippedLines).toBe(0);
});

test("after the folder is removed the folder, file and lock are created again", async () => {
  const dir = join(await folder(), "data");
  const path = join(dir, "runs.jsonl");
  const repository = open(path);
  await repository.insertRuns([run(1)]);
  await rm(dir, { recursive: true });
  await repository.insertRuns([run(2)]);
  expect(await lines(path)).toHaveLength(1);
  expect((await readFile(`${path}.lock`, "utf8")).trim()).toBe(String(process.pid));
  expect(await codes(repository)).toEqual(["run-2"]);
});

test("a writer whose lock went with the folder and was taken by another answers 503 and writes nothing", async () => {
  const dir = join(await folder(), "data");
  const path = join(dir, "runs.jsonl");
  const first = open(path);
  await first.insertRuns([run(1)]);
  const second = open(path);
  await second.countRuns({});
  expect((await second.health()).readOnly).toContain("writer lock");
  await rm(dir, { recursive: true });
  // The read-only instance retries the lock and now gets it (a new lock file).
  const deadline = Date.now() + 3000;
  while ((await second.health()).readOnly && Date.now() < deadline) await Bun.sleep(20);
  expect((await second.health()).readOnly).toBeUndefined();
  await expect(first.insertRuns([run(2)])).rejects.toBeInstanceOf(StoreReadOnlyError);
  await second.insertRuns([run(3)]);
  expect((await lines(path)).map((l) => JSON.parse(l).date_code)).toEqual(["run-3"]);
  expect((await first.health()).readOnly).toContain("writer lock");
});

/** Real files, with `overrides` in place of some of a handle's operations (and of `files`'). */
function filesWith(overrides: (real: AppendHandle) => Partial<AppendHandle>, files: Partial<AppendFiles> = {}): AppendFiles {
  return {
    stat: nodeAppendFiles.stat,
    freeBytes: nodeAppendFiles.freeBytes,
    async open(path) {
      const real = await nodeAppendFiles.open(path);
      return {
        read: (...args) => real.read(...args),
        stat: () => real.stat(),
        datasync: () => real.datasync(),
        truncate: (length) => real.truncate(length),
        close: () => real.close(),
        write: (buffer, offset, length) => real.write(buffer, offset, length),
        ...overrides(real),
      };
    },
    ...files,
  };
}

/** File handles that, while `full` is set, write part of a buffer and then fail with ENOSPC. */
function fullDisk() {
  const state = { full: false, failures: 0 };
  const files = filesWith(
    (real) => ({
      async write(buffer, offset, length) {
        if (!state.full) return real.write(buffer, offset, length);
        state.failures += 1;
        if (length > 1) return real.write(buffer, offset, Math.floor(length / 2));
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      },
    }),
    { freeBytes: async (path) => (state.full ? 0 : nodeAppendFiles.freeBytes(path)) },
  );
  return { state, files };
}

test("a disk that fills during a batch leaves nothing of it; /health is degraded; a retry stores it once", async () => {
  const path = join(await folder(), "runs.jsonl");
  const disk = fullDisk();
  const repository = open(path, disk.files);
  await repository.insertRuns([run(0)]);
  const before = await readFile(path);
  disk.state.full = true;
  const batch = Array.from({ length: 100 }, (_, i) => run(i + 1));
  await expect(repository.insertRuns(batch)).rejects.toBeInstanceOf(StoreUnavailableError);
  expect(disk.state.failures).toBeGreaterThan(1);
  expect(await readFile(path)).toEqual(before);
  // The follow loop's probe finds the disk still full: the state stays degraded.
  await Bun.sleep(200);
  const degraded = await repository.health();
  expect(degraded.status).toBe("degraded");
  expect(degraded.reason).toContain("ENOSPC");
  expect(degraded.writeFailures).toEqual({ ENOSPC: 1 });
  // A single POST that fails is not stored either.
  await expect(repository.insertRuns([run(500)])).rejects.toBeInstanceOf(StoreUnavailableError);
  expect(await readFile(path)).toEqual(before);

  disk.state.full = false;
  const deadline = Date.now() + 2000;
  while ((await repository.health()).status !== "healthy" && Date.now() < deadline) await Bun.sleep(20);
  expect((await repository.health()).status).toBe("healthy");
  const outcomes = await repository.insertRuns(batch);
  expect(outcomes.every((o) => o.status === "created")).toBe(true);
  expect(await lines(path)).toHaveLength(101);
  expect(await repository.countRuns({})).toBe(101);
  expect((await repository.insertRuns(batch)).every((o) => o.status === "existing")).toBe(true);
  const healthy = await repository.health();
  expect(healthy.status).toBe("healthy");
  expect(healthy.writeFailures).toEqual({ ENOSPC: 2 });
});

/** File handles whose next operations fail as told: fsync with EIO, truncate with EIO. */
function flakyDisk() {
  const state = { failFsync: false, failTruncate: false, shortWrite: false, fsyncDelayMs: 0 };
  const fail = (code: string) => Object.assign(new Error(`${code}: i/o error`), { code });
  let stalled = false;
  const files = filesWith((real) => ({
    async datasync() {
      if (state.fsyncDelayMs > 0) await Bun.sleep(state.fsyncDelayMs);
      if (state.failFsync) throw fail("EIO");
      return real.datasync();
    },
    async truncate(length) {
      if (state.failTruncate) throw fail("EIO");
      return real.truncate(length);
    },
    async write(buffer, offset, length) {
      if (!state.shortWrite) {
        stalled = false;
        return real.write(buffer, offset, length);
      }
      // Accepts a third of the first write, then nothing more: a short write.
      if (stalled) return { bytesWritten: 0 };
      stalled = true;
      return real.write(buffer, offset, Math.ceil(length / 3));
    },
  }));
  return { state, files };
}

test("a failed fsync takes the written lines back out; the retry stores them once", async () => {
  const path = join(await folder(), "runs.jsonl");
  const disk = flakyDisk();
  const repository = open(path, disk.files);
  await repository.insertRuns([run(0)]);
  disk.state.failFsync = true;
  await expect(repository.insertRuns([run(1), run(2)])).rejects.toBeInstanceOf(StoreUnavailableError);
  expect(await lines(path)).toHaveLength(1);
  expect((await repository.health()).writeFailures).toEqual({ EIO: 1 });
  disk.state.failFsync = false;
  await repository.insertRuns([run(1), run(2)]);
  expect(await lines(path)).toHaveLength(3);
  expect(await codes(repository)).toEqual(["run-0", "run-1", "run-2"]);
});

test("lines the follow loop indexed before their fsync failed are not taken for stored runs by the retry", async () => {
  const path = join(await folder(), "runs.jsonl");
  const disk = flakyDisk();
  const repository = open(path, disk.files);
  await repository.insertRuns([run(0)]);
  // The fsync takes longer than a follow tick (50 ms): the loop indexes the lines, then they go.
  disk.state.fsyncDelayMs = 200;
  disk.state.failFsync = true;
  await expect(repository.insertRuns([run(1), run(2)])).rejects.toBeInstanceOf(StoreUnavailableError);
  expect(await lines(path)).toHaveLength(1);
  disk.state.fsyncDelayMs = 0;
  disk.state.failFsync = false;
  const outcomes = await repository.insertRuns([run(1), run(2)]);
  expect(outcomes.map((o) => o.status)).toEqual(["created", "created"]);
  expect(await lines(path)).toHaveLength(3);
  expect(await codes(repository)).toEqual(["run-0", "run-1", "run-2"]);
});

test("a short write is cut back; a rollback that fails blocks writes until the tail is gone", async () => {
  const path = join(await folder(), "runs.jsonl");
  const disk = flakyDisk();
  const repository = open(path, disk.files);
  await repository.insertRuns([run(0)]);
  const good = await readFile(path, "utf8");
  disk.state.shortWrite = true;
  disk.state.failTruncate = true;
  await expect(repository.insertRuns([run(1)])).rejects.toBeInstanceOf(StoreUnavailableError);
  // The torn tail is still there, and nothing is written after it.
  expect((await readFile(path, "utf8")).length).toBeGreaterThan(good.length);
  disk.state.shortWrite = false;
  await expect(repository.insertRuns([run(2)])).rejects.toBeInstanceOf(StoreUnavailableError);
  expect((await repository.health()).status).toBe("degraded");
  disk.state.failTruncate = false;
  await repository.insertRuns([run(2)]);
  await repository.insertRuns([run(1)]);
  const text = await readFile(path, "utf8");
  expect(text.startsWith(good)).toBe(true);
  expect((await lines(path)).map((l) => JSON.parse(l).date_code)).toEqual(["run-0", "run-2", "run-1"]);
  expect((await repository.health()).status).toBe("healthy");
});

/** File handles that run `operation` once, right after the next write and before its fsync:
 * the operator acting between the service's write and its check. */
function operatorDuringWrite() {
  const state: { operation: (() => Promise<void>) | null } = { operation: null };
  const files = filesWith((real) => ({
    async datasync() {
      const operation = state.operation;
      state.operation = null;
      await operation?.();
      return real.datasync();
    },
  }));
  return { state, files };
}

const codesIn = async (path: string) => (await lines(path)).map((l) => JSON.parse(l).date_code);

test("a rotation between the write and its check: the run leaves the rotated file and is stored once at the path", async () => {
  const path = join(await folder(), "runs.jsonl");
  const disk = operatorDuringWrite();
  const repository = open(path, disk.files);
  await repository.insertRuns([run(1)]);
  disk.state.operation = () => rename(path, `${path}.1`);
  await repository.insertRuns([run(2), run(3)]);
  expect(await codesIn(`${path}.1`)).toEqual(["run-1"]);
  expect(await codesIn(path)).toEqual(["run-2", "run-3"]);
  expect(await codes(repository)).toEqual(["run-2", "run-3"]);
});

test("an edited copy renamed over the file between the write and its check: the copy's lines are not written twice", async () => {
  const dir = await folder();
  const path = join(dir, "runs.jsonl");
  const disk = operatorDuringWrite();
  const repository = open(path, disk.files);
  await repository.insertRuns([run(1)]);
  disk.state.operation = async () => {
    await writeFile(join(dir, "copy"), await readFile(path));
    await rename(join(dir, "copy"), path);
  };
  await repository.insertRuns([run(2)]);
  expect(await codesIn(path)).toEqual(["run-1", "run-2"]);
  expect(await codes(repository)).toEqual(["run-1", "run-2"]);
});

test("a truncation to zero between the write and its check: the cut lines are written again", async () => {
  const path = join(await folder(), "runs.jsonl");
  const disk = operatorDuringWrite();
  const repository = open(path, disk.files);
  await repository.insertRuns([run(1)]);
  disk.state.operation = () => truncate(path, 0);
  await repository.insertRuns([run(2)]);
  expect(await codesIn(path)).toEqual(["run-2"]);
  expect(await codes(repository)).toEqual(["run-2"]);
});

test("a truncation inside our write: what is left of it goes, no torn line, no duplicate", async () => {
  const path = join(await folder(), "runs.jsonl");
  const disk = operatorDuringWrite();
  const repository = open(path, disk.files);
  await repository.insertRuns([run(1)]);
  const first = (await readFile(path)).length;
  // Cuts after run 2's line and in the middle of run 3's.
  const line = encodeRun(run(2)).length;
  disk.state.operation = () => truncate(path, first + line + 40);
  await repository.insertRuns([run(2), run(3)]);
  expect(await codesIn(path)).toEqual(["run-1", "run-2", "run-3"]);
  expect(await codes(repository)).toEqual(["run-1", "run-2", "run-3"]);
  expect((await repository.health()).skippedLines).toBe(0);
});

test("a file whose stat fails right after it is opened is closed, not leaked", async () => {
  const path = join(await folder(), "runs.jsonl");
  let opened = 0;
  let closed = 0;
  const files: AppendFiles = {
    ...nodeAppendFiles,
    async open(p) {
      const handle = await nodeAppendFiles.open(p);
      const close = handle.close.bind(handle);
      opened += 1;
      return Object.assign(handle, {
        stat: async () => {
          throw new Error("EIO: stat failed");
        },
        close: async () => {
          closed += 1;
          await close();
        },
      }) as AppendHandle;
    },
  };
  const appender = createAppender(path, { fsync: "never", files });
  await expect(appender.append(["{}\n"])).rejects.toThrow("EIO");
  expect(opened).toBeGreaterThan(0);
  expect(closed).toBe(opened);
  await appender.close();
});

test("the lock retry and a retake after the lock file went are one attempt: the writer never locks itself out", async () => {
  const path = join(await folder(), "runs.jsonl");
  // Retries as often as the follow loop ticks, so one comes during nearly every retake.
  const repository = createJsonlRepository({ path, fsync: "never", followIntervalMs: 1, lockRetryMs: 0 });
  cleanups.push(() => repository.close());
  await repository.insertRuns([run(0)]);
  for (let i = 1; i <= 30; i++) {
    await rm(`${path}.lock`);
    await repository.insertRuns([run(i)]);
    const health = await repository.health();
    expect(health.readOnly).toBeUndefined();
    expect(health.status).toBe("healthy");
  }
  expect(await lines(path)).toHaveLength(31);
  expect((await readFile(`${path}.lock`, "utf8")).trim()).toBe(String(process.pid));
});
