import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { sampleBody } from "../support/runs.ts";
import { startServer } from "../support/server-process.ts";
import { tempDir } from "../support/temp-dir.ts";

const temp = await tempDir();
afterAll(() => temp.remove());

test("SIGTERM during a burst of POSTs: readiness drops, exit 0, no acknowledged record lost", async () => {
  const path = join(temp.dir, "runs.jsonl");
  const server = await startServer({ PIPELINE_JSONL_PATH: path, PIPELINE_JSONL_FSYNC: "interval", LOG_LEVEL: "info" });
  // Read the log while the server writes it, so a full pipe never stalls the server.
  const logText = new Response(server.process.stdout).text();
  const acknowledged: number[] = [];
  let next = 0;
  let stop = false;
  const worker = async () => {
    while (!stop && next < 100_000) {
      const i = next++;
      try {
        const res = await fetch(`${server.url}/pipelines`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(sampleBody({ pid: i, date_code: `term-${i}` })),
        });
        if (res.status === 201) acknowledged.push(i);
        else await res.arrayBuffer();
      } catch {
        return;
      }
    }
  };
  const workers = Array.from({ length: 16 }, worker);
  await Bun.sleep(500);
  server.process.kill("SIGTERM");
  const code = await server.process.exited;
  stop = true;
  await Promise.all(workers);
  expect(code).toBe(0);
  expect(acknowledged.length).toBeGreaterThan(50);
  const lines = (await Bun.file(path).text()).split("\n").filter(Boolean);
  const stored = new Set(lines.map((l) => (JSON.parse(l) as { date_code: string }).date_code));
  for (const i of acknowledged) expect(stored.has(`term-${i}`)).toBe(true);
  // Every line is whole: nothing was cut off by the shutdown.
  expect(lines.every((l) => l.endsWith("}"))).toBe(true);
  const log = await logText;
  expect(log).toContain('"msg":"shutting down"');
  expect(log).toContain('"msg":"stopped"');
}, 30_000);

test("readiness turns 503 as soon as shutdown starts", async () => {
  const server = await startServer({ PIPELINE_JSONL_PATH: join(temp.dir, "ready.jsonl"), PIPELINE_SHUTDOWN_TIMEOUT_MS: "3000" });
  // The server answers before its store is ready; wait for readiness first.
  const deadline = Date.now() + 5000;
  let ready = 0;
  while (ready !== 200 && Date.now() < deadline) {
    ready = (await fetch(`${server.url}/health/ready`)).status;
    if (ready !== 200) await Bun.sleep(20);
  }
  expect(ready).toBe(200);
  // Hold a request open so the server cannot finish stopping at once.
  const hanging = fetch(`${server.url}/get_pipeline_info?all_data=true`)
    .then((r) => r.arrayBuffer())
    .catch(() => null);
  server.process.kill("SIGTERM");
  await Bun.sleep(50);
  const probe = await fetch(`${server.url}/health/ready`).then(
    (r) => r.status,
    () => "closed",
  );
  // Either the listener is already closed or readiness answers 503: never 200 again.
  expect(probe === 503 || probe === "closed").toBe(true);
  expect(await server.process.exited).toBe(0);
  await hanging;
}, 20_000);
