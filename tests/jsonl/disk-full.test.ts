import { afterAll, expect, test } from "bun:test";
import { mkdir, readFile, rm, statfs, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startLossCounter, tally } from "../support/loss-counter.ts";
import { sampleBody } from "../support/runs.ts";
import { startServer } from "../support/server-process.ts";
import { tempDir } from "../support/temp-dir.ts";

// A real full disk: a small tmpfs (mounting needs root; without it the test says so and the
// file-handle double in writer-faults.test.ts covers the same rules).

const temp = await tempDir();
afterAll(() => temp.remove());

async function run(command: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const proc = Bun.spawn(command, { stdout: "ignore", stderr: "pipe" });
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    const code = await proc.exited;
    clearTimeout(timer);
    return { code, stderr: await new Response(proc.stderr).text() };
  } catch (error) {
    // No such program on this machine.
    return { code: -1, stderr: String(error) };
  }
}

const post = (url: string, path: string, body: unknown) =>
  fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function health(url: string) {
  const res = await fetch(`${url}/health`);
  return { code: res.status, body: (await res.json()) as { status: string; reason?: string; write_failures?: Record<string, number> } };
}

async function storedLines(path: string) {
  const lines = (await readFile(path, "utf8")).split("\n").filter((l) => l.trim() !== "");
  const codes = lines.map((l) => (JSON.parse(l) as { date_code: string }).date_code);
  return { codes, torn: lines.length - codes.length };
}

test("a full disk: nothing acknowledged is lost, nothing refused is stored, a retried batch is stored once", async () => {
  const mount = join(temp.dir, "small-disk");
  await mkdir(mount);
  const mounted = await run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount]);
  if (mounted.code !== 0) {
    console.log(`[disk-full] SKIPPED: cannot mount a tmpfs (${mounted.stderr.trim() || `exit ${mounted.code}`}); needs root`);
    return;
  }
  const path = join(mount, "runs.jsonl");
  const filler = join(mount, "filler");
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    server = await startServer({ PIPELINE_JSONL_PATH: path, PIPELINE_JSONL_FSYNC: "always" });
    const { url } = server;
    // Leave room for ~40 runs, then keep posting until the disk refuses.
    const fs = await statfs(mount);
    await writeFile(filler, new Uint8Array(Math.max(0, fs.bavail * fs.bsize - 20 * 1024)));
    const counter = startLossCounter(url, { prefix: "single", concurrency: 4 });
    await Bun.sleep(800);
    const singles = await counter.stop();

    const degraded = await health(url);
    expect(degraded.code).toBe(200);
    expect(degraded.body.status).toBe("degraded");
    expect(degraded.body.reason).toContain("ENOSPC");
    expect(degraded.body.write_failures?.ENOSPC).toBeGreaterThan(0);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/pipeline_store_write_failures_total\{backend="jsonl",cause="ENOSPC"\} [1-9]/);
    expect(metrics).toContain('pipeline_store_degraded{backend="jsonl"} 1');

    const batch = Array.from({ length: 100 }, (_, i) => sampleBody({ date_code: `batch-${i}`, pid: 100_000 + i }));
    const refused = await post(url, "/pipelines/batch", batch);
    expect(refused.status).toBe(503);
    const whileFull = await storedLines(path);
    expect(whileFull.torn).toBe(0);
    expect(whileFull.codes.filter((c) => c.startsWith("batch-"))).toHaveLength(0);

    await rm(filler);
    const deadline = Date.now() + 3000;
    while ((await health(url)).body.status !== "healthy" && Date.now() < deadline) await Bun.sleep(50);
    expect((await health(url)).body.status).toBe("healthy");
    const retried = await post(url, "/pipelines/batch", batch);
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as { created: number }).created).toBe(100);
    const again = await post(url, "/pipelines/batch", batch);
    expect(((await again.json()) as { created: number }).created).toBe(0);

    const body = (await (await fetch(`${url}/get_pipeline_info?all_data=true`)).json()) as { results: Array<{ date_code: string }> };
    const served = body.results.map((r) => r.date_code);
    const figures = tally(singles, { served }, { began: Number.NEGATIVE_INFINITY, ended: Number.NEGATIVE_INFINITY });
    console.log(
      `[loss-count] disk full, single POSTs: acknowledged ${figures.acknowledged}, served ${figures.served}, lost ${figures.lost}, duplicated ${figures.duplicated}, refused ${figures.rejected} (stored anyway ${figures.rejectedButStored}); batch of 100: refused while full, then created 100 once`,
    );
    expect(figures.acknowledged).toBeGreaterThan(0);
    expect(figures.rejected).toBeGreaterThan(0);
    expect(figures.lost).toBe(0);
    expect(figures.rejectedButStored).toBe(0);
    expect(figures.duplicated).toBe(0);
    const after = await storedLines(path);
    expect(after.torn).toBe(0);
    expect(after.codes).toHaveLength(figures.acknowledged + 100);
  } finally {
    await server?.stop();
    const unmounted = await run(["umount", mount]);
    if (unmounted.code !== 0) await run(["umount", "-l", mount]);
  }
}, 30_000);
