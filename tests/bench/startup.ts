/**
 * The start of a service as an orchestrator sees it: how long until /health says 200, how
 * promptly /health answers meanwhile, resident memory at its peak and after, and whether
 * SIGTERM during the build ends the process in time.
 */
import { join } from "node:path";
import { rssMiB } from "./measure.ts";

const ROOT = join(import.meta.dir, "../..");

export interface StartFigures {
  readyMs: number;
  rssAfterMiB: number;
  peakRssMiB: number;
  /** /health latencies while starting (ms): median, p99 and worst. */
  health: { p50: number; p99: number; max: number; probes: number };
}

export interface Spawned {
  pid: number;
  url: string;
  port: number;
  exited: Promise<number>;
  kill(signal?: NodeJS.Signals): void;
}

export function spawnServer(env: Record<string, string>, entry = "src/server.ts"): Spawned {
  const port = 20000 + Math.floor(Math.random() * 40000);
  const proc = Bun.spawn([process.execPath, entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: "warn", ...env },
    stdout: "ignore",
    stderr: "inherit",
  });
  return { pid: proc.pid, url: `http://127.0.0.1:${port}`, port, exited: proc.exited, kill: (signal = "SIGTERM") => proc.kill(signal) };
}

const pick = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/** Polls /health (one probe at a time, as a liveness probe does) and samples RSS until ready. */
export async function watchStart(server: Spawned, began: number, timeoutMs = 120_000): Promise<StartFigures> {
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rssMiB(server.pid).catch(() => 0));
      await Bun.sleep(10);
    }
  })();
  const latencies: number[] = [];
  let readyMs = Number.NaN;
  try {
    while (performance.now() - began < timeoutMs) {
      const sent = performance.now();
      const status = await fetch(`${server.url}/health`).then(
        async (r) => {
          await r.arrayBuffer();
          return r.status;
        },
        () => 0,
      );
      // Connection refused: not listening yet, so no probe answered.
      if (status !== 0) latencies.push(performance.now() - sent);
      if (status === 200) {
        readyMs = performance.now() - began;
        break;
      }
      await Bun.sleep(20);
    }
  } finally {
    sampling = false;
    await sampler;
  }
  if (Number.isNaN(readyMs)) throw new Error(`not ready after ${timeoutMs} ms`);
  await Bun.sleep(300);
  const rssAfterMiB = await rssMiB(server.pid);
  latencies.sort((a, b) => a - b);
  return {
    readyMs,
    rssAfterMiB,
    peakRssMiB: Math.max(peak, rssAfterMiB),
    health: { p50: pick(latencies, 0.5), p99: pick(latencies, 0.99), max: latencies.at(-1) ?? Number.NaN, probes: latencies.length },
  };
}

/** Starts on `path`, sends SIGTERM after `afterMs` (mid-build) and times the exit. */
export async function sigtermDuringBuild(path: string, afterMs: number): Promise<{ exitMs: number; code: number; wasBuilding: boolean }> {
  const server = spawnServer({ PIPELINE_JSONL_PATH: path });
  const began = performance.now();
  let wasBuilding = false;
  while (performance.now() - began < afterMs) {
    const status = await fetch(`${server.url}/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 503) wasBuilding = true;
    await Bun.sleep(50);
  }
  const sent = performance.now();
  server.kill("SIGTERM");
  const timer = setTimeout(() => server.kill("SIGKILL"), 30_000);
  const code = await server.exited;
  clearTimeout(timer);
  return { exitMs: performance.now() - sent, code, wasBuilding };
}
