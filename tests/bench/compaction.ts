/**
 * Deletion on the JSONL store: rewrites a file of `count` runs (default 1,000,000) without
 * half of them (environment prod or staging), while a writer keeps POSTing. Reports the
 * rewrite's time, the process's peak RSS during it, and how long single inserts waited.
 *
 *   bun tests/bench/compaction.ts [count] [source file]
 *
 * Without a source file it generates one (time ordered); `npm run bench:full` passes the shuffled one.
 */
import { copyFile, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createJsonlRepository } from "../../src/repository/jsonl/jsonl-repository.ts";
import { makeRun } from "../support/runs.ts";
import { generateFile } from "./generate.ts";

const count = Number(process.argv[2] ?? 1_000_000);
const dataDir = join(import.meta.dir, "data");
await mkdir(dataDir, { recursive: true });
const source = process.argv[3] ?? join(dataDir, `runs-${count}.jsonl`);
if (!(await stat(source).catch(() => null))) await generateFile(source, count);
const work = join(dataDir, `compaction-${process.pid}`, "runs.jsonl");
await mkdir(join(work, ".."), { recursive: true });
await copyFile(source, work);

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const status = async (field: string) =>
  Number(/(\d+) kB/.exec((await readFile("/proc/self/status", "utf8")).split("\n").find((l) => l.startsWith(field)) ?? "")?.[1] ?? 0) * 1024;

try {
  const began = performance.now();
  const repository = createJsonlRepository({ path: work, fsync: "always" });
  await repository.countRuns({});
  const readySeconds = (performance.now() - began) / 1000;
  Bun.gc(true);
  const rssBefore = await status("VmRSS:");
  // Linux: writing 5 to clear_refs resets the peak (VmHWM), so the peak below is the deletion's.
  await writeFile("/proc/self/clear_refs", "5").catch(() => {});

  const latencies: number[] = [];
  let writing = true;
  let i = 0;
  const writer = (async () => {
    while (writing) {
      const t = performance.now();
      await repository.insertRuns([makeRun({ date_code: `during-${i}`, pid: 5_000_000 + i++ })]);
      latencies.push(performance.now() - t);
    }
  })();
  const before = (await stat(work)).size;
  const t = performance.now();
  const removed = await repository.deleteRuns({ labels: { environment: ["prod", "staging"] } });
  const seconds = (performance.now() - t) / 1000;
  writing = false;
  await writer;
  const peak = await status("VmHWM:");
  const after = (await stat(work)).size;
  const served = await repository.countRuns({});
  latencies.sort((a, b) => a - b);
  const q = (p: number) => (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0).toFixed(1);
  console.log(
    `| runs | ready s | removed | rewrite s | file MB before -> after | RSS before MiB | peak RSS during MiB | inserts during | insert p50 / p99 / max ms |`,
  );
  console.log(`|---|---|---|---|---|---|---|---|---|`);
  console.log(
    `| ${count} | ${readySeconds.toFixed(1)} | ${removed} | ${seconds.toFixed(1)} | ${(before / 1e6).toFixed(0)} -> ${(after / 1e6).toFixed(0)} | ${mib(rssBefore)} | ${mib(peak)} | ${latencies.length} | ${q(0.5)} / ${q(0.99)} / ${(latencies.at(-1) ?? 0).toFixed(0)} |`,
  );
  if (served !== count - removed + latencies.length) throw new Error(`served ${served}, expected ${count - removed + latencies.length}`);
  await repository.close();
} finally {
  await rm(join(work, ".."), { recursive: true, force: true });
}
