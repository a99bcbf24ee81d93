/**
 * npm run bench: the JSONL store measured as users meet it, against the first issue's
 * full-scan store as the baseline, in the same run on the same machine.
 *
 *   bun tests/bench/run.ts [--full] [--sizes 10000,100000] [--out tests/bench/RESULTS.md]
 *
 * --full adds the 1,000,000-record data set (about 500 MB, generated once into tests/bench/data).
 * Everything talks to 127.0.0.1, is bounded in time and stops the processes it started.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseDateTime } from "../../src/domain/datetime.ts";
import type { RunFilter } from "../../src/domain/run-filter.ts";
import { createJsonlRepository } from "../../src/repository/jsonl/jsonl-repository.ts";
import { createJsonlScanRepository } from "../../src/repository/jsonl/jsonl-scan-repository.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { distinctBody } from "../support/runs.ts";
import { generateFile } from "./generate.ts";
import { runLoad } from "./http-load.ts";
import { fmt, get, getEncoded, rssMiB, type Timing, time } from "./measure.ts";

const ROOT = join(import.meta.dir, "../..");
const { values: args } = parseArgs({
  options: {
    full: { type: "boolean", default: false },
    sizes: { type: "string" },
    out: { type: "string" },
    seconds: { type: "string", default: "3" },
  },
});
const sizes = args.sizes ? args.sizes.split(",").map(Number) : [10_000, 100_000, ...(args.full ? [1_000_000] : [])];
const loadSeconds = Number(args.seconds);

interface Service {
  url: string;
  port: number;
  pid: number;
  readyMs: number;
  stop(): Promise<void>;
}

/** Every service started, so that a failing benchmark still stops them all. */
const started: Service[] = [];

