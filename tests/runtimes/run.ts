import { mkdir, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { HTTP_TEST_FILES } from "./http-tests.ts";
import { nodeBinary, RUNTIMES, type Runtime, runCommand, running } from "./runtimes.ts";
import { SCENARIOS } from "./scenarios.ts";

/**
 * The runtime matrix. On each runtime: serve the scenario app (the real createApp on the memory
 * store) on a loopback port and send it every scenario; run the app-level HTTP test files inside
 * the runtime. Under Node, also run the Oracle store's connection-fault cases.
 * `bun tests/runtimes/run.ts [runtime ...]` runs a subset. Exit 1 when anything failed.
 */
const BUILD = join(import.meta.dir, "../../node_modules/.cache/runtime-matrix");
const REQUEST_TIMEOUT_MS = 10_000;
const MATRIX_TIMEOUT_MS = 150_000;

const watchdog = setTimeout(async () => {
  console.log(`runtime matrix FAILED: still running after ${MATRIX_TIMEOUT_MS / 1000} s; stopping what it started`);
  await Promise.all([...running].map((s) => s.stop(1000)));
  process.exit(1);
}, MATRIX_TIMEOUT_MS);

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const reason = (error: unknown) => (error instanceof Error ? error.message : String(error)).replaceAll("\n", " ").slice(0, 400);
const log = (runtime: string, passed: boolean, what: string) => console.log(`[${runtime}] ${passed ? "pass" : "FAIL"}  ${what}`);

async function versionOf(runtime: Runtime): Promise<string> {
  const { stdout } = await runCommand(runtime.version(), 10_000);
  return stdout.split("\n")[0]?.trim() ?? "";
}

async function buildDir(...parts: string[]): Promise<string> {
  const dir = join(BUILD, ...parts);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Sends every scenario to the runtime's server; answers how many failed. */
async function runScenarios(runtime: Runtime): Promise<number> {
  const started = performance.now();
  const server = await runtime.serveApp(await buildDir(runtime.name, "app"));
  const startup = seconds(started);
  let failed = 0;
  try {
    for (const scenario of SCENARIOS) {
      try {
        await scenario.run((path, init) => fetch(`${server.url}${path}`, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }));
        log(runtime.name, true, `scenario: ${scenario.name}`);
      } catch (error) {
        failed++;
        log(runtime.name, false, `scenario: ${scenario.name}: ${reason(error)}`);
      }
    }
  } finally {
    const code = await server.stop(5000);
    if (code !== 0 && code !== 143) console.log(`[${runtime.name}] note  the server exited with ${code} on SIGTERM`);
  }
  console.log(
    `[${runtime.name}] ${SCENARIOS.length - failed}/${SCENARIOS.length} HTTP scenarios passed against its server (started in ${startup}, ${seconds(started)} in all)`,
  );
  return failed;
}

/** Runs the HTTP test files inside the runtime; answers how many failed. */
async function runHttpTests(runtime: Runtime): Promise<number> {
  if (!runtime.runHttpTests) return 0;
  const started = performance.now();
  const results = await runtime.runHttpTests(await buildDir(runtime.name, "http-tests"));
  const ran = results.filter((r) => !r.skipped);
  for (const result of ran) log(runtime.name, !result.error, `${result.name}${result.error ? `: ${reason(result.error)}` : ""}`);
  const failed = ran.filter((r) => r.error).length;
  if (ran.length === 0) throw new Error("no HTTP test ran");
  console.log(
    `[${runtime.name}] ${ran.length - failed}/${ran.length} tests of ${HTTP_TEST_FILES.map((f) => basename(f, ".test.ts")).join(", ")} passed inside it; ${results.length - ran.length} left to Bun (${seconds(started)})`,
  );
  return failed;
}

/** The Oracle store's connection-fault cases, bundled for Node (oracledb left to node) and run by it. */
async function runOracleOnNode(): Promise<number> {
  const started = performance.now();
  const dir = await buildDir("node", "oracle");
  const built = await Bun.build({
    entrypoints: [join(import.meta.dir, "oracle-on-node.ts")],
    outdir: dir,
    target: "node",
    format: "esm",
    external: ["oracledb"],
  });
  if (!built.success) throw new AggregateError(built.logs, "bun build oracle-on-node.ts failed");
  const { code, stdout, stderr } = await runCommand([nodeBinary(), built.outputs[0]?.path as string], 60_000);
  const lines = stdout.trim().split("\n").filter(Boolean);
  for (const line of lines) log("node", line.startsWith("ok "), `oracle store: ${line.replace(/^(not )?ok /, "")}`);
  const passed = lines.filter((l) => l.startsWith("ok ")).length;
  if (code !== 0 && stderr.trim()) log("node", false, `oracle store: exit ${code}: ${reason(stderr)}`);
  console.log(`[node] ${passed}/${lines.length} Oracle connection-fault cases passed (${seconds(started)})`);
  return code === 0 && passed === lines.length && passed > 0 ? 0 : Math.max(1, lines.length - passed);
}

/** Runs `step`, counting a throw as a failure of `what`. */
async function attempt(runtime: string, what: string, step: () => Promise<number>): Promise<boolean> {
  try {
    return (await step()) === 0;
  } catch (error) {
    log(runtime, false, `${what}: ${reason(error)}`);
    return false;
  }
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
  console.log(`[${runtime.name}] ${await versionOf(runtime).catch(reason)}`);
  if (!(await attempt(runtime.name, "serving the app", () => runScenarios(runtime)))) failures.push(`${runtime.name} (scenarios)`);
  if (!(await attempt(runtime.name, "the HTTP tests", () => runHttpTests(runtime)))) failures.push(`${runtime.name} (HTTP tests)`);
  if (runtime.name === "node" && !(await attempt("node", "oracle store", runOracleOnNode))) failures.push("node (Oracle store)");
}
clearTimeout(watchdog);
console.log(failures.length ? `runtime matrix FAILED on ${failures.join(", ")} (${seconds(started)})` : `runtime matrix passed (${seconds(started)})`);
process.exit(failures.length ? 1 : 0);
