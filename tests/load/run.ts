/**
 * npm run load: mixed reads and writes at 64 connections for a bounded time against a service on
 * a temporary store, then proof that every acknowledged write is stored exactly once and that no
 * request failed. Loopback only; stops the service it started.
 *
 *   bun tests/load/run.ts [--seconds 10] [--connections 64] [--seed-records 20000]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { generateFile } from "../bench/generate.ts";
import { runLoad } from "../bench/http-load.ts";
import { distinctBody } from "../support/runs.ts";
import { startServer } from "../support/server-process.ts";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "64" },
    "seed-records": { type: "string", default: "20000" },
  },
});

const dir = await mkdtemp(join(tmpdir(), "pipeline-load-"));
const path = join(dir, "runs.jsonl");
await generateFile(path, Number(args["seed-records"]));
const server = await startServer({ PIPELINE_JSONL_PATH: path, PIPELINE_JSONL_FSYNC: "always" });
const port = Number(new URL(server.url).port);
const nonce = `${Date.now().toString(36)}-${process.pid}`;

const READS = [
  "/get_pipeline_info",
  "/get_pipeline_info?environment=prod&min_rowcount=1000&limit=50",
  "/get_pipeline_info?pipeline_name=pipeline_07&offset=100",
  "/pipelines",
  "/health",
];
const writes = new Map<number, number>();
let failed = 0;
try {
  const result = await runLoad({
    port,
    connections: Number(args.connections),
    seconds: Number(args.seconds),
    request: (i) =>
      i % 5 === 0
        ? { method: "POST", path: "/pipelines", body: JSON.stringify(distinctBody(i, `load-${nonce}`)) }
        : { method: "GET", path: READS[i % READS.length] as string },
    onResponse: (i, status) => {
      if (i % 5 === 0) writes.set(i, status);
      if (status >= 400) failed++;
    },
  });
  await server.stop();

  const counts = new Map<string, number>();
  for (const line of (await Bun.file(path).text()).split("\n")) {
    if (!line.includes(nonce)) continue;
    const code = (JSON.parse(line) as { date_code: string }).date_code;
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  const acknowledged = [...writes].filter(([, s]) => s === 201).map(([i]) => i);
  const lost = acknowledged.filter((i) => counts.get(`load-${nonce}-${i}`) !== 1);
  const duplicated = [...counts.values()].filter((n) => n > 1).length;

  console.log(`requests     ${result.requests} in ${result.seconds.toFixed(1)} s = ${Math.round(result.perSecond)} req/s at ${args.connections} connections`);
  console.log(`latency      p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms`);
  console.log(`statuses     ${JSON.stringify(result.statuses)}`);
  console.log(`writes       ${acknowledged.length} acknowledged, ${counts.size} stored, ${lost.length} lost, ${duplicated} duplicated`);
  console.log(`errors       ${failed} failed requests, ${result.errors} connection errors`);
  const ok = failed === 0 && result.errors === 0 && lost.length === 0 && duplicated === 0 && acknowledged.length > 0;
  console.log(ok ? "OK: zero errors, zero lost records" : "FAILED");
  process.exitCode = ok ? 0 : 1;
} finally {
  if (server.process.exitCode === null) await server.stop();
  await rm(dir, { recursive: true, force: true });
}