/** Starts a service as a user would and waits until /health says 200. */
async function spawnService(entry: string, env: Record<string, string>): Promise<Service> {
  const port = 20000 + Math.floor(Math.random() * 40000);
  const began = performance.now();
  const proc = Bun.spawn([process.execPath, entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: "warn", ...env },
    stdout: "ignore",
    stderr: "inherit",
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    await proc.exited;
    clearTimeout(timer);
  };
  const deadline = began + 120_000;
  while (performance.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${entry} exited with ${proc.exitCode}`);
    const status = await fetch(`${url}/health`).then((r) => r.status, () => 0);
    if (status === 200) {
      const service = { url, port, pid: proc.pid, readyMs: performance.now() - began, stop };
      started.push(service);
      return service;
    }
    await Bun.sleep(20);
  }
  await stop();
  throw new Error(`${entry} did not become healthy`);
}

const instant = (text: string) => parseDateTime(text) ?? undefined;
const FILTER: RunFilter = {
  labels: { environment: ["prod"] },
  minRowcount: 1000,
  maxRowcount: 500_000,
  startUtcFrom: instant("2024-06-01T00:00:00Z"),
  endUtcTo: instant("2025-06-01T00:00:00Z"),
};
const FILTER_QUERY = "environment=prod&min_rowcount=1000&max_rowcount=500000&start_utc=2024-06-01T00:00:00Z&end_utc=2025-06-01T00:00:00Z";

interface Row {
  what: string;
  target: string;
  indexed: Timing | null;
  baseline: Timing | null;
  note?: string;
}

async function readQueries(size: number, http: (query: string) => Promise<unknown>, repo: RunRepository | null, runs: number) {
  const offset = size > 100_100 ? 100_000 : Math.floor(size / 2);
  const results: Record<string, Timing> = {};
  results.page = await time(() => http("/get_pipeline_info"), runs);
  results.filtered = await time(() => http(`/get_pipeline_info?${FILTER_QUERY}`), runs);
  results.offset = await time(() => http(`/get_pipeline_info?offset=${offset}`), runs);
  results.summary = await time(() => http("/pipelines"), runs);
  if (repo) results.count = await time(() => repo.countRuns(FILTER), runs);
  return { results, offset };
}

async function benchSize(size: number, dataDir: string): Promise<{ rows: Row[]; notes: string[] }> {
  const path = join(dataDir, `runs-${size}.jsonl`);
  if (!existsSync(path)) {
    console.error(`generating ${size} records...`);
    await generateFile(path, size);
  }
  const bytes = Bun.file(path).size;
  const notes = [`${size.toLocaleString("en")} records, ${(bytes / 2 ** 20).toFixed(0)} MiB`];
  console.error(`\n== ${notes[0]}`);
  const rows: Row[] = [];
  const fast = size >= 1_000_000 ? 100 : 200;
  const slow = size >= 1_000_000 ? 3 : size >= 100_000 ? 10 : 30;

  // The service as users run it.
  const service = await spawnService("src/server.ts", { PIPELINE_JSONL_PATH: path });
  const rss = await rssMiB(service.pid);
  rows.push({ what: "start to serving (index built)", target: "<= 3 s at 1M", indexed: { p50: service.readyMs, p99: service.readyMs, runs: 1 }, baseline: null, note: `RSS after start ${rss.toFixed(0)} MiB (target <= 200 MiB at 1M)` });
  const httpIndexed = (q: string) => get(`${service.url}${q}`);
  const indexed = await readQueries(size, httpIndexed, null, fast);

  // The same data through the first issue's full scan, over HTTP.
  const scanService = await spawnService("tests/bench/scan-server.ts", { PIPELINE_JSONL_PATH: path });
  const baseline = await readQueries(size, (q) => get(`${scanService.url}${q}`), null, slow);
  await scanService.stop();

  rows.push({ what: "GET /get_pipeline_info default page (HTTP)", target: "p50 <= 5 ms", indexed: indexed.results.page ?? null, baseline: baseline.results.page ?? null });
  rows.push({ what: "same, env + rowcount range + time window (HTTP)", target: "p50 <= 10 ms", indexed: indexed.results.filtered ?? null, baseline: baseline.results.filtered ?? null });
  rows.push({ what: `offset=${indexed.offset} page (HTTP)`, target: "p50 <= 25 ms", indexed: indexed.results.offset ?? null, baseline: baseline.results.offset ?? null });
  rows.push({ what: "GET /pipelines summary (HTTP)", target: "p50 <= 5 ms", indexed: indexed.results.summary ?? null, baseline: baseline.results.summary ?? null });

  // In process: the store alone, without HTTP.
  const repo = createJsonlRepository({ path, fsync: "never", followIntervalMs: 60_000 });
  const scan = createJsonlScanRepository({ path, fsync: "never" });
  await repo.countRuns({});
  const inProc = async (r: RunRepository, runs: number) => ({
    page: await time(() => r.findRuns({ filter: {}, limit: 100, offset: 0 }), runs),
    filtered: await time(() => r.findRuns({ filter: FILTER, limit: 100, offset: 0 }), runs),
    count: await time(() => r.countRuns(FILTER), runs),
    summary: await time(() => r.summarizePipelines(), runs),
  });
  const a = await inProc(repo, fast);
  const b = await inProc(scan, slow);
  rows.push({ what: "total count for the filter (in process)", target: "<= 10 ms", indexed: a.count, baseline: b.count });
  rows.push({ what: "default page (in process)", target: "", indexed: a.page, baseline: b.page });
  rows.push({ what: "filtered page (in process)", target: "", indexed: a.filtered, baseline: b.filtered });
  rows.push({ what: "summary (in process)", target: "", indexed: a.summary, baseline: b.summary });
  await repo.close();
  await scan.close();

  // Export: all_data streams; the server's memory may grow by at most 100 MiB.
  let peak = await rssMiB(service.pid);
  const before = peak;
  const sampler = setInterval(async () => {
    peak = Math.max(peak, await rssMiB(service.pid).catch(() => 0));
  }, 20);
  const exportBegan = performance.now();
  const exported = await get(`${service.url}/get_pipeline_info?all_data=true`);
  const exportMs = performance.now() - exportBegan;
  clearInterval(sampler);
  rows.push({
    what: "all_data export (HTTP, streamed)",
    target: "memory +<= 100 MiB",
    indexed: { p50: exportMs, p99: exportMs, runs: 1 },
    baseline: null,
    note: `${(exported / 2 ** 20).toFixed(0)} MiB at ${((size / exportMs) * 1000).toFixed(0)} runs/s; server RSS ${before.toFixed(0)} -> peak ${peak.toFixed(0)} MiB (+${(peak - before).toFixed(0)})`,
  });
  for (const format of ["ndjson", "csv"] as const) {
    const began = performance.now();
    const bytes = await get(`${service.url}/get_pipeline_info?all_data=true&format=${format}`);
    const ms = performance.now() - began;
    rows.push({
      what: `all_data export as ${format} (HTTP, streamed)`,
      target: "",
      indexed: { p50: ms, p99: ms, runs: 1 },
      baseline: null,
      note: `${(bytes / 2 ** 20).toFixed(0)} MiB at ${((size / ms) * 1000).toFixed(0)} runs/s`,
    });
  }
  rows.push(...(await dashboardPoll(service.url, size >= 1_000_000 ? 3 : 7)));
  await service.stop();
  return { rows, notes };
}

/** The original dashboard's poll, every 60 s: every run, as it asks for it, per encoding. */
async function dashboardPoll(url: string, runs: number): Promise<Row[]> {
  const poll = `${url}/get_pipeline_info?all_data=true`;
  const rows: Row[] = [];
  let identityBytes = 0;
  for (const encoding of ["identity", "gzip", "br"]) {
    let answer = { wireBytes: 0, encoding: "" };
    const timing = await time(async () => {
      answer = await getEncoded(poll, encoding);
    }, runs, 1);
    if (encoding === "identity") identityBytes = answer.wireBytes;
    rows.push({
      what: `dashboard poll all_data=true, Accept-Encoding: ${encoding} (HTTP)`,
      target: encoding === "identity" ? "" : "smaller than identity",
      indexed: timing,
      baseline: null,
      note: `${(answer.wireBytes / 2 ** 20).toFixed(2)} MiB on the wire (${answer.encoding})${encoding === "identity" ? "" : `, ${((100 * answer.wireBytes) / identityBytes).toFixed(1)} % of identity`}`,
    });
  }
  return rows;
}

async function benchBatches(): Promise<Row> {
  const dir = await mkdtemp(join(tmpdir(), "bench-batch-"));
  const path = join(dir, "runs.jsonl");
  const service = await spawnService("src/server.ts", { PIPELINE_JSONL_PATH: path, PIPELINE_JSONL_FSYNC: "always" });
  let round = 0;
  const nonce = Date.now();
  const timing = await time(async () => {
    const batch = Array.from({ length: 10_000 }, (_, i) => distinctBody(i, `${nonce}-${round}`));
    round++;
    const res = await fetch(`${service.url}/pipelines/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(batch) });
    const answer = (await res.json()) as { created: number };
    if (answer.created !== 10_000) throw new Error(`batch stored ${answer.created} of 10000`);
  }, 5, 1);
  await service.stop();
  const lines = (await Bun.file(path).text()).split("\n").filter(Boolean).length;
  await rm(dir, { recursive: true, force: true });
  return {
    what: "POST /pipelines/batch, 10,000 runs in one request, fsync always",
    target: "< 1 s",
    indexed: timing,
    baseline: null,
    note: `${((10_000 / timing.p50) * 1000).toFixed(0)} runs/s; ${lines} lines in the file after ${round} batches`,
  };
}

