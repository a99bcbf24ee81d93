/**
 * Writes into a store that already holds many runs, as backfills and imports meet it: batches
 * and single POSTs of runs from the past against runs after the newest, and a large append by
 * another process, with /health probed throughout.
 */
import { appendFile, copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PipelineRun, SAMPLE_RUN } from "../../src/domain/pipeline-info.ts";
import { prng } from "./generate.ts";
import { runLoad } from "./http-load.ts";
import { type Timing, time } from "./measure.ts";
import { spawnServer, watchStart } from "./startup.ts";

/** The generated data's span (generate.ts): 2024-01-01 plus two years. */
const BASE_S = Date.UTC(2024, 0, 1) / 1000;
const SPAN_S = 2 * 365 * 24 * 3600;
const AFTER_S = BASE_S + SPAN_S + 86_400;

const iso = (s: number) => `${new Date(s * 1000).toISOString().slice(0, 19)}Z`;
const local = (s: number) => new Date(s * 1000).toISOString().slice(0, 19);

/** A run starting at `startS` whose identity (date_code) no other run has. */
export function runAt(startS: number, tag: string): PipelineRun {
  return {
    ...SAMPLE_RUN,
    start_utc: iso(startS),
    end_utc: iso(startS + 90),
    start_local: local(startS),
    end_local: local(startS + 90),
    elapsed_seconds: 90,
    elapsed_human: "1m 30s",
    rowcount: 1234,
    pid: 4242,
    date_code: tag,
    pipeline_name: "backfill",
    environment: "prod",
  };
}

/** Single POSTs of one kind over a slice of the measurement. */
interface SingleFigures {
  p50: number;
  p99: number;
  perSecond: number;
  errors: number;
}

/** Two slices' figures as one: the means of their latencies and rates, their errors added. */
function meanOf(a: SingleFigures, b: SingleFigures): SingleFigures {
  return { p50: (a.p50 + b.p50) / 2, p99: (a.p99 + b.p99) / 2, perSecond: (a.perSecond + b.perSecond) / 2, errors: a.errors + b.errors };
}

/** Probes /health one request at a time until stopped; returns p50/p99/max latency (ms). */
function probeHealth(url: string) {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const sent = performance.now();
      await fetch(`${url}/health`).then(
        (r) => r.arrayBuffer(),
        () => null,
      );
      latencies.push(performance.now() - sent);
      await Bun.sleep(10);
    }
  })();
  return async () => {
    running = false;
    await loop;
    latencies.sort((a, b) => a - b);
    const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
    return { p50: pick(0.5), p99: pick(0.99), max: latencies.at(-1) ?? Number.NaN, probes: latencies.length };
  };
}

export interface BackfillFigures {
  pastBatch: Timing;
  newBatch: Timing;
  healthDuringBatches: { p50: number; p99: number; max: number; probes: number };
  pastSingle: SingleFigures;
  newSingle: SingleFigures;
  externalAppend: { lines: number; visibleMs: number; health: { p50: number; p99: number; max: number; probes: number } };
  stored: number;
}

const post = async (url: string, path: string, body: unknown) => {
  const res = await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const answer = await res.text();
  if (res.status !== 201 && res.status !== 200) throw new Error(`${path}: ${res.status} ${answer.slice(0, 200)}`);
  return answer;
};

const total = async (url: string) => ((await (await fetch(`${url}/get_pipeline_info?limit=1`)).json()) as { total: number }).total;

/** Runs the writes against a copy of `source` (fsync always), then removes the copy. */
export async function benchBackfill(source: string, seconds: number): Promise<BackfillFigures> {
  const dir = await mkdtemp(join(tmpdir(), "bench-backfill-"));
  const path = join(dir, "runs.jsonl");
  await copyFile(source, path);
  const server = spawnServer({ PIPELINE_JSONL_PATH: path, PIPELINE_JSONL_FSYNC: "always" });
  try {
    await watchStart(server, performance.now());
    const random = prng(99);
    const nonce = Date.now();
    let round = 0;
    const batch = (past: boolean) => {
      const r = round++;
      return Array.from({ length: 10_000 }, (_, i) => runAt(past ? BASE_S + Math.floor(random() * SPAN_S) : AFTER_S + r * 10_000 + i, `b-${nonce}-${r}-${i}`));
    };
    const stopProbe = probeHealth(server.url);
    const pastBatch = await time(() => post(server.url, "/pipelines/batch", batch(true)), 5, 1);
    const newBatch = await time(() => post(server.url, "/pipelines/batch", batch(false)), 5, 1);
    const healthDuringBatches = await stopProbe();

    let next = AFTER_S + 10_000_000;
    const single = async (past: boolean, tag: string, slice: number) => {
      const result = await runLoad({
        port: server.port,
        connections: 16,
        seconds: slice,
        request: (i) => ({
          method: "POST",
          path: "/pipelines",
          body: JSON.stringify(runAt(past ? BASE_S + Math.floor(random() * SPAN_S) : next++, `${tag}-${nonce}-${i}`)),
        }),
      });
      return { p50: result.p50, p99: result.p99, perSecond: result.perSecond, errors: result.errors + result.requests - (result.statuses[201] ?? 0) };
    };
    // A warm-up of both kinds, then past, new, new, past: whichever kind went first right after
    // the batches paid for the compiler's and the collector's catching up, and looked slower.
    await single(true, "wp", 1);
    await single(false, "wn", 1);
    const slices = [
      await single(true, "sp1", seconds / 2),
      await single(false, "sn1", seconds / 2),
      await single(false, "sn2", seconds / 2),
      await single(true, "sp2", seconds / 2),
    ];
    const pastSingle = meanOf(slices[0] as SingleFigures, slices[3] as SingleFigures);
    const newSingle = meanOf(slices[1] as SingleFigures, slices[2] as SingleFigures);

    // Another process appends 100,000 runs from the past in one go; the service follows.
    const before = await total(server.url);
    const lines = 100_000;
    let text = "";
    for (let i = 0; i < lines; i++) text += `${JSON.stringify(runAt(BASE_S + Math.floor(random() * SPAN_S), `x-${nonce}-${i}`))}\n`;
    const stopAppendProbe = probeHealth(server.url);
    const appended = performance.now();
    await appendFile(path, text);
    let stored = before;
    while (stored < before + lines && performance.now() - appended < 120_000) {
      await Bun.sleep(20);
      stored = await total(server.url);
    }
    const visibleMs = performance.now() - appended;
    const health = await stopAppendProbe();
    return { pastBatch, newBatch, healthDuringBatches, pastSingle, newSingle, externalAppend: { lines, visibleMs, health }, stored };
  } finally {
    server.kill("SIGTERM");
    await server.exited;
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const source = process.argv[2] ?? join(import.meta.dir, "data/runs-100000-start_utc.jsonl");
  console.log(JSON.stringify(await benchBackfill(source, 3), null, 1));
}
