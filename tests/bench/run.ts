/**
 * npm run bench: the JSONL store measured as users meet it. Each size is generated once into
 * tests/bench/data in five orders (orders.ts); the start of the service is measured for every
 * order side by side with the start_utc-ordered file as the baseline, queries run on the
 * shuffled file against the full-scan store (tests/support/jsonl-scan-repository.ts), and writes into the stored
 * runs include backfills from the past. Ratios are against baselines measured in the same run.
 *
 *   bun tests/bench/run.ts [--full] [--10m] [--sizes 10000,100000] [--starts 3] [--starts-only] [--out tests/bench/RESULTS.md]
 *
 * --starts-only measures the start by file order (and SIGTERM during a build) and nothing else.
 * --full adds 1,000,000 runs (about 500 MB a file); --10m adds a start from 10,000,000 shuffled
 * runs (about 5 GB). Everything talks to 127.0.0.1, is bounded in time and stops the processes
 * it started.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseDateTime } from "../../src/domain/datetime.ts";
import type { RunFilter } from "../../src/domain/run-filter.ts";
import { createJsonlRepository } from "../../src/repository/jsonl/jsonl-repository.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { createJsonlScanRepository } from "../support/jsonl-scan-repository.ts";
import { distinctBody } from "../support/runs.ts";
import { benchBackfill } from "./backfill.ts";
import { runLoad } from "./http-load.ts";
import { fmt, get, getEncoded, rssMiB, type Timing, time } from "./measure.ts";
import { type FileOrder, generateOrders, generateShuffledLarge, ORDERS } from "./orders.ts";
import { type StartFigures, sigtermDuringBuild, spawnServer, watchStart } from "./startup.ts";

const ROOT = join(import.meta.dir, "../..");

/** tests/bench/compaction.ts in a process of its own, so its peak memory is the deletion's. */
async function benchCompaction(size: number, source: string): Promise<string> {
  const child = Bun.spawn([process.execPath, join(import.meta.dir, "compaction.ts"), String(size), source], { stdout: "pipe", stderr: "inherit" });
  const timer = setTimeout(() => child.kill("SIGKILL"), 600_000);
  const text = await new Response(child.stdout).text();
  clearTimeout(timer);
  if ((await child.exited) !== 0) throw new Error("the compaction benchmark failed");
  return text.trim();
}
const { values: args } = parseArgs({
  options: {
    full: { type: "boolean", default: false },
    "10m": { type: "boolean", default: false },
    starts: { type: "string", default: "3" },
    "starts-only": { type: "boolean", default: false },
    sizes: { type: "string" },
    out: { type: "string" },
    seconds: { type: "string", default: "3" },
  },
});
const sizes = args.sizes ? args.sizes.split(",").map(Number) : [10_000, 100_000, ...(args.full ? [1_000_000] : [])];
const loadSeconds = Number(args.seconds);
const startRepeats = Number(args.starts);

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
    const status = await fetch(`${url}/health`).then(
      (r) => r.status,
      () => 0,
    );
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
/** One pipeline of the 50, the way its dashboard page asks. */
const PIPELINE_QUERY = "pipeline_name=pipeline_07";
/** About 1 % of the runs (rowcounts are uniform below 1,000,000), spread through the file. */
const BULK_QUERY = "min_rowcount=990000";

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
  results.pipeline = await time(() => http(`/get_pipeline_info?${PIPELINE_QUERY}`), runs);
  results.filtered = await time(() => http(`/get_pipeline_info?${FILTER_QUERY}`), runs);
  results.offset = await time(() => http(`/get_pipeline_info?offset=${offset}`), runs);
  results.summary = await time(() => http("/pipelines"), runs);
  if (repo) results.count = await time(() => repo.countRuns(FILTER), runs);
  return { results, offset };
}

