import { afterEach, expect, test } from "bun:test";
import { appendFile, rename, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { createJsonlRepository } from "../../src/repository/jsonl/jsonl-repository.ts";
import { encodeRun } from "../../src/repository/jsonl/record-codec.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { generateFile } from "../bench/generate.ts";
import { postJson } from "../support/app.ts";
import { makeRun, sampleBody } from "../support/runs.ts";
import { tempDir } from "../support/temp-dir.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function store(initial = "") {
  const { dir, remove } = await tempDir();
  const path = join(dir, "runs.jsonl");
  if (initial) await writeFile(path, initial);
  const repository = createJsonlRepository({ path, fsync: "never", followIntervalMs: 100 });
  cleanups.push(async () => {
    await repository.close();
    await remove();
  });
  await repository.countRuns({});
  return { path, dir, repository };
}

/** Polls until `check` holds or `ms` pass; returns how long it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const began = Date.now();
  while (!(await check())) {
    if (Date.now() - began > ms) throw new Error(`not within ${ms} ms`);
    await Bun.sleep(20);
  }
  return Date.now() - began;
}
const countIs = (repository: RunRepository, n: number) => async () => (await repository.countRuns({})) === n;

test("lines another process appends are served within 1 s", async () => {
  const { path, repository } = await store(encodeRun(makeRun({ date_code: "a" })));
  await appendFile(path, encodeRun(makeRun({ date_code: "b", start: "2030-01-01T00:00:00Z" })));
  expect(await within(1000, countIs(repository, 2))).toBeLessThan(1000);
  const page = await repository.findRuns({ filter: {}, limit: 1, offset: 0 });
  expect(page.runs[0]?.date_code).toBe("b");
});

test("a torn last line is not served until it is completed", async () => {
  const { path, repository } = await store(encodeRun(makeRun({ date_code: "a" })));
  const line = encodeRun(makeRun({ date_code: "torn" }));
  await appendFile(path, line.slice(0, 40));
  await Bun.sleep(300);
  expect(await repository.countRuns({})).toBe(1);
  expect((await repository.health()).skippedLines).toBe(0);
  await appendFile(path, line.slice(40));
  await within(1000, countIs(repository, 2));
  expect((await repository.findRuns({ filter: { labels: {} }, limit: 5, offset: 0 })).runs.map((r) => r.date_code).sort()).toEqual(["a", "torn"]);
});

test("a whole record without its newline is served, and its newline arriving changes nothing", async () => {
  const { path, repository } = await store(encodeRun(makeRun({ date_code: "a" })));
  await appendFile(path, encodeRun(makeRun({ date_code: "b" })).trimEnd());
  await within(1000, countIs(repository, 2));
  await appendFile(path, "\n");
  await appendFile(path, encodeRun(makeRun({ date_code: "c" })));
  await within(1000, countIs(repository, 3));
  await Bun.sleep(250);
  expect(await repository.countRuns({})).toBe(3);
});

test("a truncated file is re-indexed", async () => {
  const { path, repository } = await store(encodeRun(makeRun()) + encodeRun(makeRun()));
  await truncate(path, 0);
  await appendFile(path, encodeRun(makeRun({ date_code: "new" })));
  await within(1000, async () => (await repository.findRuns({ filter: {}, limit: 5, offset: 0 })).runs.map((r) => r.date_code).join() === "new");
});

test("a rotated file (renamed away, new one created) is re-indexed", async () => {
  const { path, repository } = await store(encodeRun(makeRun()) + encodeRun(makeRun()) + encodeRun(makeRun()));
  await rename(path, `${path}.1`);
  await writeFile(path, encodeRun(makeRun({ date_code: "fresh" })));
  await within(1000, countIs(repository, 1));
  expect((await repository.findRuns({ filter: {}, limit: 5, offset: 0 })).runs[0]?.date_code).toBe("fresh");
  // Writes after the rotation go to the new file.
  await repository.insertRuns([makeRun({ date_code: "after" })]);
  expect((await Bun.file(path).text()).trim().split("\n")).toHaveLength(2);
});

test("a deleted file becomes an empty store", async () => {
  const { path, repository } = await store(encodeRun(makeRun()));
  await Bun.file(path).delete();
  await within(1000, countIs(repository, 0));
});

test("/health says starting, with progress, until the index is built", async () => {
  const { dir, remove } = await tempDir();
  cleanups.push(remove);
  const path = join(dir, "big.jsonl");
  await generateFile(path, 50_000);
  const repository = createJsonlRepository({ path, fsync: "never" });
  cleanups.unshift(() => repository.close());
  const app = createApp({ repository });
  const starting = await app.request("/health");
  expect(starting.status).toBe(503);
  expect(await starting.json()).toMatchObject({ status: "starting", progress: { percent: expect.any(Number), lines: expect.any(Number) } });
  // A request made meanwhile waits for the index instead of failing.
  const list = await app.request("/get_pipeline_info?limit=1");
  expect(list.status).toBe(200);
  expect(((await list.json()) as { total: number }).total).toBe(50_000);
  const ready = await app.request("/health");
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ status: "healthy", records: 50_000, skipped_lines: 0 });
});

test("a second store on the same file serves reads, follows the writer, and refuses writes with 503", async () => {
  const { path, repository: writer } = await store();
  const reader = createJsonlRepository({ path, fsync: "never", followIntervalMs: 100 });
  cleanups.unshift(() => reader.close());
  await reader.countRuns({});
  const app = createApp({ repository: reader });
  const refused = await app.request("/pipelines", postJson(sampleBody()));
  expect(refused.status).toBe(503);
  expect(((await refused.json()) as { detail: string }).detail).toMatch(/reads only.*writer lock/);
  expect(await reader.health()).toMatchObject({ status: "healthy", readOnly: expect.stringContaining("writer lock") });
  await writer.insertRuns([makeRun({ date_code: "w" })]);
  await within(1000, countIs(reader, 1));
  expect((await Bun.file(path).text()).trim().split("\n")).toHaveLength(1);
});

test("a read-only store takes over the writer lock when the writer goes away", async () => {
  const { dir, remove } = await tempDir();
  cleanups.push(remove);
  const path = join(dir, "runs.jsonl");
  const first = createJsonlRepository({ path, fsync: "never", followIntervalMs: 50 });
  await first.countRuns({});
  const second = createJsonlRepository({ path, fsync: "never", followIntervalMs: 50, lockRetryMs: 100 });
  cleanups.unshift(() => second.close());
  await second.countRuns({});
  expect((await second.health()).readOnly).toBeDefined();
  await first.close();
  await within(2000, async () => (await second.health()).readOnly === undefined);
  await second.insertRuns([makeRun()]);
  expect(await second.countRuns({})).toBe(1);
});

test("the data version changes when another process appends, truncates or replaces the file", async () => {
  const { path, repository } = await store(encodeRun(makeRun({ date_code: "a" })));
  const seen = new Set([await repository.dataVersion()]);
  const changed = async () => !seen.has(await repository.dataVersion());
  await appendFile(path, encodeRun(makeRun({ date_code: "b", start: "2030-01-01T00:00:00Z" })));
  await within(3000, changed);
  seen.add(await repository.dataVersion());
  await writeFile(`${path}.new`, encodeRun(makeRun({ date_code: "c" })));
  await rename(`${path}.new`, path);
  await within(3000, changed);
  seen.add(await repository.dataVersion());
  await truncate(path, 0);
  await within(3000, changed);
  expect(await repository.countRuns({})).toBe(0);
});
