import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { generateOrders } from "../bench/orders.ts";
import { tempDir } from "../support/temp-dir.ts";

const temp = await tempDir();
afterAll(() => temp.remove());

// Large enough that the build takes a while on any machine, small enough for a test run.
const { random: path } = await generateOrders(temp.dir, 200_000, ["random"]);
const ROOT = join(import.meta.dir, "../..");

function spawn() {
  const port = 20000 + Math.floor(Math.random() * 40000);
  const proc = Bun.spawn([process.execPath, "src/server.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: "warn", PIPELINE_JSONL_PATH: path },
    stdout: "ignore",
    stderr: "ignore",
  });
  return { proc, url: `http://127.0.0.1:${port}` };
}

/** One probe as an orchestrator sends it; 0 while nothing listens yet. */
async function probe(url: string): Promise<{ status: number; ms: number; body: { status?: string } }> {
  const sent = performance.now();
  try {
    const res = await fetch(`${url}/health`);
    return { status: res.status, body: (await res.json()) as { status?: string }, ms: performance.now() - sent };
  } catch {
    return { status: 0, body: {}, ms: performance.now() - sent };
  }
}

test("/health and /health/ready answer throughout the build of a shuffled file", async () => {
  const { proc, url } = spawn();
  try {
    const answers: { status: number; ms: number; body: { status?: string } }[] = [];
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const answer = await probe(url);
      if (answer.status !== 0) answers.push(answer);
      if (answer.status === 200) break;
      await Bun.sleep(20);
    }
    const starting = answers.filter((a) => a.status === 503 && a.body.status === "starting");
    expect(answers.at(-1)?.status).toBe(200);
    // The build ran while the probes were answered, not before them.
    expect(starting.length).toBeGreaterThanOrEqual(3);
    // A generous bound: a stalled event loop would hold probes for seconds.
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(2000);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
  } finally {
    proc.kill("SIGKILL");
    await proc.exited;
  }
}, 90_000);

test("SIGTERM during the build ends the process with exit 0 well within the shutdown timeout", async () => {
  const { proc, url } = spawn();
  try {
    let answer = await probe(url);
    const deadline = Date.now() + 30_000;
    while (answer.body.status !== "starting" && Date.now() < deadline) {
      await Bun.sleep(20);
      answer = await probe(url);
    }
    expect(answer.body.status).toBe("starting");
    const sent = Date.now();
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
    const code = await proc.exited;
    clearTimeout(timer);
    expect(code).toBe(0);
    expect(Date.now() - sent).toBeLessThan(10_000);
  } finally {
    proc.kill("SIGKILL");
    await proc.exited;
  }
}, 90_000);