async function benchSize(size: number, path: string): Promise<{ rows: Row[]; notes: string[] }> {
  const bytes = Bun.file(path).size;
  const notes = [`${size.toLocaleString("en")} records in random order, ${(bytes / 2 ** 20).toFixed(0)} MiB`];
  console.error(`\n== ${notes[0]}`);
  const rows: Row[] = [];
  const fast = size >= 1_000_000 ? 100 : 200;
  const slow = size >= 1_000_000 ? 3 : size >= 100_000 ? 10 : 30;

  // The service as users run it.
  const service = await spawnService("src/server.ts", { PIPELINE_JSONL_PATH: path });
  const httpIndexed = (q: string) => get(`${service.url}${q}`);
  const indexed = await readQueries(size, httpIndexed, null, fast);

  // The same data through the full-scan store, over HTTP.
  const scanService = await spawnService("tests/bench/scan-server.ts", { PIPELINE_JSONL_PATH: path });
  const baseline = await readQueries(size, (q) => get(`${scanService.url}${q}`), null, slow);
  await scanService.stop();

  rows.push({
    what: "GET /get_pipeline_info default page (HTTP)",
    target: "p50 <= 5 ms",
    indexed: indexed.results.page ?? null,
    baseline: baseline.results.page ?? null,
  });
  rows.push({
    what: `one pipeline's newest 100 with total, ${PIPELINE_QUERY} (HTTP)`,
    target: "p50 <= 2 ms",
    indexed: indexed.results.pipeline ?? null,
    baseline: baseline.results.pipeline ?? null,
  });
  rows.push({
    what: "same, env + rowcount range + time window (HTTP)",
    target: "p50 <= 2 ms",
    indexed: indexed.results.filtered ?? null,
    baseline: baseline.results.filtered ?? null,
  });
  rows.push({
    what: `offset=${indexed.offset} page (HTTP)`,
    target: "p50 <= 25 ms",
    indexed: indexed.results.offset ?? null,
    baseline: baseline.results.offset ?? null,
  });
  rows.push({
    what: "GET /pipelines summary (HTTP)",
    target: "p50 <= 5 ms",
    indexed: indexed.results.summary ?? null,
    baseline: baseline.results.summary ?? null,
  });

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
  {
    const bulk = await time(() => get(`${service.url}/get_pipeline_info?all_data=true&${BULK_QUERY}`), size >= 1_000_000 ? 5 : 10, 1);
    const matched = ((await (await fetch(`${service.url}/get_pipeline_info?limit=1&${BULK_QUERY}`)).json()) as { total: number }).total;
    rows.push({
      what: `all_data of a filter matching ${matched.toLocaleString("en")} runs spread through the file (${BULK_QUERY})`,
      target: ">= 150k runs/s",
      indexed: bulk,
      baseline: null,
      note: `${((matched / bulk.p50) * 1000).toFixed(0)} runs/s`,
    });
  }
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
    const timing = await time(
      async () => {
        answer = await getEncoded(poll, encoding);
      },
      runs,
      1,
    );
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
  const timing = await time(
    async () => {
      const batch = Array.from({ length: 10_000 }, (_, i) => distinctBody(i, `${nonce}-${round}`));
      round++;
      const res = await fetch(`${service.url}/pipelines/batch`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(batch),
      });
      const answer = (await res.json()) as { created: number };
      if (answer.created !== 10_000) throw new Error(`batch stored ${answer.created} of 10000`);
    },
    5,
    1,
  );
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

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Starts the service on every order's file `repeats` times, round robin (so load spikes hit
 * every order alike), and tabulates medians; peak RSS and /health p99 are the worst seen. */
