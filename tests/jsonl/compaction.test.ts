import { afterAll, describe, expect, test } from "bun:test";
import { appendFile, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { PipelineRun } from "../../src/domain/pipeline-info.ts";
import { StoreUnavailableError } from "../../src/errors.ts";
import { createJsonlRepository } from "../../src/repository/jsonl/jsonl-repository.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { makeRun } from "../support/runs.ts";
import { tempDir } from "../support/temp-dir.ts";

const temp = await tempDir();
afterAll(() => temp.remove());
let n = 0;
const freshPath = () => join(temp.dir, `case-${n++}`, "runs.jsonl");

const runsOf = (count: number) =>
  Array.from({ length: count }, (_, i) =>
    makeRun({ date_code: `r${i}`, pid: i, environment: i % 2 ? "dev" : "prod", start: `2025-01-01T00:00:${String(i % 60).padStart(2, "0")}Z` }),
  );
const line = (run: PipelineRun) => `${JSON.stringify(run)}\n`;

async function codes(repository: RunRepository): Promise<string[]> {
  const out: string[] = [];
  for await (const run of repository.streamRuns({})) out.push(run.date_code);
  return out.sort();
}

async function until(done: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await Bun.sleep(20);
  }
}

describe("deleting from the JSONL file", () => {
  test("keeps junk lines as they were and gives the space back", async () => {
    const path = freshPath();
    const runs = runsOf(10);
    const junk = ["not json at all", '{"torn": ', ""];
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(path, ".."), { recursive: true });
    await writeFile(
      path,
      [line(runs[0] as PipelineRun), `${junk[0]}\n`, ...runs.slice(1, 5).map(line), `${junk[1]}\n`, "\n", ...runs.slice(5).map(line)].join(""),
    );
    const before = (await readFile(path)).length;
    const repository = createJsonlRepository({ path, fsync: "never" });
    expect(await repository.deleteRuns({ labels: { environment: ["dev"] } })).toBe(5);
    const text = await readFile(path, "utf8");
    expect(text).toContain(`${junk[0]}\n`);
    expect(text).toContain(`${junk[1]}\n\n`);
    expect(text).not.toContain('"environment":"dev"');
    expect(text.length).toBeLessThan(before);
    const health = await repository.health();
    expect(health.lastCompaction?.removed).toBe(5);
    expect(health.lastCompaction?.bytesReclaimed).toBe(before - text.length);
    expect(health.skippedLines).toBe(2);
    expect(await codes(repository)).toEqual(["r0", "r2", "r4", "r6", "r8"]);
    await repository.close();
  });

  test("an archive holds exactly the removed runs and restores them by appending", async () => {
    const path = freshPath();
    const runs = runsOf(200);
    const repository = createJsonlRepository({ path, fsync: "never", archiveDeleted: true });
    await repository.insertRuns(runs);
    const all = await codes(repository);
    expect(await repository.deleteRuns({ labels: { environment: ["dev"] } })).toBe(100);
    const archives = (await readdir(join(path, ".."))).filter((f) => f.endsWith(".ndjson.gz"));
    expect(archives).toHaveLength(1);
    const archived = gunzipSync(await readFile(join(path, "..", archives[0] as string)));
    const restored = archived
      .toString("utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as PipelineRun);
    expect(restored.map((r) => r.date_code).sort()).toEqual(
      runs
        .filter((r) => r.environment === "dev")
        .map((r) => r.date_code)
        .sort(),
    );
    expect(restored).toEqual(expect.arrayContaining(runs.filter((r) => r.environment === "dev")));
    await appendFile(path, archived);
    await until(async () => (await repository.countRuns({})) === 200);
    expect(await codes(repository)).toEqual(all);
    await repository.close();
  });

  test("a second process following the file re-indexes to the new content", async () => {
    const path = freshPath();
    const writer = createJsonlRepository({ path, fsync: "never" });
    await writer.insertRuns(runsOf(50));
    const reader = createJsonlRepository({ path, followIntervalMs: 20 });
    expect(await reader.countRuns({})).toBe(50);
    expect(await writer.deleteRuns({ labels: { environment: ["prod"] } })).toBe(25);
    await until(async () => (await reader.countRuns({})) === 25);
    expect(await codes(reader)).toEqual(await codes(writer));
    expect(await reader.countRuns({ labels: { environment: ["prod"] } })).toBe(0);
    const [summary] = await reader.summarizePipelines();
    expect(summary?.total_runs).toBe(25);
    await writer.insertRuns([makeRun({ date_code: "after", pid: 9999 })]);
    await until(async () => (await reader.countRuns({})) === 26);
    await reader.close();
    await writer.close();
  });

  test("a reader that is not the writer cannot delete", async () => {
    const path = freshPath();
    const writer = createJsonlRepository({ path, fsync: "never" });
    await writer.insertRuns(runsOf(4));
    const reader = createJsonlRepository({ path });
    await expect(reader.deleteRuns({})).rejects.toThrow(/reads only/);
    expect(await writer.countRuns({})).toBe(4);
    await reader.close();
    await writer.close();
  });
});

