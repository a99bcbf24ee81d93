/**
 * npm run bench:web: the web page's first view in headless Chromium against a JSONL store of
 * 1,000,000 runs (generated once into tests/bench/data), and the total size of its assets as
 * sent compressed. Each view is loaded cold (fresh browser context, empty cache) several times;
 * medians and the worst are reported. Measured separately: the first view right after a run was
 * appended, in time order and (the worst case) out of order.
 *
 *   bun tests/bench/web-page.ts [--runs 1000000] [--repeat 5]
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { distinctBody } from "../support/runs.ts";
import { startServer } from "../support/server-process.ts";
import { launchChromium } from "../ui/browser.ts";
import { fixtureRuns } from "../ui/fixture.ts";
import { jsonlService } from "../ui/targets.ts";
import { generateFile } from "./generate.ts";

const { values: args } = parseArgs({ options: { runs: { type: "string", default: "1000000" }, repeat: { type: "string", default: "5" } } });
const count = Number(args.runs);
const repeat = Number(args.repeat);
const data = join(import.meta.dir, "data", `runs-${count}.jsonl`);
if (!existsSync(data)) {
  await mkdir(join(import.meta.dir, "data"), { recursive: true });
  console.log(`generating ${count} runs into ${data}`);
  await generateFile(data, count);
}

// A copy: the worst-case step appends runs, and the shared data set must stay as generated.
const work = await mkdtemp(join(tmpdir(), "web-bench-"));
const store = join(work, "runs.jsonl");
await copyFile(data, store);
const began = performance.now();
const server = await startServer({ PIPELINE_BACKEND: "jsonl", PIPELINE_JSONL_PATH: store }, "src/server.ts", 600_000);
console.log(`service ready in ${((performance.now() - began) / 1000).toFixed(1)} s with ${count} runs`);
// The baseline, in the same run: the same page on a store of 147 runs (the browser tests'
// fixture). The ratio says what a million runs add; the rest is the browser on this machine.
const baseline = await jsonlService(fixtureRuns(Date.now()), "unused-key-0123456789");
const browser = await launchChromium();

/** Cold loads of `path`: ms from navigation start to the page's user-timing `mark`. */
async function firstView(path: string, mark: string, times = repeat, base = server.url): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 820 } });
    const page = await context.newPage();
    await page.goto(`${base}${path}`);
    await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, mark, { timeout: 30_000 });
    samples.push(await page.evaluate((m) => (performance.getEntriesByName(m)[0] as PerformanceEntry).startTime, mark));
    await context.close();
  }
  return samples;
}

/** Bytes on the wire for the page and its assets, as a browser asks for them (gzip accepted). */
async function transferSize(): Promise<{ total: number; parts: Array<[string, number, number]> }> {
  const html = await fetch(`${server.url}/ui`);
  const body = await html.text();
  const parts: Array<[string, number, number]> = [["/ui (HTML)", Buffer.byteLength(body), Bun.gzipSync(body).length]];
  for (const m of body.matchAll(/(?:href|src)="(\/ui\/assets\/[^"]+)"/g)) {
    const path = m[1] as string;
    const zipped = (await (await fetch(`${server.url}${path}`, { headers: { "accept-encoding": "gzip" }, decompress: false })).arrayBuffer()).byteLength;
    const plain = (await (await fetch(`${server.url}${path}`)).arrayBuffer()).byteLength;
    parts.push([path, plain, zipped]);
  }
  return { total: parts.reduce((n, [, , z]) => n + z, 0), parts };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const worst = (xs: number[]) => Math.max(...xs);
const line = (name: string, xs: number[]) =>
  console.log(`${name.padEnd(44)} median ${median(xs).toFixed(0).padStart(5)} ms   worst ${worst(xs).toFixed(0).padStart(5)} ms   (${xs.length} cold loads)`);

try {
  const size = await transferSize();
  for (const [path, plain, zipped] of size.parts)
    console.log(`${path.padEnd(28)} ${(plain / 1024).toFixed(1).padStart(7)} KiB, ${(zipped / 1024).toFixed(1).padStart(6)} KiB gzip`);
  console.log(`assets in total: ${(size.total / 1024).toFixed(1)} KiB compressed (HTML counted gzip-compressed too)`);
  await firstView("/", "overview:table", 1); // one warm-up for the service, not counted
  await firstView("/", "overview:table", 1, baseline.url);
  const overview = await firstView("/", "overview:ready");
  const overviewBase = await firstView("/", "overview:ready", repeat, baseline.url);
  line("overview: table drawn", await firstView("/", "overview:table"));
  line("overview: table and trends", overview);
  line("  baseline: the same on 147 runs", overviewBase);
  console.log(`  ratio 1M / baseline (medians): ${(median(overview) / median(overviewBase)).toFixed(2)}`);
  const pipeline = await firstView("/ui/pipeline?pipeline_name=pipeline_07&environment=prod", "pipeline:ready");
  const pipelineBase = await firstView("/ui/pipeline?pipeline_name=orders_daily", "pipeline:ready", repeat, baseline.url);
  line("pipeline page: charts drawn (30 days)", pipeline);
  line("  baseline: the same on 147 runs", pipelineBase);
  console.log(`  ratio 1M / baseline (medians): ${(median(pipeline) / median(pipelineBase)).toFixed(2)}`);
  line("pipeline page: charts drawn (all, 10k pts)", await firstView("/ui/pipeline?pipeline_name=pipeline_07&window=all", "pipeline:ready", 3));
  line("runs explorer: first page", await firstView("/ui/runs", "runs:ready"));
  // New runs invalidate the store's cached summary. A run that starts after every stored one is
  // how pipelines append; one in the middle of the history (a late file from another host) also
  // has to be merged into the sorted index first: the worst case.
  const nonce = Date.now();
  for (const [name, startOf] of [
    ["overview right after an in-order append", (i: number) => Date.now() + i * 1000],
    ["overview right after an out-of-order append", (i: number) => Date.UTC(2025, 0, 1) + i * 1000],
  ] as const) {
    const samples: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const start = startOf(i);
      const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
      const body = {
        ...distinctBody(i, `web-bench-${nonce}-${name.length}`),
        start_utc: `${iso(start)}Z`,
        end_utc: `${iso(start + 60_000)}Z`,
        start_local: iso(start),
        end_local: iso(start + 60_000),
      };
      const res = await fetch(`${server.url}/pipelines`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      if (res.status !== 201) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
      samples.push(...(await firstView("/", "overview:ready", 1)));
    }
    line(name, samples);
  }
} finally {
  await browser.close();
  await Promise.all([server.stop(), baseline.stop()]);
  await rm(work, { recursive: true, force: true });
}
