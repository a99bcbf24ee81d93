import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { createJsonlRepository } from "../../src/repository/jsonl/jsonl-repository.ts";
import { createMemoryRepository } from "../../src/repository/memory.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { postJson } from "../support/app.ts";
import { sampleBody } from "../support/runs.ts";
import { tempDir } from "../support/temp-dir.ts";

const STORES: Array<[string, () => Promise<{ repository: RunRepository; path?: string; done: () => Promise<void> }>]> = [
  ["memory", async () => ({ repository: createMemoryRepository(), done: async () => {} })],
  [
    "jsonl",
    async () => {
      const { dir, remove } = await tempDir();
      const path = join(dir, "runs.jsonl");
      const repository = createJsonlRepository({ path, fsync: "always" });
      return {
        repository,
        path,
        done: async () => {
          await repository.close();
          await remove();
        },
      };
    },
  ],
];

for (const [name, open] of STORES) {
  describe(`ingest (${name})`, () => {
    async function setup(options: Partial<Parameters<typeof createApp>[0]> = {}) {
      const store = await open();
      return { ...store, app: createApp({ repository: store.repository, ...options }) };
    }

    test("a retried POST of the same run answers 200 with the stored run and stores nothing new", async () => {
      const { app, repository, done } = await setup();
      try {
        const first = await app.request("/pipelines", postJson(sampleBody()));
        expect(first.status).toBe(201);
        const again = await app.request("/pipelines", postJson(sampleBody({ rowcount: "8543", start_utc: "2025-08-15T07:49:07+02:00" })));
        expect(again.status).toBe(200);
        expect(await again.json()).toEqual(await first.json());
        expect(await repository.countRuns({})).toBe(1);
      } finally {
        await done();
      }
    });

    test("the same identity with other content is 409 naming the fields", async () => {
      const { app, repository, done } = await setup();
      try {
        await app.request("/pipelines", postJson(sampleBody()));
        const res = await app.request("/pipelines", postJson(sampleBody({ rowcount: 1, elapsed_human: "1s" })));
        expect(res.status).toBe(409);
        expect(res.headers.get("content-type")).toBe("application/problem+json");
        const body = (await res.json()) as { detail: string; errors: Array<{ field: string }> };
        expect(body.errors.map((e) => e.field)).toEqual(["elapsed_human", "rowcount"]);
        expect(body.detail).toContain("pipeline_name, date_code, start_utc, pid");
        expect(await repository.countRuns({})).toBe(1);
      } finally {
        await done();
      }
    });

    test("Idempotency-Key replays the first answer; another body with the same key is 422", async () => {
      const { app, repository, done } = await setup();
      try {
        const headers = { "idempotency-key": "retry-42" };
        const first = await app.request("/pipelines", postJson(sampleBody({ pid: 1 }), headers));
        expect(first.status).toBe(201);
        const replay = await app.request("/pipelines", postJson(sampleBody({ pid: 1 }), headers));
        expect(replay.status).toBe(201);
        expect(replay.headers.get("idempotent-replayed")).toBe("true");
        expect(await replay.json()).toEqual(await first.json());
        const other = await app.request("/pipelines", postJson(sampleBody({ pid: 2 }), headers));
        expect(other.status).toBe(422);
        expect(((await other.json()) as { errors: Array<{ field: string }> }).errors[0]?.field).toBe("Idempotency-Key");
        const invalid = await app.request("/pipelines", postJson(sampleBody({ pid: 3 }), { "idempotency-key": "bad key with spaces" }));
        expect(invalid.status).toBe(422);
        expect(await repository.countRuns({})).toBe(1);
      } finally {
        await done();
      }
    });

    test("a batch as a JSON array stores the valid records and reports every one", async () => {
      const { app, repository, done } = await setup();
      try {
        await app.request("/pipelines", postJson(sampleBody({ pid: 100 })));
        const batch = [
          sampleBody({ pid: 1 }),
          sampleBody({ pid: 2, rowcount: -1 }),
          sampleBody({ pid: 100 }),
          sampleBody({ pid: 100, rowcount: 5 }),
          "not an object",
          sampleBody({ pid: 3 }),
        ];
        const res = await app.request("/pipelines/batch", postJson(batch));
        expect(res.status).toBe(200);
        const body = (await res.json()) as any;
        expect(body.results.map((r: any) => [r.index, r.status])).toEqual([
          [0, 201],
          [1, 422],
          [2, 200],
          [3, 409],
          [4, 422],
          [5, 201],
        ]);
        expect(body.results[1].errors[0].field).toBe("rowcount");
        expect(body.results[3].errors[0].field).toBe("rowcount");
        expect(body).toMatchObject({ created: 2, existing: 1, conflicts: 1, invalid: 2 });
        expect(await repository.countRuns({})).toBe(3);
      } finally {
        await done();
      }
    });

    test("a batch as NDJSON, with a broken line among good ones", async () => {
      const { app, repository, done } = await setup();
      try {
        const body = [JSON.stringify(sampleBody({ pid: 1 })), "", "{broken", JSON.stringify(sampleBody({ pid: 2 })), ""].join("\n");
        const res = await app.request("/pipelines/batch", { method: "POST", headers: { "content-type": "application/x-ndjson" }, body });
        expect(res.status).toBe(200);
        const answer = (await res.json()) as any;
        expect(answer.results.map((r: any) => [r.index, r.status])).toEqual([
          [0, 201],
          [1, 422],
          [2, 201],
        ]);
        expect(answer.results[1].errors[0].message).toBe("not valid JSON");
        expect(await repository.countRuns({})).toBe(2);
      } finally {
        await done();
      }
    });

    test("batch limits: too many records 413, wrong type 415, not an array 422, broken JSON 400", async () => {
      const { app, repository, done } = await setup({ maxBatch: 3 });
      try {
        const four = [1, 2, 3, 4].map((pid) => sampleBody({ pid }));
        expect((await app.request("/pipelines/batch", postJson(four))).status).toBe(413);
        expect((await app.request("/pipelines/batch", { method: "POST", headers: { "content-type": "text/csv" }, body: "a,b" })).status).toBe(415);
        expect((await app.request("/pipelines/batch", postJson({ records: [] }))).status).toBe(422);
        expect((await app.request("/pipelines/batch", postJson("[{"))).status).toBe(400);
        expect(await repository.countRuns({})).toBe(0);
      } finally {
        await done();
      }
    });

    test("10,000 records in one batch are all stored", async () => {
      const { app, repository, path, done } = await setup();
      try {
        const batch = Array.from({ length: 10_000 }, (_, i) => sampleBody({ pid: i, date_code: `bulk-${i}` }));
        const res = await app.request("/pipelines/batch", postJson(batch));
        expect(res.status).toBe(200);
        expect(((await res.json()) as { created: number }).created).toBe(10_000);
        expect(await repository.countRuns({})).toBe(10_000);
        if (path) expect((await Bun.file(path).text()).trim().split("\n")).toHaveLength(10_000);
      } finally {
        await done();
      }
    });
  });
}
