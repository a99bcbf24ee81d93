import { describe, expect, test } from "bun:test";
import { SAMPLE_RUN } from "../../src/domain/pipeline-info.ts";
import { postJson, testApp } from "../support/app.ts";
import { makeRun, sampleBody } from "../support/runs.ts";

describe("POST /pipelines", () => {
  test("stores the sample record and answers 201 with it as it reads back", async () => {
    const { app } = testApp();
    const res = await app.request("/pipelines", postJson(sampleBody()));
    expect(res.status).toBe(201);
    const stored = await res.json();
    expect(stored).toEqual(SAMPLE_RUN);
    const list = await (await app.request("/get_pipeline_info")).json();
    expect(list).toEqual({ total: 1, count: 1, results: [SAMPLE_RUN], pipelines: [SAMPLE_RUN.pipeline_name], next_cursor: null });
  });

  test("accepts the original's lax forms and normalises them", async () => {
    const { app } = testApp();
    const res = await app.request(
      "/pipelines",
      postJson(
        sampleBody({
          rowcount: "8543",
          pid: 53452.0,
          elapsed_seconds: "1692.8",
          start_utc: "2025-08-15T07:49:07+02:00",
          end_utc: "2025-08-15 06:17:19",
          start_local: "2025-08-14T22:49:07.123456",
          pipeline_type: undefined,
          environment: null,
        }),
      ),
    );
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      rowcount: 8543,
      pid: 53452,
      elapsed_seconds: 1692.8,
      start_utc: "2025-08-15T05:49:07Z",
      end_utc: "2025-08-15T06:17:19Z",
      start_local: "2025-08-14T22:49:07.123456",
      pipeline_type: null,
      environment: null,
    });
  });

  test("infers pipeline_name when it is absent, as reads of legacy lines do", async () => {
    const { app } = testApp();
    const res = await app.request("/pipelines", postJson(sampleBody({ pipeline_name: undefined, output_file: "/data/pipeline/loader/out.csv" })));
    expect(((await res.json()) as { pipeline_name: string }).pipeline_name).toBe("loader");
  });

  const rejects: Array<[string, Record<string, unknown>, string[]]> = [
    ["a missing field", { rowcount: undefined }, ["rowcount"]],
    ["a fractional integer", { rowcount: 12.5 }, ["rowcount"]],
    ["a non-numeric string", { pid: "x1" }, ["pid"]],
    ["an impossible date", { start_utc: "2025-02-30T00:00:00Z" }, ["start_utc"]],
    ["a date in another form", { end_local: "14/08/2025 23:17" }, ["end_local"]],
    ["a negative rowcount", { rowcount: -1 }, ["rowcount"]],
    ["a negative elapsed time", { elapsed_seconds: -0.5 }, ["elapsed_seconds"]],
    ["a negative pid", { pid: -3 }, ["pid"]],
    ["an end before the start", { end_utc: "2025-08-15T05:49:06Z" }, ["end_utc"]],
    ["a too-long environment", { environment: "e".repeat(51) }, ["environment"]],
    ["a too-long path", { output_file: "/".repeat(1025) }, ["output_file"]],
    ["a too-long date_code", { date_code: "d".repeat(65) }, ["date_code"]],
    ["a label of the wrong type", { pipeline_name: 12 }, ["pipeline_name"]],
    ["several bad fields at once", { rowcount: "many", pid: null, date_code: 5 }, ["rowcount", "pid", "date_code"]],
  ];
  for (const [what, overrides, fields] of rejects) {
    test(`422 naming the field for ${what}, and nothing stored`, async () => {
      const { app, repository } = testApp();
      const res = await app.request("/pipelines", postJson(sampleBody(overrides)));
      expect(res.status).toBe(422);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const body = (await res.json()) as { status: number; title: string; errors: Array<{ field: string; location: string }> };
      expect(body.status).toBe(422);
      expect(body.title).toBe("Unprocessable Content");
      expect(body.errors.map((e) => e.field).sort()).toEqual([...fields].sort());
      expect(body.errors.every((e) => e.location === "body")).toBe(true);
      expect(await repository.countRuns({})).toBe(0);
    });
  }

  test("an empty object lists every required field", async () => {
    const { app } = testApp();
    const body = (await (await app.request("/pipelines", postJson({}))).json()) as { errors: Array<{ field: string }> };
    expect(body.errors.map((e) => e.field).sort()).toEqual(
      [
        "date_code",
        "elapsed_human",
        "elapsed_seconds",
        "end_local",
        "end_utc",
        "log_file",
        "output_file",
        "pid",
        "rowcount",
        "start_local",
        "start_utc",
      ].sort(),
    );
  });

  test("400 for malformed JSON", async () => {
    const { app, repository } = testApp();
    const res = await app.request("/pipelines", postJson('{"start_local": '));
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(((await res.json()) as { detail: string }).detail).toMatch(/malformed json/i);
    expect(await repository.countRuns({})).toBe(0);
  });

  test("422 for JSON that is not an object", async () => {
    const { app } = testApp();
    for (const body of ["[]", "42", "null", '"text"']) {
      expect((await app.request("/pipelines", postJson(body))).status).toBe(422);
    }
  });

  test("415 when the body is not declared as JSON", async () => {
    const { app, repository } = testApp();
    for (const type of ["text/plain", "application/x-www-form-urlencoded", ""]) {
      const res = await app.request("/pipelines", { method: "POST", headers: type ? { "content-type": type } : {}, body: JSON.stringify(sampleBody()) });
      expect(res.status).toBe(415);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    expect(await repository.countRuns({})).toBe(0);
  });

  test("413 for a body over 1 MiB, declared or streamed", async () => {
    const { app, repository } = testApp();
    const big = JSON.stringify(sampleBody({ elapsed_human: "x".repeat(1024 * 1024) }));
    const declared = await app.request("/pipelines", postJson(big, { "content-length": String(big.length) }));
    expect(declared.status).toBe(413);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const streamed = await app.request("/pipelines", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await repository.countRuns({})).toBe(0);
  });
});

