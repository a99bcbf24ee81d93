/**
 * Generates realistic run records: 50 pipelines, 4 environments, spread over 2 years, about
 * 480 bytes a line, in (mostly) time order as pipelines append them.
 *
 *   bun tests/bench/generate.ts <count> <path>
 */
import { open } from "node:fs/promises";
import type { PipelineRun } from "../../src/domain/pipeline-info.ts";

const ENVIRONMENTS = ["prod", "staging", "dev", "qa"];
const TYPES = ["batch", "stream", "ml", "export"];
const TWO_YEARS_S = 2 * 365 * 24 * 3600;
const BASE_S = Date.UTC(2024, 0, 1) / 1000;

/** A small deterministic PRNG so every run of the benchmark sees the same data. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const iso = (s: number) => `${new Date(s * 1000).toISOString().slice(0, 19)}Z`;
const local = (s: number) => new Date((s - 7 * 3600) * 1000).toISOString().slice(0, 19).replace("T", " ");

export function generateRun(i: number, count: number, random: () => number): PipelineRun {
  const p = Math.floor(random() * 50);
  const start = BASE_S + Math.floor((i / count) * TWO_YEARS_S) + Math.floor(random() * 600);
  const elapsed = Math.round(random() * 3600 * 1000) / 1000;
  const end = start + Math.ceil(elapsed);
  const day = new Date(start * 1000).toISOString().slice(0, 10);
  const name = `pipeline_${String(p).padStart(2, "0")}`;
  return {
    start_local: local(start),
    end_local: local(end),
    start_utc: iso(start),
    end_utc: iso(end),
    elapsed_seconds: elapsed,
    elapsed_human: `${Math.floor(elapsed / 60)}m ${Math.floor(elapsed % 60)}s`,
    output_file: `/apps/data/pipeline/${name}/output-${day.replaceAll("-", "")}_${i}.data`,
    rowcount: Math.floor(random() * 1_000_000),
    log_file: `/apps/data/pipeline/logs/${name}-${day.replaceAll("-", "")}_${i}.log`,
    pid: 1000 + Math.floor(random() * 60000),
    date_code: `${day}_${day}`,
    pipeline_name: name,
    script_name: `${name}_loader.py`,
    pipeline_type: TYPES[p % TYPES.length] as string,
    environment: ENVIRONMENTS[Math.floor(random() * ENVIRONMENTS.length)] as string,
  };
}

/** Writes `count` records to `path` and returns the number of bytes written. */
export async function generateFile(path: string, count: number, seed = 42): Promise<number> {
  const random = prng(seed);
  const file = await open(path, "w");
  let bytes = 0;
  try {
    let chunk = "";
    for (let i = 0; i < count; i++) {
      chunk += `${JSON.stringify(generateRun(i, count, random))}\n`;
      if (chunk.length > 1 << 20 || i === count - 1) {
        const buffer = Buffer.from(chunk);
        await file.write(buffer);
        bytes += buffer.length;
        chunk = "";
      }
    }
  } finally {
    await file.close();
  }
  return bytes;
}

if (import.meta.main) {
  const count = Number(process.argv[2] ?? 10000);
  const path = process.argv[3] ?? `tests/bench/data/runs-${count}.jsonl`;
  const bytes = await generateFile(path, count);
  console.log(`${count} records, ${(bytes / 1e6).toFixed(1)} MB -> ${path}`);
}