async function benchStarts(size: number, paths: Partial<Record<FileOrder, string>>, repeats: number): Promise<string> {
  const orders = ORDERS.filter((o) => paths[o]);
  const seen = new Map<FileOrder, StartFigures[]>(orders.map((o) => [o, []]));
  for (let r = 0; r < repeats; r++) {
    for (const order of orders) {
      const server = spawnServer({ PIPELINE_JSONL_PATH: paths[order] as string });
      try {
        const figures = await watchStart(server, performance.now(), 300_000);
        seen.get(order)?.push(figures);
        console.error(
          `${size} ${order}: ready ${(figures.readyMs / 1000).toFixed(2)} s, RSS ${figures.rssAfterMiB.toFixed(0)} MiB, peak ${figures.peakRssMiB.toFixed(0)} MiB, /health p99 ${figures.health.p99.toFixed(0)} ms`,
        );
      } finally {
        server.kill("SIGTERM");
        await server.exited;
      }
    }
  }
  const baseline = median((seen.get("start_utc") ?? []).map((f) => f.readyMs));
  const lines = [
    "| file order | ready after start, median s | / start_utc | RSS after start, median MiB | peak RSS during start, worst MiB | /health while starting p50 / p99 / worst ms |",
    "|---|---|---|---|---|---|",
  ];
  for (const order of orders) {
    const f = seen.get(order) ?? [];
    const ready = median(f.map((x) => x.readyMs));
    const worst = (pick: (x: StartFigures) => number) => Math.max(...f.map(pick));
    lines.push(
      `| ${order} | ${(ready / 1000).toFixed(2)} | ${Number.isNaN(baseline) ? "" : `${(ready / baseline).toFixed(2)}x`} | ${median(f.map((x) => x.rssAfterMiB)).toFixed(0)} | ${worst((x) => x.peakRssMiB).toFixed(0)} | ${fmt(median(f.map((x) => x.health.p50)))} / ${fmt(worst((x) => x.health.p99))} / ${fmt(worst((x) => x.health.max))} |`,
    );
  }
  return `${lines.join("\n")}\n\n${repeats} start(s) per order; targets at 1M: ready <= 3 s and within 1.3x of start_utc, RSS after start <= 200 MiB, peak <= 256 MiB, /health p99 <= 100 ms.`;
}

async function benchSigterm(path: string, readyMs: number): Promise<string> {
  const r = await sigtermDuringBuild(path, Math.max(200, readyMs * 0.4));
  return `SIGTERM ${Math.round(readyMs * 0.4)} ms into the build (${r.wasBuilding ? "while /health said 503 starting" : "the build had already finished"}): exit code ${r.code} after ${fmt(r.exitMs)} ms (shutdown timeout 10,000 ms).`;
}

async function backfillSection(size: number, path: string): Promise<string> {
  const b = await benchBackfill(path, loadSeconds);
  const rows: Row[] = [
    {
      what: `POST /pipelines/batch, 10,000 runs at random past times, into ${size.toLocaleString("en")} stored, fsync always`,
      target: "<= 1 s",
      indexed: b.pastBatch,
      baseline: null,
      note: `${((10_000 / b.pastBatch.p50) * 1000).toFixed(0)} runs/s`,
    },
    {
      what: "same, 10,000 runs after the newest (baseline)",
      target: "",
      indexed: b.newBatch,
      baseline: null,
      note: `past / new: ${(b.pastBatch.p50 / b.newBatch.p50).toFixed(2)}x`,
    },
    {
      what: "/health while those batches are stored",
      target: "p99 <= 100 ms",
      indexed: { p50: b.healthDuringBatches.p50, p99: b.healthDuringBatches.p99, runs: b.healthDuringBatches.probes },
      baseline: null,
      note: `worst ${fmt(b.healthDuringBatches.max)} ms over ${b.healthDuringBatches.probes} probes`,
    },
    {
      what: "single POSTs of past runs, 16 connections",
      target: "p50 within 1.5x of new",
      indexed: { p50: b.pastSingle.p50, p99: b.pastSingle.p99, runs: 2 },
      baseline: null,
      note: `${b.pastSingle.perSecond.toFixed(0)} runs/s; past / new p50: ${(b.pastSingle.p50 / b.newSingle.p50).toFixed(2)}x; errors ${b.pastSingle.errors}`,
    },
    {
      what: "single POSTs of new runs, 16 connections (baseline)",
      target: "",
      indexed: { p50: b.newSingle.p50, p99: b.newSingle.p99, runs: 2 },
      baseline: null,
      note: `${b.newSingle.perSecond.toFixed(0)} runs/s; errors ${b.newSingle.errors}`,
    },
    {
      what: `another process appends ${b.externalAppend.lines.toLocaleString("en")} past runs at once: until all are served`,
      target: "",
      indexed: { p50: b.externalAppend.visibleMs, p99: b.externalAppend.visibleMs, runs: 1 },
      baseline: null,
      note: `${b.stored.toLocaleString("en")} runs stored at the end`,
    },
    {
      what: "/health while that append is followed",
      target: "p99 <= 100 ms",
      indexed: { p50: b.externalAppend.health.p50, p99: b.externalAppend.health.p99, runs: b.externalAppend.health.probes },
      baseline: null,
      note: `worst ${fmt(b.externalAppend.health.max)} ms over ${b.externalAppend.health.probes} probes`,
    },
  ];
  return table(rows);
}

