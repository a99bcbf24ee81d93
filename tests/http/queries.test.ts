import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { encodeCursor, queryFingerprint } from "../../src/http/cursor.ts";
import { toRunFilter } from "../../src/http/schemas/filter-query.ts";
import { createJsonlRepository } from "../../src/repository/jsonl/jsonl-repository.ts";
import { createMemoryRepository } from "../../src/repository/memory.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { makeRun } from "../support/runs.ts";
import { tempDir } from "../support/temp-dir.ts";

const STORES: Array<[string, () => Promise<{ repository: RunRepository; done: () => Promise<void> }>]> = [
  ["memory", async () => ({ repository: createMemoryRepository(), done: async () => {} })],
  [
    "jsonl",
    async () => {
      const { dir, remove } = await tempDir();
      const repository = createJsonlRepository({ path: join(dir, "runs.jsonl"), fsync: "never" });
      return {
        repository,
        done: async () => {
          await repository.close();
          await remove();
        },
      };
    },
  ],
];

for (const [name, open] of STORES) {
  describe(`richer queries over HTTP (${name})`, () => {
    async function seeded() {
      const { repository, done } = await open();
      for (let i = 0; i < 10; i++) {
        const [outcome] = await repository.insertRuns([
          makeRun({
            date_code: `d${i}`,
            pid: i,
            start: `2025-06-${String(i + 1).padStart(2, "0")}T08:00:00Z`,
            seconds: (i + 1) * 10,
            rowcount: i === 9 ? 10 : 1000 + i,
            environment: ["prod", "staging", "dev"][i % 3] as string,
            pipeline_name: i % 2 ? "sales" : "billing",
            output_file: i === 3 ? '/data/odd "name", with comma.csv' : "/data/out.csv",
          }),
        ]);
        if (outcome?.status !== "created") throw new Error("seed failed");
      }
      return { app: createApp({ repository }), repository, done };
    }
    const json = async (app: ReturnType<typeof createApp>, url: string) => {
      const res = await app.request(url);
      return { status: res.status, body: (await res.json()) as any, headers: res.headers };
    };
    const codes = (body: any) => body.results.map((r: any) => r.date_code);

    test("repeated parameters mean any of; duration and local-time windows filter", async () => {
      const { app, done } = await seeded();
      try {
        expect(codes((await json(app, "/get_pipeline_info?environment=prod&environment=dev")).body)).toEqual(["d9", "d8", "d6", "d5", "d3", "d2", "d0"]);
        expect(codes((await json(app, "/get_pipeline_info?min_elapsed_seconds=30&max_elapsed_seconds=50")).body)).toEqual(["d4", "d3", "d2"]);
        expect(codes((await json(app, "/get_pipeline_info?start_local_from=2025-06-08&start_local_to=2025-06-09T23:59:59")).body)).toEqual(["d8", "d7"]);
        const bad = await json(app, "/get_pipeline_info?min_elapsed_seconds=soon&start_local_from=never");
        expect(bad.status).toBe(422);
        expect(bad.body.errors.map((e: any) => e.field).sort()).toEqual(["min_elapsed_seconds", "start_local_from"]);
      } finally {
        await done();
      }
    });

    test("order_by sorts by any offered field, - for descending", async () => {
      const { app, done } = await seeded();
      try {
        expect(codes((await json(app, "/get_pipeline_info?order_by=rowcount&limit=3")).body)).toEqual(["d9", "d0", "d1"]);
        expect(codes((await json(app, "/get_pipeline_info?order_by=-elapsed_seconds&limit=2")).body)).toEqual(["d9", "d8"]);
        expect(codes((await json(app, "/get_pipeline_info?order_by=start_utc&limit=2")).body)).toEqual(["d0", "d1"]);
        expect(codes((await json(app, "/get_pipeline_info?order_by=pipeline_name&limit=2")).body)).toEqual(["d0", "d2"]);
        const bad = await json(app, "/get_pipeline_info?order_by=color");
        expect(bad.status).toBe(422);
        expect(bad.body.errors[0].field).toBe("order_by");
      } finally {
        await done();
      }
    });

    test("cursor pages cover every match once and end with next_cursor null", async () => {
      const { app, done } = await seeded();
      try {
        const seen: string[] = [];
        let url = "/get_pipeline_info?limit=4&environment=prod&environment=staging&order_by=-elapsed_seconds";
        for (let i = 0; i < 5; i++) {
          const { body } = await json(app, url);
          seen.push(...codes(body));
          if (body.next_cursor === null) break;
          url = `/get_pipeline_info?limit=4&environment=prod&environment=staging&order_by=-elapsed_seconds&cursor=${encodeURIComponent(body.next_cursor)}`;
        }
        expect(seen).toEqual(["d9", "d7", "d6", "d4", "d3", "d1", "d0"]);
      } finally {
        await done();
      }
    });

    test("a tampered cursor, one from another query, or cursor with offset is 422", async () => {
      const { app, done } = await seeded();
      try {
        const { body } = await json(app, "/get_pipeline_info?limit=2&environment=prod");
        const cursor = body.next_cursor as string;
        expect(typeof cursor).toBe("string");
        const tampered = `${cursor.slice(0, 5)}${cursor[5] === "A" ? "B" : "A"}${cursor.slice(6)}`;
        for (const url of [
          `/get_pipeline_info?limit=2&environment=prod&cursor=${encodeURIComponent(tampered)}`,
          `/get_pipeline_info?limit=2&environment=dev&cursor=${encodeURIComponent(cursor)}`,
          `/get_pipeline_info?limit=2&environment=prod&order_by=rowcount&cursor=${encodeURIComponent(cursor)}`,
          `/get_pipeline_info?limit=2&environment=prod&offset=2&cursor=${encodeURIComponent(cursor)}`,
          "/get_pipeline_info?cursor=garbage",
        ]) {
          const res = await json(app, url);
          expect(res.status).toBe(422);
          expect(res.headers.get("content-type")).toBe("application/problem+json");
          expect(res.body.errors[0].field).toBe("cursor");
        }
        // The same cursor with another page size is fine.
        expect((await json(app, `/get_pipeline_info?limit=5&environment=prod&cursor=${encodeURIComponent(cursor)}`)).status).toBe(200);
      } finally {
        await done();
      }
    });

    test("a cursor made by hand with a value of the wrong kind is 422, not a 500", async () => {
      const { app, done } = await seeded();
      try {
        const order = { field: "rowcount" as const, descending: false };
        const forged = encodeCursor({ value: "not a number", tie: 1 }, queryFingerprint(toRunFilter({} as never), order));
        const res = await json(app, `/get_pipeline_info?order_by=rowcount&cursor=${encodeURIComponent(forged)}`);
        expect(res.status).toBe(422);
        expect(res.body.errors[0].field).toBe("cursor");
      } finally {
        await done();
      }
    });

    test("include_total=false answers total null", async () => {
      const { app, done } = await seeded();
      try {
        const { body } = await json(app, "/get_pipeline_info?include_total=false&limit=2");
        expect(body.total).toBeNull();
        expect(body.count).toBe(2);
        expect(body.next_cursor).not.toBeNull();
      } finally {
        await done();
      }
    });

    test("exports: NDJSON and CSV downloads with the same filters and order", async () => {
      const { app, done } = await seeded();
      try {
        const ndjson = await app.request("/get_pipeline_info?all_data=true&format=ndjson&environment=prod&order_by=start_utc");
        expect(ndjson.headers.get("content-type")).toBe("application/x-ndjson");
        expect(ndjson.headers.get("content-disposition")).toMatch(/^attachment; filename="pipeline_runs-\d{8}T\d{6}\.ndjson"$/);
        const lines = (await ndjson.text())
          .trimEnd()
          .split("\n")
          .map((l) => JSON.parse(l).date_code);
        expect(lines).toEqual(["d0", "d3", "d6", "d9"]);

        const csv = await app.request("/get_pipeline_info?all_data=true&environment=prod", { headers: { accept: "text/csv" } });
        expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
        expect(csv.headers.get("content-disposition")).toContain(".csv");
        const text = await csv.text();
        const rows = text.split("\r\n");
        expect(rows[0]).toBe(
          "start_local,end_local,start_utc,end_utc,elapsed_seconds,elapsed_human,output_file,rowcount,log_file,pid,date_code,pipeline_name,script_name,pipeline_type,environment",
        );
        expect(rows).toHaveLength(4 + 2);
        expect(rows.at(-1)).toBe("");
        expect(text).toContain('"/data/odd ""name"", with comma.csv"');
        expect(rows[1]).toContain(",d9,");
        // Accept alone does not change a JSON client's answer.
        const plain = await app.request("/get_pipeline_info?limit=1", { headers: { accept: "application/json, text/csv" } });
        expect(plain.headers.get("content-type")).toStartWith("application/json");
      } finally {
        await done();
      }
    });

    test("a client that stops reading an export stops the store's work", async () => {
      const { repository, done } = await open();
      try {
        const runs = Array.from({ length: 3000 }, (_, i) => makeRun({ date_code: `x${i}`, pid: i }));
        await repository.insertRuns(runs);
        let produced = 0;
        let finished = false;
        const counting: RunRepository = {
          ...repository,
          async *streamRuns(filter, order) {
            try {
              for await (const run of repository.streamRuns(filter, order)) {
                produced++;
                yield run;
              }
            } finally {
              finished = true;
            }
          },
          // A store that writes its runs as JSON streams them that way: the same must stop.
          ...(repository.streamRunsJson
            ? {
                async *streamRunsJson(filter, order, names, onTotal, separator) {
                  try {
                    for await (const chunk of repository.streamRunsJson?.(filter, order, names, onTotal, separator) ?? []) {
                      produced += chunk.count;
                      yield chunk;
                    }
                  } finally {
                    finished = true;
                  }
                },
              }
            : {}),
        };
        const res = await createApp({ repository: counting }).request("/get_pipeline_info?all_data=true&format=ndjson");
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        await reader.read();
        await reader.cancel();
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(finished).toBe(true);
        expect(produced).toBeLessThan(3000);
      } finally {
        await done();
      }
    });

    test("/pipelines takes the same filters and adds statistics and the rowcount drop flag", async () => {
      const { repository, done } = await seeded();
      try {
        const app = createApp({ repository, rowcountDropFraction: 0.5 });
        const { body } = await json(app, "/pipelines?pipeline_name=sales&environment=prod");
        expect(body.pipelines).toHaveLength(1);
        const [sales] = body.pipelines;
        // sales in prod: d3 (rowcount 1003) and d9 (rowcount 10, the last run).
        expect(sales).toMatchObject({
          total_runs: 2,
          last_rowcount: 10,
          min_rowcount: 10,
          max_rowcount: 1003,
          p50_rowcount: 506.5,
          rowcount_drop: true,
          first_run: "2025-06-04T08:00:00Z",
        });
        const strict = await json(createApp({ repository, rowcountDropFraction: 0.01 }), "/pipelines?pipeline_name=sales&environment=prod");
        expect(strict.body.pipelines[0].rowcount_drop).toBe(false);
        expect((await json(app, "/pipelines?min_rowcount=x")).status).toBe(422);
      } finally {
        await done();
      }
    });

    test("/pipelines/history buckets runs in the caller's zone", async () => {
      const { app, done } = await seeded();
      try {
        const { status, body } = await json(app, "/pipelines/history?bucket=week&tz=Europe/Berlin&pipeline_name=billing");
        expect(status).toBe(200);
        expect(body.bucket).toBe("week");
        expect(body.tz).toBe("Europe/Berlin");
        expect(body.pipelines[0].pipeline_name).toBe("billing");
        expect(body.pipelines[0].buckets.map((b: any) => [b.start, b.runs])).toEqual([
          ["2025-05-26T00:00:00+02:00", 1],
          ["2025-06-02T00:00:00+02:00", 3],
          ["2025-06-09T00:00:00+02:00", 1],
        ]);
        const defaults = await json(app, "/pipelines/history");
        expect(defaults.body).toMatchObject({ bucket: "day", tz: "UTC" });
        const bad = await json(app, "/pipelines/history?tz=Mars/Olympus&bucket=fortnight");
        expect(bad.status).toBe(422);
        expect(bad.body.errors.map((e: any) => e.field).sort()).toEqual(["bucket", "tz"]);
      } finally {
        await done();
      }
    });
  });
}
