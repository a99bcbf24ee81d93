import assert from "node:assert/strict";
import { SAMPLE_RUN } from "../../src/domain/pipeline-info.ts";
import { VERSION } from "../../src/version.ts";
import { sampleBody } from "../support/runs.ts";
import { SCENARIO_API_KEY, SCENARIO_ORIGIN } from "./scenario-app.ts";

/** Sends one request to the app under test: `app.request` in process, `fetch` to a server otherwise. */
export type Send = (path: string, init?: RequestInit) => Promise<Response>;

/**
 * One HTTP exchange (or a short conversation) a client has with the service, with the answers it
 * must get. Scenarios share one store and run in order, so each one writes runs under its own
 * pipeline name and never depends on what another stored.
 */
export interface Scenario {
  name: string;
  run(send: Send): Promise<void>;
}

const AUTH = { authorization: `Bearer ${SCENARIO_API_KEY}` };
const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...AUTH, ...headers },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

async function problemOf(response: Response, status: number) {
  assert.equal(response.status, status);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  const body = (await response.json()) as { status: number; errors?: Array<{ field: string }> };
  assert.equal(body.status, status);
  return body;
}

/** A run of `pipeline` on day `day` (1-28 of August 2025), `rowcount` rows. */
function runOf(pipeline: string, day: number, rowcount = 100) {
  const d = String(day).padStart(2, "0");
  return sampleBody({
    pipeline_name: pipeline,
    date_code: `2025-08-${d}_2025-08-${d}`,
    start_local: `2025-08-${d} 01:00:00`,
    end_local: `2025-08-${d} 01:10:00`,
    start_utc: `2025-08-${d}T08:00:00Z`,
    end_utc: `2025-08-${d}T08:10:00Z`,
    elapsed_seconds: 600,
    rowcount,
  });
}

interface RunList {
  total: number | null;
  count: number;
  results: Array<{ pipeline_name: string; date_code: string; rowcount: number }>;
  next_cursor: string | null;
}