describe("kill -9 during a deletion", () => {
  for (const phase of ["copied", "caught-up", "synced", "renamed", "done"]) {
    test(`at "${phase}": one whole file, every acknowledged run served, the deleted all gone or all there`, async () => {
      const path = freshPath();
      const seed = runsOf(400);
      const setup = createJsonlRepository({ path, fsync: "always" });
      await setup.insertRuns(seed);
      await setup.close();

      const child = Bun.spawn(["bun", join(import.meta.dir, "support", "compaction-child.ts"), path, phase], { stdout: "pipe", stderr: "inherit" });
      const acknowledged: string[] = [];
      let output = "";
      const reader = child.stdout.getReader();
      const decoder = new TextDecoder();
      const deadline = Date.now() + 15_000;
      while (!output.includes(`AT ${phase}`) && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        output += decoder.decode(value);
      }
      expect(output).toContain(`AT ${phase}`);
      // Acknowledged inserts keep coming while the rewrite is frozen: take some, then kill.
      await Bun.sleep(50);
      child.kill("SIGKILL");
      await child.exited;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        output += decoder.decode(value);
      }
      for (const m of output.matchAll(/^ACK (\S+)$/gm)) acknowledged.push(m[1] as string);
      expect(acknowledged.length).toBeGreaterThan(0);

      const after = createJsonlRepository({ path });
      const served = new Set(await codes(after));
      for (const code of acknowledged) expect(served.has(code)).toBe(true);
      for (const run of seed.filter((r) => r.environment === "prod")) expect(served.has(run.date_code)).toBe(true);
      const devLeft = seed.filter((r) => r.environment === "dev" && served.has(r.date_code)).length;
      expect([0, 200]).toContain(devLeft);
      const renamed = phase === "renamed" || phase === "done";
      expect(devLeft).toBe(renamed ? 0 : 200);
      expect((await after.health()).skippedLines).toBe(0);
      expect(served.size).toBe(new Set([...served]).size);
      const total = await after.countRuns({});
      expect(total).toBe(served.size);
      await after.close();
      const files = await readdir(join(path, ".."));
      expect(files.filter((f) => f.endsWith(".compacting"))).toEqual([]);
    }, 30_000);
  }
});

describe("a full disk during a deletion", () => {
  test("leaves the file as it was, answers unavailable and removes its side file", async () => {
    const { mkdir, rm } = await import("node:fs/promises");
    const mountPoint = join(temp.dir, "small-disk");
    await mkdir(mountPoint, { recursive: true });
    const mount = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", mountPoint]);
    if (mount.exitCode !== 0) {
      console.log(`skipped: cannot mount a tmpfs here (${mount.stderr.toString().trim()})`);
      return;
    }
    try {
      const path = join(mountPoint, "runs.jsonl");
      const repository = createJsonlRepository({ path, fsync: "always" });
      // Fill two thirds of the disk: a copy of the half that stays does not fit beside it.
      let stored = 0;
      while ((await readFile(path).catch(() => Buffer.alloc(0))).length < (512 * 1024 * 2) / 3) {
        await repository.insertRuns(runsOf(stored + 50).slice(stored));
        stored += 50;
      }
      const before = await readFile(path);
      try {
        const error = await repository.deleteRuns({ labels: { environment: ["dev"] } }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect(String(error)).toContain("ENOSPC");
        expect(Buffer.compare(await readFile(path), before)).toBe(0);
        expect((await readdir(mountPoint)).filter((f) => f.endsWith(".compacting"))).toEqual([]);
        expect(await repository.countRuns({})).toBe(stored);
        // Writes go on once the rewrite gave up.
        await repository.insertRuns([makeRun({ date_code: "after-enospc", pid: 777_777 })]);
        expect(await repository.countRuns({})).toBe(stored + 1);
      } finally {
        await repository.close();
      }
    } finally {
      Bun.spawnSync(["umount", mountPoint]);
      await rm(mountPoint, { recursive: true, force: true });
    }
  });
});

describe("edge cases of a deletion", () => {
  test("a last line without its newline can be deleted, and the archive still ends in one", async () => {
    const { mkdir } = await import("node:fs/promises");
    const path = freshPath();
    await mkdir(join(path, ".."), { recursive: true });
    const runs = runsOf(3);
    await writeFile(path, `${line(runs[0] as PipelineRun)}${line(runs[2] as PipelineRun)}${JSON.stringify(runs[1])}`);
    const repository = createJsonlRepository({ path, fsync: "never", archiveDeleted: true });
    expect(await repository.countRuns({})).toBe(3);
    expect(await repository.deleteRuns({ labels: { environment: ["dev"] } })).toBe(1);
    expect(await codes(repository)).toEqual(["r0", "r2"]);
    expect(await readFile(path, "utf8")).toBe(`${line(runs[0] as PipelineRun)}${line(runs[2] as PipelineRun)}`);
    const [archive] = (await readdir(join(path, ".."))).filter((f) => f.endsWith(".ndjson.gz"));
    expect(gunzipSync(await readFile(join(path, "..", archive as string))).toString("utf8")).toBe(line(runs[1] as PipelineRun));
    await repository.close();
  });

  test("an export under way when the file is rewritten finishes from the file it started on", async () => {
    const path = freshPath();
    const repository = createJsonlRepository({ path, fsync: "never" });
    await repository.insertRuns(runsOf(3000));
    const iterator = repository.streamRuns({})[Symbol.asyncIterator]();
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) seen.push(((await iterator.next()).value as PipelineRun).date_code);
    expect(await repository.deleteRuns({ labels: { environment: ["dev"] } })).toBe(1500);
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) seen.push(next.value.date_code);
    expect(seen).toHaveLength(3000);
    expect(new Set(seen).size).toBe(3000);
    expect(await repository.countRuns({})).toBe(1500);
    await repository.close();
  });
});