function table(rows: Row[]): string {
  const lines = ["| what | target | p50 ms | p99 ms | baseline p50 ms | baseline / indexed | notes |", "|---|---|---|---|---|---|---|"];
  for (const r of rows) {
    const ratio = r.indexed && r.baseline ? `${(r.baseline.p50 / r.indexed.p50).toFixed(0)}x` : "";
    lines.push(
      `| ${r.what} | ${r.target} | ${r.indexed ? fmt(r.indexed.p50) : ""} | ${r.indexed && r.indexed.runs > 1 ? fmt(r.indexed.p99) : ""} | ${r.baseline ? fmt(r.baseline.p50) : ""} | ${ratio} | ${r.note ?? ""} |`,
    );
  }
  return lines.join("\n");
}

try {
  const dataDir = join(ROOT, "tests/bench/data");
  await mkdir(dataDir, { recursive: true });
  const sections: string[] = [
    `# Benchmark results`,
    "",
    `${new Date().toISOString()}, Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores. Medians (p50) and p99 over repeated requests from one client; baselines (the start_utc-ordered file, the first issue's full-scan store, runs appended after the newest) are measured in the same run.`,
  ];
  const emit = (section: string) => {
    console.log(section);
    sections.push(section);
  };
  for (const size of sizes) {
    const paths = await generateOrders(dataDir, size);
    const starts = await benchStarts(size, paths, size >= 1_000_000 ? startRepeats : Math.max(startRepeats, 3));
    emit(`\n## Start, ${size.toLocaleString("en")} runs, by file order\n\n${starts}`);
    if (size === sizes.at(-1)) {
      const ready = await (async () => {
        const server = spawnServer({ PIPELINE_JSONL_PATH: paths.random });
        try {
          return (await watchStart(server, performance.now(), 300_000)).readyMs;
        } finally {
          server.kill("SIGTERM");
          await server.exited;
        }
      })();
      emit(`\n${await benchSigterm(paths.random, ready)}`);
    }
    if (args["starts-only"]) continue;
    const { rows, notes } = await benchSize(size, paths.random);
    emit(`\n## Queries, ${notes.join(", ")}\n\n${table(rows)}`);
    emit(`\n## Writes into ${size.toLocaleString("en")} stored runs (a copy of the start_utc file)\n\n${await backfillSection(size, paths.start_utc)}`);
    if (size === sizes.at(-1))
      emit(`\n## Deleting half of ${size.toLocaleString("en")} runs (a copy of the random file)\n\n${await benchCompaction(size, paths.random)}`);
  }
  if (!args["starts-only"]) emit(`\n## Writes (fresh file each)\n\n${table(await benchWrites())}`);
  if (args["10m"]) {
    const path = await generateShuffledLarge(dataDir, 10_000_000);
    emit(`\n## Start, 10,000,000 runs in random order\n\n${await benchStarts(10_000_000, { random: path }, 1)}`);
  }
  if (args.out) {
    await Bun.write(args.out, `${sections.join("\n")}\n`);
    console.error(`\nwritten to ${args.out}`);
  }
} finally {
  for (const service of started) await service.stop();
}
