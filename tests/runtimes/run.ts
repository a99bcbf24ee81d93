import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { type RunningServer, startProcess } from "../support/server-process.ts";
import { RUNTIMES, type Runtime, nodeBinary } from "./runtimes.ts";
import { SCENARIOS } from "./scenarios.ts";

/**
 * The runtime matrix: serves the same createApp (memory store) from Bun, Node, Deno and workerd on
 * loopback ports, sends every scenario to each, and runs the Oracle store's connection-fault cases
 * under Node. `bun tests/runtimes/run.ts [runtime ...]` runs a subset. Exit 1 when anything failed.
 */
const BUILD = join(import.meta.dir, "../../node_modules/.cache/runtime-matrix");
const START_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 10_000;
const MATRIX_TIMEOUT_MS = 150_000;

const running = new Set<RunningServer>();
const watchdog = setTimeout(async () => {
  console.error(`runtime matrix: still running after ${MATRIX_TIMEOUT_MS / 1000} s; stopping`);
  await Promise.all([...running].map((s) => s.stop(1000)));
  process.exit(1);
}, MATRIX_TIMEOUT_MS);

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const reason = (error: unknown) => (error instanceof Error ? error.message : String(error)).replaceAll("\n", " ").slice(0, 400);

async function versionOf(runtime: Runtime): Promise<string> {
  const proc = Bun.spawn(runtime.version(), { stdout: "pipe", stderr: "pipe" });
  const text = await new Response(proc.stdout).text();
  await proc.exited;
  return text.split("\n")[0]?.trim() ?? "";
}

/** Serves the app from `runtime` and sends it every scenario; answers the number that failed. */
async function runScenarios(runtime: Runtime): Promise<number> {
  const started = performance.now();
  const dir = join(BUILD, runtime.name);
  await mkdir(dir, { recursive: true });
  const command = await runtime.prepare(dir);
  const server = await startProcess(command, {}, START_TIMEOUT_MS);
  running.add(server);
  const startup = seconds(started);
  let failed = 0;
  try {
    for (const scenario of SCENARIOS) {
      try {
        await scenario.run((path, init) => fetch(`${server.url}${path}`, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }));
        console.log(`[${runtime.name}] pass  ${scenario.name}`);
      } catch (error) {
        failed++;
        console.log(`[${runtime.name}] FAIL  ${scenario.name}: ${reason(error)}`);
      }
    }
  } finally {
    running.delete(server);
    const code = await server.stop(5000);
    if (code !== 0 && code !== 143) console.log(`[${runtime.name}] note  the server exited with ${code} on SIGTERM`);
  }
  console.log(`[${runtime.name}] ${SCENARIOS.length - failed}/${SCENARIOS.length} scenarios passed (${await versionOf(runtime)}; started in ${startup}, ${seconds(started)} in all)`);
  return failed;
}

/** The Oracle store's connection-fault cases, bundled for Node and run by node. */
async function runOracleOnNode(): Promise<number> {
  const started = performance.now();
  const dir = join(BUILD, "node-oracle");
  const built = await Bun.build({ entrypoints: [join(import.meta.dir, "oracle-on-node.ts")], outdir: dir, target: "node", format: "esm", external: ["oracledb"] });
  if (!built.success) throw new AggregateError(built.logs, "bun build oracle-on-node.ts failed");
  const proc = Bun.spawn([nodeBinary(), built.outputs[0]?.path as string], { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  const lines = out.trim().split("\n").filter(Boolean);
  for (const line of lines) console.log(`[node] ${line.startsWith("ok ") ? "pass  oracle store: " + line.slice(3) : "FAIL  oracle store: " + line.replace(/^not ok /, "")}`);
  const passed = lines.filter((l) => l.startsWith("ok ")).length;
  if (code !== 0 && err.trim()) console.log(`[node] FAIL  oracle store: exit ${code}: ${reason(err)}`);
  console.log(`[node] ${passed}/${lines.length} Oracle connection-fault cases passed (${seconds(started)})`);
  return code === 0 && passed === lines.length && passed > 0 ? 0 : Math.max(1, lines.length - passed);
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !RUNTIMES.some((r) => r.name === name));
if (unknown.length) {
  console.error(`unknown runtime ${unknown.join(", ")}; known: ${RUNTIMES.map((r) => r.name).join(", ")}`);
  process.exit(2);
}
await rm(BUILD, { recursive: true, force: true });
const started = performance.now();
const failures: string[] = [];
for (const runtime of RUNTIMES.filter((r) => !wanted.length || wanted.includes(r.name))) {
  try {
    if (await runScenarios(runtime)) failures.push(runtime.name);
  } catch (error) {
    console.log(`[${runtime.name}] FAIL  could not serve the app: ${reason(error)}`);
    failures.push(runtime.name);
  }
}
if (!wanted.length || wanted.includes("node")) {
  try {
    if (await runOracleOnNode()) failures.push("node (oracle store)");
  } catch (error) {
    console.log(`[node] FAIL  oracle store: ${reason(error)}`);
    failures.push("node (oracle store)");
  }
}
clearTimeout(watchdog);
console.log(failures.length ? `runtime matrix FAILED on ${failures.join(", ")} (${seconds(started)})` : `runtime matrix passed (${seconds(started)})`);
process.exit(failures.length ? 1 : 0);