async function benchWrites(): Promise<Row[]> {
  const rows: Row[] = [await benchBatches()];
  const cases = [
    { fsync: "always", sameStart: false, target: ">= 10,000 runs/s" },
    { fsync: "never", sameStart: false, target: ">= 25,000 runs/s" },
    // The worst case for identity lookups: every run starts at the same instant.
    { fsync: "never", sameStart: true, target: "" },
  ] as const;
  for (const { fsync, sameStart, target } of cases) {
    const dir = await mkdtemp(join(tmpdir(), "bench-post-"));
    const path = join(dir, "runs.jsonl");
    const service = await spawnService("src/server.ts", { PIPELINE_JSONL_PATH: path, PIPELINE_JSONL_FSYNC: fsync });
    const nonce = Date.now();
    const result = await runLoad({
      port: service.port,
      connections: 64,
      seconds: loadSeconds,
      request: (i) => {
        const body = distinctBody(i, nonce);
        if (sameStart) Object.assign(body, { start_utc: "2025-01-01T00:00:00Z", end_utc: "2025-01-01T00:01:00Z" });
        return { method: "POST", path: "/pipelines", body: JSON.stringify(body) };
      },
    });
    await service.stop();
    const lines = (await Bun.file(path).text()).split("\n").filter(Boolean).length;
    const acknowledged = result.statuses[201] ?? 0;
    rows.push({
      what: `POST /pipelines, 64 connections, fsync ${fsync}${sameStart ? ", all runs with one start_utc" : ""}`,
      target,
      indexed: { p50: result.p50, p99: result.p99, runs: result.requests },
      baseline: null,
      note: `${Math.round(result.perSecond).toLocaleString("en")} runs/s; ${acknowledged} acknowledged, ${lines} lines in the file${lines === acknowledged ? " (no loss)" : " (MISMATCH)"}; errors ${result.errors}`,
    });
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

function table(rows: Row[]): string {
  const lines = ["| what | target | p50 ms | p99 ms | baseline p50 ms | baseline / indexed | notes |", "|---|---|---|---|---|---|---|"];
  for (const r of rows) {
    const ratio = r.indexed && r.baseline ? `${(r.baseline.p50 / r.indexed.p50).toFixed(0)}x` : "";
    lines.push(`| ${r.what} | ${r.target} | ${r.indexed ? fmt(r.indexed.p50) : ""} | ${r.indexed && r.indexed.runs > 1 ? fmt(r.indexed.p99) : ""} | ${r.baseline ? fmt(r.baseline.p50) : ""} | ${ratio} | ${r.note ?? ""} |`);
  }
  return lines.join("\n");
}

try {
  const dataDir = join(ROOT, "tests/bench/data");
  await mkdir(dataDir, { recursive: true });
  const sections: string[] = [
    `# Benchmark results`,
    "",
    `${new Date().toISOString()}, Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores. Medians (p50) and p99 over repeated requests from one client; the baseline is the first issue's full-scan store measured in the same run.`,
  ];
  for (const size of sizes) {
    const { rows, notes } = await benchSize(size, dataDir);
    const section = `\n## ${notes.join(", ")}\n\n${table(rows)}`;
    console.log(section);
    sections.push(section);
  }
  const writes = `\n## Writes (fresh file each)\n\n${table(await benchWrites())}`;
  console.log(writes);
  sections.push(writes);
  if (args.out) {
    await Bun.write(args.out, `${sections.join("\n")}\n`);
    console.error(`\nwritten to ${args.out}`);
  }
} finally {
  for (const service of started) await service.stop();
}
