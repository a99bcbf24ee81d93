import { describe, expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import { createLogger } from "../../src/logger.ts";
import { createMemoryRepository } from "../../src/repository/memory.ts";
import { postJson, swaggerAssets } from "../support/app.ts";
import { makeRun, sampleBody } from "../support/runs.ts";

const KEY = "k3y-for-tests-0123456789abcdef";
const OTHER = "another-key-abcdefghijklmnopqr";

function appWith(options: Partial<Parameters<typeof createApp>[0]> = {}) {
  const repository = createMemoryRepository();
  const logs: string[] = [];
  const app = createApp({ repository, docsAssets: swaggerAssets, logger: createLogger("info", (l) => logs.push(l)), ...options });
  return { app, repository, logs };
}

describe("API keys", () => {
  const auth = { keys: [KEY, OTHER], protectReads: false };

  const nearMisses = ["", KEY.slice(0, -1), `${KEY}x`, KEY.toUpperCase(), ` ${KEY}x`, "Bearer", KEY.replace(/.$/, "g")];
  for (const [how, headers] of [
    ["no key", {}],
    ["a wrong bearer key", { authorization: "Bearer wrong" }],
    ["a wrong X-API-Key", { "x-api-key": "wrong" }],
    ["a key in the wrong scheme", { authorization: `Basic ${KEY}` }],
    ...nearMisses.map((k) => [`the near miss ${JSON.stringify(k)}`, { authorization: `Bearer ${k}` }] as const),
  ] as Array<[string, Record<string, string>]>) {
    test(`POST with ${how} is 401 problem+json with WWW-Authenticate, nothing stored`, async () => {
      const { app, repository } = appWith({ auth });
      const res = await app.request("/pipelines", postJson(sampleBody(), headers));
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toStartWith("Bearer");
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(await repository.countRuns({})).toBe(0);
    });
  }

  test("either configured key works, as Bearer or X-API-Key", async () => {
    const { app, repository } = appWith({ auth });
    expect((await app.request("/pipelines", postJson(sampleBody({ pid: 1 }), { authorization: `Bearer ${KEY}` }))).status).toBe(201);
    expect((await app.request("/pipelines", postJson(sampleBody({ pid: 2 }), { "x-api-key": OTHER }))).status).toBe(201);
    expect((await app.request("/pipelines", postJson(sampleBody({ pid: 3 }), { authorization: `bearer ${OTHER}` }))).status).toBe(201);
    expect(await repository.countRuns({})).toBe(3);
  });

  test("reads stay open unless PIPELINE_READ_AUTH", async () => {
    const { app } = appWith({ auth });
    expect((await app.request("/get_pipeline_info")).status).toBe(200);
    expect((await app.request("/pipelines")).status).toBe(200);
  });

  test("with read auth, reads need a key but probes, metrics and docs do not", async () => {
    const { app } = appWith({ auth: { ...auth, protectReads: true } });
    expect((await app.request("/get_pipeline_info")).status).toBe(401);
    expect((await app.request("/pipelines")).status).toBe(401);
    expect((await app.request("/get_pipeline_info", { headers: { "x-api-key": KEY } })).status).toBe(200);
    for (const open of ["/health", "/health/ready", "/metrics", "/docs", "/openapi.json"]) expect((await app.request(open)).status).toBe(200);
  });

  test("keys never appear in logs or error answers", async () => {
    const { app, logs } = appWith({ auth });
    const wrong = `${KEY}-almost`;
    const res = await app.request("/pipelines", postJson(sampleBody(), { authorization: `Bearer ${wrong}` }));
    await app.request("/pipelines", postJson(sampleBody({ rowcount: "x" }), { authorization: `Bearer ${KEY}` }));
    const everything = `${await res.text()}\n${logs.join("\n")}`;
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain(OTHER);
    expect(logs.length).toBeGreaterThan(0);
  });

  test("the OpenAPI document declares the schemes and the POST's security", async () => {
    const { app } = appWith({ auth });
    const doc = (await (await app.request("/openapi.json")).json()) as any;
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.components.securitySchemes.apiKeyHeader).toMatchObject({ type: "apiKey", in: "header", name: "X-API-Key" });
    expect(doc.paths["/pipelines"].post.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
    expect(doc.paths["/pipelines"].post.responses["401"]).toBeDefined();
    expect(doc.paths["/health"].get.security).toEqual([]);
  });
});

describe("CORS", () => {
  test("no CORS headers when no origins are configured", async () => {
    const { app } = appWith();
    const res = await app.request("/get_pipeline_info", { headers: { origin: "https://dash.example.com" } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("configured origins get CORS headers and preflight answers", async () => {
    const { app } = appWith({ corsOrigins: ["https://dash.example.com"] });
    const res = await app.request("/get_pipeline_info", { headers: { origin: "https://dash.example.com" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("https://dash.example.com");
    const other = await app.request("/get_pipeline_info", { headers: { origin: "https://evil.example.com" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await app.request("/pipelines", {
      method: "OPTIONS",
      headers: { origin: "https://dash.example.com", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
  });

  test("preflight passes even when keys are required", async () => {
    const { app } = appWith({ corsOrigins: ["*"], auth: { keys: [KEY], protectReads: true } });
    const preflight = await app.request("/pipelines", { method: "OPTIONS", headers: { origin: "https://x.example", "access-control-request-method": "POST" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("observability", () => {
  test("one JSON log line per request with route, status, latency and request id", async () => {
    const { app, logs } = appWith();
    await app.request("/get_pipeline_info?limit=5", { headers: { "x-request-id": "abc-123" } });
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.msg === "request");
    expect(line).toMatchObject({ level: "info", method: "GET", route: "/get_pipeline_info", status: 200, request_id: "abc-123" });
    expect(typeof line.latency_ms).toBe("number");
    expect(typeof line.time).toBe("string");
  });

  test("a sane X-Request-Id is echoed; an insane one is replaced", async () => {
    const { app } = appWith();
    expect((await app.request("/health", { headers: { "x-request-id": "req-1" } })).headers.get("x-request-id")).toBe("req-1");
    const replaced = (await app.request("/health", { headers: { "x-request-id": `bad id ${"x".repeat(300)}` } })).headers.get("x-request-id");
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    expect((await app.request("/health")).headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("LOG_LEVEL=warn keeps successful requests out of the log", async () => {
    const logs: string[] = [];
    const app = createApp({ repository: createMemoryRepository(), logger: createLogger("warn", (l) => logs.push(l)) });
    await app.request("/health");
    expect(logs).toEqual([]);
  });

  test("/metrics exposes requests, latencies, store operations, POST outcomes and per-pipeline gauges", async () => {
    const { app, repository } = appWith();
    await repository.insertRuns([makeRun({ pipeline_name: "sales", environment: "prod", start: "2025-05-01T00:00:00Z", seconds: 42, rowcount: 7 })]);
    await app.request("/pipelines", postJson(sampleBody()));
    await app.request("/pipelines", postJson(sampleBody({ rowcount: -1 })));
    await app.request("/get_pipeline_info");
    await app.request("/nope/12345");
    const res = await app.request("/metrics");
    expect(res.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
    const text = await res.text();
    expect(text).toContain('http_requests_total{route="/get_pipeline_info",method="GET",status="200"} 1');
    expect(text).toContain('http_requests_total{route="unmatched",method="GET",status="404"} 1');
    expect(text).not.toContain("12345");
    expect(text).toMatch(/http_request_duration_seconds_bucket\{route="\/pipelines",le="\+Inf"\} 2/);
    expect(text).toMatch(/pipeline_store_operation_duration_seconds_count\{operation="insert_runs"\} 1/);
    expect(text).toContain("pipeline_posts_accepted_total 1");
    expect(text).toContain('pipeline_posts_rejected_total{status="422"} 1');
    expect(text).toContain('pipeline_store_records{backend="memory"} 2');
    expect(text).toContain('pipeline_last_run_duration_seconds{pipeline_name="sales",environment="prod"} 42');
    expect(text).toContain('pipeline_last_run_rowcount{pipeline_name="sales",environment="prod"} 7');
    expect(text).toContain(`pipeline_last_run_start_timestamp_seconds{pipeline_name="sales",environment="prod"} ${Date.UTC(2025, 4, 1) / 1000}`);
    expect(text).toContain('pipeline_runs{pipeline_name="sales",environment="prod"} 1');
    expect(text).toContain("pipeline_metrics_pipelines_dropped 0");
  });

  test("batch records count as accepted and rejected runs", async () => {
    const { app } = appWith();
    await app.request("/pipelines/batch", postJson([sampleBody({ pid: 1 }), sampleBody({ pid: 2 }), sampleBody({ pid: 3, rowcount: -1 })]));
    const text = await (await app.request("/metrics")).text();
    expect(text).toContain("pipeline_posts_accepted_total 2");
    expect(text).toContain('pipeline_posts_rejected_total{status="batch"} 1');
  });

  test("per-pipeline series are capped, keeping the most recent", async () => {
    const repository = createMemoryRepository();
    for (let i = 0; i < 5; i++) await repository.insertRuns([makeRun({ pipeline_name: `p${i}`, start: `2025-01-0${i + 1}T00:00:00Z` })]);
    const app = createApp({ repository, metricsMaxPipelines: 2 });
    const text = await (await app.request("/metrics")).text();
    expect(text.match(/^pipeline_runs\{/gm)).toHaveLength(2);
    expect(text).toContain('pipeline_runs{pipeline_name="p4"');
    expect(text).toContain('pipeline_runs{pipeline_name="p3"');
    expect(text).toContain("pipeline_metrics_pipelines_dropped 3");
  });
});

describe("readiness, limits and headers", () => {
  test("/health/ready is 200 when the store is ready and 503 while shutting down", async () => {
    let shuttingDown = false;
    const { app } = appWith({ lifecycle: { isShuttingDown: () => shuttingDown } });
    expect((await app.request("/health/ready")).status).toBe(200);
    shuttingDown = true;
    const res = await app.request("/health/ready");
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "not_ready", reason: "shutting down" });
    expect((await app.request("/health")).status).toBe(200);
  });

  test("/health/ready is 503 while the store is not healthy", async () => {
    const repository = { ...createMemoryRepository(), health: async () => ({ status: "starting" as const, reason: "indexing" }) };
    const res = await createApp({ repository }).request("/health/ready");
    expect(res.status).toBe(503);
  });

  test("a configured body limit answers 413", async () => {
    const { app } = appWith({ maxBodyBytes: 100 });
    expect((await app.request("/pipelines", postJson(sampleBody()))).status).toBe(413);
  });

  test("the rate limit answers 429 with Retry-After per key, and never limits probes", async () => {
    const { app } = appWith({ rateLimitPerSecond: 3, auth: { keys: [KEY, OTHER], protectReads: true } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await app.request("/get_pipeline_info", { headers: { "x-api-key": KEY } })).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    const limited = await app.request("/get_pipeline_info", { headers: { "x-api-key": KEY } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get("content-type")).toBe("application/problem+json");
    expect((await app.request("/get_pipeline_info", { headers: { "x-api-key": OTHER } })).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await app.request("/health")).status).toBe(200);
  });

  test("a request slower than the timeout gets 503", async () => {
    const slow = { ...createMemoryRepository(), summarizePipelines: () => new Promise<never>(() => {}) };
    const res = await createApp({ repository: slow, requestTimeoutMs: 50 }).request("/pipelines");
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });

  test("security headers on every response, errors not cached", async () => {
    const { app } = appWith();
    for (const path of ["/health", "/get_pipeline_info?limit=0", "/docs", "/nope"]) {
      const res = await app.request(path);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      if (res.status >= 400) expect(res.headers.get("cache-control")).toBe("no-store");
    }
  });
});