describe("GET /get_pipeline_info", () => {
  async function seeded() {
    const t = testApp();
    for (let i = 0; i < 12; i++) {
      await t.repository.insertRuns([
        makeRun({
          date_code: `d${i}`,
          start: `2025-06-${String(i + 1).padStart(2, "0")}T08:00:00Z`,
          rowcount: i * 10,
          environment: i % 2 ? "prod" : "dev",
          pipeline_name: i % 3 ? "sales" : "billing",
        }),
      ]);
    }
    return t;
  }
  const get = async (app: ReturnType<typeof testApp>["app"], query: string) => {
    const res = await app.request(`/get_pipeline_info${query}`);
    return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as any };
  };

  test("defaults to the newest 100 with total, count and sorted distinct pipelines", async () => {
    const { app } = await seeded();
    const { status, body } = await get(app, "");
    expect(status).toBe(200);
    expect(body.total).toBe(12);
    expect(body.count).toBe(12);
    expect(body.results[0].date_code).toBe("d11");
    expect(body.pipelines).toEqual(["billing", "sales"]);
  });

  test("filters combine and count only matches", async () => {
    const { app } = await seeded();
    const { body } = await get(app, "?environment=prod&pipeline_name=sales&min_rowcount=20&max_rowcount=90&start_utc=2025-06-03&end_utc=2025-06-10T08:01:00Z");
    expect(body.results.map((r: any) => r.date_code)).toEqual(["d7", "d5"]);
    expect(body.total).toBe(2);
  });

  test("empty filter values mean no filter", async () => {
    const { app } = await seeded();
    const { body } = await get(app, "?environment=&pipeline_name=&script_name=&pipeline_type=&start_utc=&min_rowcount=");
    expect(body.total).toBe(12);
  });

  test("limit and offset page; the total stays", async () => {
    const { app } = await seeded();
    const { body } = await get(app, "?limit=5&offset=10");
    expect(body).toMatchObject({ total: 12, count: 2 });
    expect(body.results.map((r: any) => r.date_code)).toEqual(["d1", "d0"]);
    expect((await get(app, "?limit=5&offset=50")).body).toEqual({ total: 12, count: 0, results: [], pipelines: [], next_cursor: null });
  });

  test("all_data returns everything and ignores limit and offset entirely", async () => {
    const { app } = await seeded();
    for (const query of ["?all_data=true", "?limit=10000&offset=0&all_data=true", "?limit=1&offset=5&all_data=true", "?limit=0&offset=-4&all_data=1"]) {
      const { status, type, body } = await get(app, query);
      expect(status).toBe(200);
      expect(type).toStartWith("application/json");
      expect(body.total).toBe(12);
      expect(body.count).toBe(12);
      expect(body.results.map((r: any) => r.date_code)).toEqual(Array.from({ length: 12 }, (_, i) => `d${11 - i}`));
      expect(body.pipelines).toEqual(["billing", "sales"]);
    }
    expect((await get(app, "?all_data=true&environment=nope")).body).toEqual({ total: 0, count: 0, results: [], pipelines: [] });
  });

  const bad: Array<[string, string]> = [
    ["?limit=0", "limit"],
    ["?limit=1001", "limit"],
    ["?limit=ten", "limit"],
    ["?offset=-1", "offset"],
    ["?min_rowcount=abc", "min_rowcount"],
    ["?max_rowcount=1.5", "max_rowcount"],
    ["?start_utc=notadate", "start_utc"],
    ["?end_utc=2025-02-30", "end_utc"],
    ["?all_data=maybe", "all_data"],
  ];
  for (const [query, field] of bad) {
    test(`422 problem naming ${field} for ${query}`, async () => {
      const { app } = await seeded();
      const { status, type, body } = await get(app, query);
      expect(status).toBe(422);
      expect(type).toBe("application/problem+json");
      expect(body.errors).toEqual([expect.objectContaining({ location: "query", field })]);
    });
  }

  test("every bad parameter is listed in one answer", async () => {
    const { app } = await seeded();
    const { body } = await get(app, "?limit=0&offset=-1&min_rowcount=x&start_utc=y");
    expect(body.errors.map((e: any) => e.field).sort()).toEqual(["limit", "min_rowcount", "offset", "start_utc"]);
  });
});

describe("GET /pipelines", () => {
  test("summarises per label group", async () => {
    const { app, repository } = testApp();
    await repository.insertRuns([makeRun({ pipeline_name: "a", start: "2025-01-01T00:00:00Z", seconds: 10, rowcount: 0 })]);
    await repository.insertRuns([makeRun({ pipeline_name: "a", start: "2025-01-02T00:00:00Z", seconds: 30, rowcount: 5 })]);
    const body = await (await app.request("/pipelines")).json();
    expect(body).toMatchObject({
      pipelines: [
        {
          pipeline_name: "a",
          script_name: SAMPLE_RUN.script_name,
          pipeline_type: "batch",
          environment: "prod",
          total_runs: 2,
          last_run: "2025-01-02T00:00:00Z",
          avg_duration: 20,
          avg_rowcount: 5,
          first_run: "2025-01-01T00:00:00Z",
          last_duration: 30,
          last_rowcount: 5,
        },
      ],
    });
  });
});
