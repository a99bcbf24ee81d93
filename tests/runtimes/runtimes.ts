import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, join } from "node:path";
import { type RunningServer, startProcess } from "../support/server-process.ts";
import type { TestResult } from "./bun-test-shim.ts";
import { ANSWER_REQUESTS, bundleHttpTests, PRINT_AND_EXIT, parseResults } from "./http-tests.ts";

const require = createRequire(import.meta.url);
const SERVERS = join(import.meta.dir, "servers");
const START_TIMEOUT_MS = 20_000;
const TESTS_TIMEOUT_MS = 90_000;

/** A JavaScript runtime the app must run on, with how to build for it and start it. */
export interface Runtime {
  name: string;
  /** The runtime's executable and the arguments that print its version. */
  version(): string[];
  /** Builds into `dir` and starts the scenario app (tests/runtimes/scenario-app.ts) on a loopback port. */
  serveApp(dir: string): Promise<RunningServer>;
  /** Builds into `dir` and runs the app-level HTTP test files inside the runtime; absent for Bun,
   * whose `bun test` runs them natively. */
  runHttpTests?(dir: string): Promise<TestResult[]>;
}

/** Servers and test processes still running, for the matrix's watchdog. */
export const running = new Set<{ stop(graceMs?: number): Promise<unknown> }>();

async function bundle(entry: string, dir: string, target: "node" | "browser"): Promise<string> {
  const built = await Bun.build({ entrypoints: [join(SERVERS, entry)], outdir: dir, target, format: "esm" });
  if (!built.success) throw new AggregateError(built.logs, `bun build ${entry} failed`);
  return built.outputs[0]?.path as string;
}

async function serve(command: (port: number) => string[]): Promise<RunningServer> {
  const server = await startProcess(command, {}, START_TIMEOUT_MS);
  running.add(server);
  const stop = server.stop;
  return {
    ...server,
    stop: (graceMs) => {
      running.delete(server);
      return stop(graceMs);
    },
  };
}

/** Runs `command` to its end (SIGKILL after `timeoutMs`); answers its exit code and output. */
export async function runCommand(command: string[], timeoutMs = TESTS_TIMEOUT_MS) {
  const proc = Bun.spawn(command, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const handle = { stop: async () => proc.kill("SIGKILL") };
  running.add(handle);
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  running.delete(handle);
  return { code, stdout, stderr };
}

async function testsInProcess(command: string[]): Promise<TestResult[]> {
  const { code, stdout, stderr } = await runCommand(command);
  if (code !== 0) throw new Error(`${basename(command[0] as string)} exited with ${code}: ${stderr.slice(-400)}`);
  return parseResults(stdout);
}

export function nodeBinary(): string {
  const node = Bun.which("node");
  if (!node) throw new Error("node is not on PATH");
  return node;
}

/** The binaries the `deno` and `workerd` npm packages install for this platform. */
const denoBinary = (): string => require("deno/install_api.cjs").runInstall();
const workerdBinary = (): string => require("workerd").default;

/** A workerd configuration beside the bundled `module`: one worker on one HTTP socket, whose
 * address each run sets with --socket-addr. */
async function workerdConfig(module: string, flags: string[] = []): Promise<string> {
  const config = join(module, "..", `${basename(module, ".js")}.capnp`);
  await writeFile(
    config,
    `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .app) ],
  sockets = [ (name = "http", address = "127.0.0.1:8080", http = (), service = "main") ],
);

const app :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "${basename(module)}") ],
  compatibilityDate = "${require("workerd").compatibilityDate}",
  compatibilityFlags = ${JSON.stringify(flags)},
);
`,
  );
  return config;
}

const serveWorkerd = (config: string) => serve((port) => [workerdBinary(), "serve", config, `--socket-addr=http=127.0.0.1:${port}`]);

export const RUNTIMES: Runtime[] = [
  {
    name: "bun",
    version: () => [process.execPath, "--version"],
    serveApp: () => serve((port) => [process.execPath, join(SERVERS, "bun.ts"), String(port)]),
  },
  {
    name: "node",
    version: () => [nodeBinary(), "--version"],
    // Node 20 cannot load TypeScript, so both the server and the tests are bundled for it.
    async serveApp(dir) {
      const script = await bundle("node.ts", dir, "node");
      return serve((port) => [nodeBinary(), script, String(port)]);
    },
    runHttpTests: async (dir) => testsInProcess([nodeBinary(), await bundleHttpTests(dir, "node", PRINT_AND_EXIT)]),
  },
  {
    name: "deno",
    version: () => [denoBinary(), "--version"],
    // The server runs the TypeScript sources unbundled; neither it nor the tests get any
    // permission beyond the server's loopback network.
    serveApp: async () => serve((port) => [denoBinary(), "run", "--no-prompt", "--allow-net=127.0.0.1", join(SERVERS, "deno.ts"), String(port)]),
    runHttpTests: async (dir) => testsInProcess([denoBinary(), "run", "--no-prompt", await bundleHttpTests(dir, "node", PRINT_AND_EXIT)]),
  },
  {
    name: "workerd",
    version: () => [workerdBinary(), "--version"],
    // The app's worker has no compatibility flag: it needs nothing beyond web-standard APIs. The
    // test files' helpers import node:path and node:url, so their worker runs with nodejs_compat.
    serveApp: async (dir) => serveWorkerd(await workerdConfig(await bundle("workerd.ts", dir, "browser"))),
    async runHttpTests(dir) {
      const config = await workerdConfig(await bundleHttpTests(dir, "node", ANSWER_REQUESTS), ["nodejs_compat"]);
      const worker = await serveWorkerd(config);
      try {
        const response = await fetch(`${worker.url}/run`, { signal: AbortSignal.timeout(TESTS_TIMEOUT_MS) });
        if (!response.ok) throw new Error(`the test worker answered ${response.status}: ${(await response.text()).slice(0, 400)}`);
        return (await response.json()) as TestResult[];
      } finally {
        await worker.stop(5000);
      }
    },
  },
];
