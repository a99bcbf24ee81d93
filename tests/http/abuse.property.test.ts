import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import fc from "fast-check";
import { createApp } from "../../src/app.ts";
import { createJsonlRepository } from "../../src/repository/jsonl/jsonl-repository.ts";
import { sampleBody } from "../support/runs.ts";
import { tempDir } from "../support/temp-dir.ts";

const temp = await tempDir();
const path = join(temp.dir, "runs.jsonl");
const repository = createJsonlRepository({ path, fsync: "never" });
const app = createApp({ repository, maxBodyBytes: 64 * 1024 });
afterAll(async () => {
  await repository.close();
  await temp.remove();
});

const PARAMS = [
  "start_utc",
  "end_utc",
  "min_rowcount",
  "max_rowcount",
  "pipeline_name",
  "script_name",
  "pipeline_type",
  "environment",
  "limit",
  "offset",
  "all_data",
];
const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 50 }),
  fc.constantFrom(
    "",
    "\u0000",
    "%00",
    "-1",
    "0",
    "1e309",
    "NaN",
    "Infinity",
    "9007199254740993",
    "-9007199254740993",
    "1.5",
    "true",
    "null",
    "[]",
    "{}",
    "2025-02-30",
    "2025-01-01T25:00:00Z",
    "0000-00-00",
  ),
  fc.integer().map(String),
  fc.double().map(String),
  fc.string({ minLength: 5000, maxLength: 20000 }),
);

async function expectProblemOrOk(res: Response, ok: number[]) {
  expect(res.status).not.toBe(500);
  if (ok.includes(res.status)) return;
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = (await res.json()) as { status: number; title: string; detail: string };
  expect(body.status).toBe(res.status);
  expect(typeof body.title).toBe("string");
}

test("random query strings never cause a 500; errors are problem+json", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.oneof(fc.constantFrom(...PARAMS), fc.string()), nasty), { maxLength: 8 }), async (pairs) => {
      const query = new URLSearchParams(pairs).toString();
      const res = await app.request(`/get_pipeline_info?${query}`);
      await expectProblemOrOk(res, [200]);
      if (res.status === 200) await res.arrayBuffer();
      const summary = await app.request(`/pipelines?${query}`);
      await expectProblemOrOk(summary, [200]);
    }),
    { numRuns: 300 },
  );
});

const mutatedRecord = fc
  .tuple(fc.subarray(Object.keys(sampleBody())), fc.dictionary(fc.constantFrom(...Object.keys(sampleBody()), "extra"), fc.oneof(nasty, fc.anything())))
  .map(([keep, overrides]) => {
    const base = sampleBody();
    const kept = Object.fromEntries(Object.entries(base).filter(([k]) => keep.includes(k)));
    return { ...kept, ...overrides };
  });

test("random POST bodies never cause a 500, and nothing from a rejected request is stored", async () => {
  await repository.countRuns({});
  const outcomes = { accepted: 0, rejected: 0 };
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 0, max: 1_000_000 }).map((pid) => JSON.stringify(sampleBody({ pid, rowcount: String(pid) }))) },
        mutatedRecord.map((v) => JSON.stringify(v)),
        fc.anything().map((v) => JSON.stringify(v) ?? "undefined"),
        fc.string(),
        fc.uint8Array({ maxLength: 2000 }).map((b) => new TextDecoder().decode(b)),
        fc.constant(`{"a":${"[".repeat(5000)}${"]".repeat(5000)}}`),
        fc.constant(JSON.stringify(sampleBody({ elapsed_human: "x".repeat(70 * 1024) }))),
      ),
      fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", ""),
      async (body, type) => {
        const before = Bun.file(path).size;
        const countBefore = await repository.countRuns({});
        const res = await app.request("/pipelines", { method: "POST", headers: type ? { "content-type": type } : {}, body });
        await expectProblemOrOk(res, [201, 200]);
        const after = await repository.countRuns({});
        if (res.status === 200) {
          outcomes.accepted++;
          // An identity already stored with the same content: answered, nothing written.
          expect(after).toBe(countBefore);
        } else if (res.status === 201) {
          outcomes.accepted++;
          expect(after).toBe(countBefore + 1);
        } else {
          outcomes.rejected++;
          expect(after).toBe(countBefore);
          expect(Bun.file(path).size).toBe(before);
        }
      },
    ),
    { numRuns: 300 },
  );
  expect(outcomes.accepted).toBeGreaterThan(10);
  expect(outcomes.rejected).toBeGreaterThan(100);
  // The file holds only whole, valid records.
  const health = await repository.health();
  expect(health.skippedLines).toBe(0);
});

test("duplicate parameters are answered, not crashed on", async () => {
  for (const query of ["limit=1&limit=2", "offset=1&offset=x", "all_data=true&all_data=false", "start_utc=2025-01-01&start_utc=2025-02-01"]) {
    const res = await app.request(`/get_pipeline_info?${query}`);
    await expectProblemOrOk(res, [200]);
  }
});
