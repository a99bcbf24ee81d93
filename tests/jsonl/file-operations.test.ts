import { afterAll, expect, test } from "bun:test";
import { readFile, rename, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type LossFigures, type Sent, startLossCounter, tally } from "../support/loss-counter.ts";
import { type RunningServer, startServer } from "../support/server-process.ts";
import { tempDir } from "../support/temp-dir.ts";

// Operators' actions on the data file while POSTs run, against the real service process:
// every acknowledged run must be served afterwards (or be in the file moved away on purpose),
// none twice, nothing refused stored, no torn line.

const temp = await tempDir();
afterAll(() => temp.remove());

const POSTING_BEFORE_MS = 400;
const POSTING_AFTER_MS = 600;
/** Runs acknowledged after the operation that a scenario waits for (at most 5 s more). */
const AFTER_AT_LEAST = 20;

const acknowledgedAfter = (sent: readonly Sent[], ended: number) => sent.filter((s) => s.status === 201 && s.sentAt > ended).length;

/** Keeps posting for POSTING_AFTER_MS, and on a slow machine until AFTER_AT_LEAST runs sent after
 * the operation were acknowledged (bounded). */
async function postingAfter(sent: readonly Sent[], ended: number) {
  await Bun.sleep(POSTING_AFTER_MS);
  const deadline = Date.now() + 5000;
  while (acknowledgedAfter(sent, ended) < AFTER_AT_LEAST && Date.now() < deadline) await Bun.sleep(50);
}

async function exportedCodes(url: string): Promise<string[]> {
  const body = (await (await fetch(`${url}/get_pipeline_info?all_data=true`)).json()) as { results: Array<{ date_code: string }> };
  return body.results.map((r) => r.date_code);
}

/** The date_codes of a file's lines, and how many lines do not parse. */
async function fileCodes(path: string): Promise<{ codes: string[]; torn: number }> {
  const text = await readFile(path, "utf8").catch(() => "");
  const codes: string[] = [];
  let torn = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      codes.push((JSON.parse(line) as { date_code: string }).date_code);
    } catch {
      torn += 1;
    }
  }
  return { codes, torn };
}

const report = (name: string, f: LossFigures) =>
  console.log(
    `[loss-count] ${name}: acknowledged ${f.acknowledged}, served ${f.served}, in moved file ${f.inMovedFile}, removed by the operator ${f.removedByOperator}, lost ${f.lost}, duplicated ${f.duplicated}, refused ${f.rejected} (stored anyway ${f.rejectedButStored})`,
  );

interface Scenario {
  name: string;
  operate(dir: string, path: string): Promise<void>;
  /** The file the operator moved away, whose runs count as kept. */
  moved?: (dir: string) => string;
}

async function runScenario({ name, operate, moved }: Scenario, servers: RunningServer[] = []) {
  const dir = join(temp.dir, name, "data");
  const path = join(dir, "runs.jsonl");
  const server = await startServer({ PIPELINE_JSONL_PATH: path, PIPELINE_JSONL_FSYNC: "always" });
  servers.push(server);
  try {
    const counter = startLossCounter(server.url, { prefix: name });
    await Bun.sleep(POSTING_BEFORE_MS);
    const began = performance.now();
    await operate(dir, path);
    const ended = performance.now();
    await postingAfter(counter.sent, ended);
    const sent = await counter.stop();

    const served = await exportedCodes(server.url);
    const atPath = await fileCodes(path);
    const movedFile = moved ? await fileCodes(moved(dir)) : { codes: [], torn: 0 };
    const figures = tally(sent, { served, moved: movedFile.codes }, { began, ended }, moved !== undefined);
    report(name, figures);

    expect(acknowledgedAfter(sent, ended)).toBeGreaterThanOrEqual(AFTER_AT_LEAST);
    expect(figures.lost).toBe(0);
    expect(figures.duplicated).toBe(0);
    expect(figures.rejectedButStored).toBe(0);
    expect(atPath.torn + movedFile.torn).toBe(0);
    // Readers and the writer agree: what is served is what the file at the path holds.
    expect([...served].sort()).toEqual([...atPath.codes].sort());
    return figures;
  } finally {
    for (const s of servers) await s.stop();
  }
}

test("rotation by rename: runs acknowledged before are in the moved file, after it in the new file", async () => {
  const figures = await runScenario({
    name: "rename",
    operate: (_dir, path) => rename(path, `${path}.1`),
    moved: (dir) => join(dir, "runs.jsonl.1"),
  });
  expect(figures.inMovedFile).toBeGreaterThan(0);
}, 30_000);

test("deletion: the file is created again and every run acknowledged after it is served", async () => {
  await runScenario({ name: "delete", operate: (_dir, path) => rm(path) });
}, 30_000);

test("replacement (an edited copy renamed over the file): writes follow the new file", async () => {
  await runScenario({
    name: "replace",
    async operate(dir, path) {
      const copy = join(dir, "runs.jsonl.edit");
      await writeFile(copy, await readFile(path));
      await rename(copy, path);
    },
  });
}, 30_000);

test("truncation in place: writes continue at the start and the index starts over", async () => {
  await runScenario({ name: "truncate", operate: (_dir, path) => truncate(path, 0) });
}, 30_000);

test("folder removal: the folder, file and lock are created again", async () => {
  await runScenario({ name: "folder", operate: (dir) => rm(dir, { recursive: true, force: true }) });
}, 30_000);

test("folder removal with a second instance on the file: still one writer, nothing lost", async () => {
  const dir = join(temp.dir, "two-writers", "data");
  const path = join(dir, "runs.jsonl");
  const first = await startServer({ PIPELINE_JSONL_PATH: path });
  const second = await startServer({ PIPELINE_JSONL_PATH: path });
  try {
    const counters = [startLossCounter(first.url, { prefix: "first" }), startLossCounter(second.url, { prefix: "second" })];
    await Bun.sleep(POSTING_BEFORE_MS);
    const began = performance.now();
    await rm(dir, { recursive: true, force: true });
    const ended = performance.now();
    // Past the read-only instance's lock retry (5 s): it tries the new lock file too.
    await Bun.sleep(6000);
    const sent = (await Promise.all(counters.map((c) => c.stop()))).flat();
    const atPath = await fileCodes(path);
    const figures = tally(sent, { served: await exportedCodes(first.url) }, { began, ended });
    report("folder removal, two instances", figures);
    expect(figures.lost).toBe(0);
    expect(figures.duplicated).toBe(0);
    expect(figures.rejectedButStored).toBe(0);
    expect(atPath.torn).toBe(0);
    // Every run either instance acknowledged after the removal is in the one file at the path.
    const inFile = new Set(atPath.codes);
    const afterRemoval = sent.filter((s) => s.status >= 200 && s.status < 300 && s.sentAt > ended);
    expect(afterRemoval.length).toBeGreaterThanOrEqual(AFTER_AT_LEAST);
    for (const s of afterRemoval) expect(inFile.has(s.code)).toBe(true);
    expect(sent.filter((s) => s.code.startsWith("second") && s.status === 201 && s.answeredAt < began)).toHaveLength(0);
  } finally {
    await second.stop();
    await first.stop();
  }
}, 40_000);
