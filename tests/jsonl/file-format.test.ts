import { afterEach, describe, expect, test } from "bun:test";
import { appendFile, copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { createLogger } from "../../src/logger.ts";
import { encodeRun } from "../../src/repository/jsonl/record-codec.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { postJson } from "../support/app.ts";
import { JSONL_STORES } from "../support/jsonl-stores.ts";
import { makeRun, sampleBody } from "../support/runs.ts";
import { tempDir } from "../support/temp-dir.ts";

const FIXTURE = join(import.meta.dir, "../fixtures/python-written.jsonl");

for (const [kind, open] of JSONL_STORES) {
  describe(`JSONL file format (${kind} store)`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });
    async function store(setup?: (path: string) => Promise<void>, logLines?: string[]) {
      const { dir, remove } = await tempDir();
      const path = join(dir, "runs.jsonl");
      await setup?.(path);
      const logger = logLines ? createLogger("debug", (l) => logLines.push(l)) : undefined;
      const repository: RunRepository = await open({ path, fsync: "never", logger });
      cleanups.push(async () => {
        await repository.close();
        await remove();
      });
      return { path, repository, dir };
    }
    const lines = async (path: string) => (await Bun.file(path).text()).split("\n").filter((l) => l !== "");

    test("the Python-written fixture serves its 4 records with inferred names, skipping 2 bad lines", async () => {
      const log: string[] = [];
      const { repository } = await store((p) => copyFile(FIXTURE, p), log);
      const { total, runs } = await repository.findRuns({ filter: {}, limit: 100, offset: 0 });
      expect(total).toBe(4);
      expect(runs.map((r) => [r.date_code, r.pipeline_name])).toEqual([
        ["20250811_050000", "unknown"],
        ["20250810_050000", "billing"],
        ["20250809_050700", "user_analytics"],
        ["20250808_050701", "sales_etl"],
      ]);
      expect(runs[3]).toMatchObject({ start_utc: "2025-08-08T12:07:01Z", start_local: "2025-08-08T05:07:01", script_name: "process_sales_data.py" });
      expect(runs[2]).toMatchObject({ start_local: "2025-08-09T05:07:00", script_name: null, pipeline_type: null, environment: null });
      const health = await repository.health();
      expect(health).toMatchObject({ status: "healthy", skippedLines: 2 });
      await repository.countRuns({});
      const warnings = log.map((l) => JSON.parse(l)).filter((l) => l.msg === "skipped JSONL line");
      expect(warnings.map((w) => w.line).sort()).toEqual([4, 6]);
    });

    test("a missing file is an empty store and the first write creates its folders", async () => {
      const { dir } = await tempDir();
      cleanups.push(async () => {});
      const path = join(dir, "a", "b", "runs.jsonl");
      const repository = await open({ path, fsync: "never" });
      expect(await repository.countRuns({})).toBe(0);
      await repository.insertRuns([makeRun()]);
      expect(await lines(path)).toHaveLength(1);
      await repository.close();
    });

    test("a last line without a newline stays readable and the next append starts a new line", async () => {
      const { path, repository } = await store(async (p) => {
        await writeFile(p, encodeRun(makeRun({ date_code: "first" })) + JSON.stringify(makeRun({ date_code: "unterminated", start: "2025-01-01T00:00:00Z" })));
      });
      expect(await repository.countRuns({})).toBe(2);
      await repository.insertRuns([makeRun({ date_code: "appended" })]);
      expect(await lines(path)).toHaveLength(3);
      const codes = (await repository.findRuns({ filter: {}, limit: 10, offset: 0 })).runs.map((r) => r.date_code).sort();
      expect(codes).toEqual(["appended", "first", "unterminated"]);
    });

    test("a torn last line is skipped, never rewritten, and appends stay whole", async () => {
      const torn = '{"start_local": "2025-08-1';
      const { path, repository } = await store((p) => writeFile(p, encodeRun(makeRun()) + torn));
      await repository.insertRuns([makeRun({ date_code: "after" })]);
      const text = await Bun.file(path).text();
      expect(text).toContain(`${torn}\n`);
      expect(await repository.countRuns({})).toBe(2);
    });

    test("200 concurrent POSTs give 200 whole, valid lines", async () => {
      const { path, repository } = await store();
      const app = createApp({ repository });
      const responses = await Promise.all(
        Array.from({ length: 200 }, (_, i) => app.request("/pipelines", postJson(sampleBody({ pid: i, date_code: `c${i}` })))),
      );
      expect(responses.every((r) => r.status === 201)).toBe(true);
      const written = await lines(path);
      expect(written).toHaveLength(200);
      const pids = written.map((l) => (JSON.parse(l) as { pid: number }).pid).sort((a, b) => a - b);
      expect(pids).toEqual(Array.from({ length: 200 }, (_, i) => i));
    });

    test("a rejected POST writes nothing", async () => {
      const { path, repository } = await store((p) => writeFile(p, encodeRun(makeRun())));
      const before = await Bun.file(path).text();
      const app = createApp({ repository });
      await app.request("/pipelines", postJson(sampleBody({ rowcount: -5 })));
      await app.request("/pipelines", postJson("{broken"));
      await app.request("/pipelines", { method: "POST", headers: { "content-type": "text/plain" }, body: "x" });
      expect(await Bun.file(path).text()).toBe(before);
    });

    test("lines written by other processes are read on the next request", async () => {
      const { path, repository } = await store();
      await repository.insertRuns([makeRun({ date_code: "ours" })]);
      await appendFile(path, encodeRun(makeRun({ date_code: "theirs" })));
      const deadline = Date.now() + 3000;
      while ((await repository.countRuns({})) < 2 && Date.now() < deadline) await Bun.sleep(50);
      expect(await repository.countRuns({})).toBe(2);
    });

    test("a file that cannot be read makes /health 503 and answers 503, not 500", async () => {
      // Tests run as root, which reads any file; a folder where the file should be fails for everyone.
      const { repository } = await store((p) => mkdir(p));
      const app = createApp({ repository });
      expect((await app.request("/get_pipeline_info")).status).toBe(503);
      const health = await app.request("/health");
      expect(health.status).toBe(503);
      expect(((await health.json()) as { status: string }).status).toBe("unhealthy");
    });

    test("a file that becomes unreadable turns /health and reads to 503", async () => {
      const { path, repository } = await store((p) => writeFile(p, encodeRun(makeRun())));
      expect(await repository.countRuns({})).toBe(1);
      await rm(path);
      await mkdir(path);
      const app = createApp({ repository });
      const deadline = Date.now() + 3000;
      while ((await app.request("/health")).status !== 503 && Date.now() < deadline) await Bun.sleep(25);
      expect((await app.request("/health")).status).toBe(503);
      expect((await app.request("/get_pipeline_info")).status).toBe(503);
    });
  });
}