export const SCENARIOS: Scenario[] = [
  {
    name: "GET / names the service and the memory store",
    async run(send) {
      const res = await send("/");
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { name: "Pipeline Service", version: VERSION, backend: "memory", docs: "/docs", openapi: "/openapi.json" });
    },
  },
  {
    name: "GET /health and /health/ready are 200 healthy",
    async run(send) {
      const health = await send("/health");
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { status: string }).status, "healthy");
      assert.equal((await send("/health/ready")).status, 200);
    },
  },
  {
    name: "POST /pipelines stores the sample record (201) and a retry answers 200 with it",
    async run(send) {
      const first = await send("/pipelines", post(sampleBody()));
      assert.equal(first.status, 201);
      assert.deepEqual(await first.json(), SAMPLE_RUN);
      const again = await send("/pipelines", post(sampleBody({ rowcount: "8543" })));
      assert.equal(again.status, 200);
      assert.deepEqual(await again.json(), SAMPLE_RUN);
      const list = (await (await send(`/get_pipeline_info?pipeline_name=${encodeURIComponent(String(SAMPLE_RUN.pipeline_name))}`)).json()) as RunList;
      assert.deepEqual(list.results, [SAMPLE_RUN]);
    },
  },
  {
    name: "the same identity with other content is 409 naming the fields",
    async run(send) {
      await send("/pipelines", post(runOf("rt-conflict", 1)));
      const body = await problemOf(await send("/pipelines", post(runOf("rt-conflict", 1, 5))), 409);
      assert.deepEqual(
        body.errors?.map((e) => e.field),
        ["rowcount"],
      );
    },
  },
  {
    name: "invalid fields are 422 problem+json naming each field, nothing stored",
    async run(send) {
      const body = await problemOf(await send("/pipelines", post(runOf("rt-invalid", 2, -1))), 422);
      assert.deepEqual(
        body.errors?.map((e) => e.field),
        ["rowcount"],
      );
      const list = (await (await send("/get_pipeline_info?pipeline_name=rt-invalid")).json()) as RunList;
      assert.equal(list.total, 0);
    },
  },
  {
    name: "broken JSON is 400, another content type 415, a body over the limit 413",
    async run(send) {
      await problemOf(await send("/pipelines", post("{not json")), 400);
      await problemOf(await send("/pipelines", post(JSON.stringify(runOf("rt-type", 3)), { "content-type": "text/plain" })), 415);
      await problemOf(await send("/pipelines", post({ ...runOf("rt-big", 3), log_file: "x".repeat(70 * 1024) })), 413);
    },
  },
  {
    name: "writes without the API key are 401 with WWW-Authenticate; X-API-Key works too",
    async run(send) {
      const res = await send("/pipelines", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(runOf("rt-auth", 4)) });
      await problemOf(res, 401);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
      const wrong = await send("/pipelines", {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": `${SCENARIO_API_KEY}x` },
        body: JSON.stringify(runOf("rt-auth", 4)),
      });
      await problemOf(wrong, 401);
      const right = await send("/pipelines", {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": SCENARIO_API_KEY },
        body: JSON.stringify(runOf("rt-auth", 4)),
      });
      assert.equal(right.status, 201);
    },
  },
  {
    name: "an Idempotency-Key replays the first answer; the key with another body is 422",
    async run(send) {
      const first = await send("/pipelines", post(runOf("rt-idem", 5), { "idempotency-key": "rt-idem-1" }));
      assert.equal(first.status, 201);
      const replay = await send("/pipelines", post(runOf("rt-idem", 5), { "idempotency-key": "rt-idem-1" }));
      assert.equal(replay.status, 201);
      assert.equal(replay.headers.get("idempotent-replayed"), "true");
      await problemOf(await send("/pipelines", post(runOf("rt-idem", 6), { "idempotency-key": "rt-idem-1" })), 422);
    },
  },
  {
    name: "POST /pipelines/batch takes NDJSON: valid records stored, invalid ones reported by index",
    async run(send) {
      const lines = [runOf("rt-batch", 1), runOf("rt-batch", 2), { ...runOf("rt-batch", 3), pid: "x" }, runOf("rt-batch", 1)];
      const res = await send("/pipelines/batch", post(lines.map((l) => JSON.stringify(l)).join("\n"), { "content-type": "application/x-ndjson" }));
      assert.equal(res.status, 200);
      const body = (await res.json()) as { created: number; existing: number; invalid: number; results: Array<{ index: number; status: number }> };
      assert.deepEqual([body.created, body.existing, body.invalid], [2, 1, 1]);
      assert.deepEqual(
        body.results.map((r) => r.status),
        [201, 201, 422, 200],
      );
    },
  },
  {
    name: "filters, ordering and cursor pages cover every match once",
    async run(send) {
      await send("/pipelines/batch", post([1, 2, 3, 4, 5, 6, 7].map((day) => runOf("rt-pages", day, day * 10))));
      const seen: number[] = [];
      let url = "/get_pipeline_info?pipeline_name=rt-pages&min_rowcount=20&order_by=-rowcount&limit=2";
      for (let page = 0; page < 10; page++) {
        const res = await send(url);
        assert.equal(res.status, 200);
        const body = (await res.json()) as RunList;
        assert.equal(body.total, 6);
        seen.push(...body.results.map((r) => r.rowcount));
        if (body.next_cursor === null) break;
        url = `/get_pipeline_info?pipeline_name=rt-pages&min_rowcount=20&order_by=-rowcount&limit=2&cursor=${encodeURIComponent(body.next_cursor)}`;
      }
      assert.deepEqual(seen, [70, 60, 50, 40, 30, 20]);
      const tampered = await send("/get_pipeline_info?pipeline_name=rt-pages&cursor=garbage");
      assert.equal((await problemOf(tampered, 422)).errors?.[0]?.field, "cursor");
    },
  },
  {
    name: "a bad query parameter is 422 naming it",
    async run(send) {
      const body = await problemOf(await send("/get_pipeline_info?limit=-3"), 422);
      assert.deepEqual(
        body.errors?.map((e) => e.field),
        ["limit"],
      );
    },
  },
  {
    name: "CSV and NDJSON downloads stream the same runs",
    async run(send) {
      await send("/pipelines/batch", post([1, 2, 3].map((day) => runOf("rt-export", day))));
      const csv = await send("/get_pipeline_info?pipeline_name=rt-export&format=csv&order_by=start_utc");
      assert.equal(csv.status, 200);
      assert.match(csv.headers.get("content-type") ?? "", /^text\/csv/);
      const rows = (await csv.text()).trim().split(/\r?\n/);
      assert.equal(rows.length, 4);
      assert.match(rows[0] ?? "", /pipeline_name/);
      const ndjson = await send("/get_pipeline_info?pipeline_name=rt-export&order_by=start_utc", { headers: { accept: "application/x-ndjson" } });
      const lines = (await ndjson.text())
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { date_code: string });
      assert.deepEqual(
        lines.map((l) => l.date_code),
        ["2025-08-01_2025-08-01", "2025-08-02_2025-08-02", "2025-08-03_2025-08-03"],
      );
    },
  },
  {
    name: "GET /pipelines summarizes each pipeline; /pipelines/history buckets its runs",
    async run(send) {
      await send("/pipelines/batch", post([1, 2, 3, 4].map((day) => runOf("rt-stats", day, day === 4 ? 10 : 100))));
      const res = await send("/pipelines?pipeline_name=rt-stats");
      assert.equal(res.status, 200);
      const { pipelines } = (await res.json()) as { pipelines: Array<Record<string, unknown>> };
      assert.equal(pipelines.length, 1);
      assert.deepEqual(
        {
          name: pipelines[0]?.pipeline_name,
          runs: pipelines[0]?.total_runs,
          last: pipelines[0]?.last_rowcount,
          median: pipelines[0]?.p50_rowcount,
          drop: pipelines[0]?.rowcount_drop,
        },
        { name: "rt-stats", runs: 4, last: 10, median: 100, drop: true },
      );
      const history = await send("/pipelines/history?pipeline_name=rt-stats&bucket=day");
      assert.equal(history.status, 200);
      const series = (await history.json()) as { pipelines: Array<{ buckets: Array<{ start: string; runs: number; total_rows: number }> }> };
      assert.deepEqual(
        series.pipelines[0]?.buckets.map((b) => [b.start.slice(0, 10), b.runs, b.total_rows]),
        [1, 2, 3, 4].map((day) => [`2025-08-0${day}`, 1, day === 4 ? 10 : 100]),
      );
    },
  },
  {
    name: "unknown paths are 404 and wrong methods 405 with Allow",
    async run(send) {
      await problemOf(await send("/nope"), 404);
      const res = await send("/pipelines", { method: "DELETE", headers: AUTH });
      await problemOf(res, 405);
      assert.match(res.headers.get("allow") ?? "", /POST/);
    },
  },
  {
    name: "CORS preflight from a configured origin is answered; security headers everywhere",
    async run(send) {
      const res = await send("/pipelines", { method: "OPTIONS", headers: { origin: SCENARIO_ORIGIN, "access-control-request-method": "POST" } });
      assert.ok(res.status === 204 || res.status === 200, `preflight status ${res.status}`);
      assert.equal(res.headers.get("access-control-allow-origin"), SCENARIO_ORIGIN);
      const health = await send("/health");
      assert.equal(health.headers.get("x-content-type-options"), "nosniff");
      assert.ok(health.headers.get("x-request-id"), "x-request-id");
    },
  },
  {
    name: "/openapi.json documents every route; /docs is the Swagger page; /metrics counts requests",
    async run(send) {
      const doc = (await (await send("/openapi.json")).json()) as { openapi: string; paths: Record<string, unknown> };
      assert.equal(doc.openapi, "3.1.0");
      for (const path of ["/pipelines", "/pipelines/batch", "/get_pipeline_info", "/health"]) assert.ok(doc.paths[path], path);
      const docs = await send("/docs");
      assert.equal(docs.status, 200);
      assert.match(await docs.text(), /swagger-ui/);
      const metrics = await send("/metrics");
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /http_requests_total/);
    },
  },
];
