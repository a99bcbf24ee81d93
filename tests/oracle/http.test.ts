import { afterEach, beforeEach, expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import { createOracleRepository } from "../../src/repository/oracle/oracle-repository.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { sampleBody } from "../support/runs.ts";
import { driverError } from "./support/oracle-errors.ts";
import { createSqliteOracle, type SqliteOracle } from "./support/sqlite-oracle.ts";

let fake: SqliteOracle;
let repository: RunRepository;
let app: ReturnType<typeof createApp>;

beforeEach(() => {
  fake = createSqliteOracle("PIPELINE_RUNS", { rowcount: "ROW_COUNT" });
  repository = createOracleRepository(
    { connectString: "db:1521/FREEPDB1", user: "pipeline", password: "pw", table: "PIPELINE_RUNS", columnMap: { rowcount: "ROW_COUNT" } },
    { driver: fake.driver, streamBatchSize: 2, healthTtlMs: 0 },
  );
  app = createApp({ repository });
});

afterEach(async () => {
  await repository.close();
  expect(fake.checkedOut).toBe(0);
  fake.close();
});

const post = (body: Record<string, unknown>) =>
  app.request("/pipelines", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test("the unchanged HTTP app serves every endpoint from the Oracle store", async () => {
  const created = await post(sampleBody({ environment: "prod" }));
  expect(created.status).toBe(201);
  const stored = await created.json();
  expect(stored).toMatchObject({ start_local: "2025-08-14T22:49:07", start_utc: "2025-08-15T05:49:07Z", rowcount: 8543 });
  for (let i = 0; i < 4; i++) expect((await post(sampleBody({ date_code: `d${i}`, environment: "dev" }))).status).toBe(201);

  const page = await app.request("/get_pipeline_info?environment=prod&limit=10");
  expect(page.status).toBe(200);
  expect(await page.json()).toMatchObject({ total: 1, count: 1, results: [stored] });

  const all = await app.request("/get_pipeline_info?all_data=true&limit=10000");
  expect(all.status).toBe(200);
  const body = (await all.json()) as { total: number; count: number; results: unknown[] };
  expect([body.total, body.count, body.results.length]).toEqual([5, 5, 5]);

  const summaries = await app.request("/pipelines");
  expect(summaries.status).toBe(200);
  expect(((await summaries.json()) as { pipelines: Array<{ total_runs: number }> }).pipelines.map((p) => p.total_runs).sort()).toEqual([1, 4]);

  const health = await app.request("/health");
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ status: "healthy", backend: "oracle" });
});

test("a database that goes away gives 503 problems with Retry-After and an unhealthy /health", async () => {
  fake.unreachable = driverError("NJS-503", "connection to host db port 1521 could not be established.");
  for (const response of [await app.request("/get_pipeline_info"), await app.request("/pipelines"), await post(sampleBody())]) {
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
  }
  const health = await app.request("/health");
  expect(health.status).toBe(503);
  expect(await health.json()).toMatchObject({ status: "unhealthy", backend: "oracle", reason: expect.stringContaining("NJS-503") });

  fake.unreachable = undefined;
  expect((await app.request("/health")).status).toBe(200);
  expect((await app.request("/get_pipeline_info")).status).toBe(200);
});

test("a value the column cannot hold is a 422 naming the field", async () => {
  fake.beforeExecute = (statement) => {
    if (statement.sql.startsWith("INSERT"))
      throw driverError("ORA-12899", 'value too large for column "APP"."PIPELINE_RUNS"."ROW_COUNT" (actual: 30, maximum: 19)');
  };
  const response = await post(sampleBody());
  expect(response.status).toBe(422);
  expect(await response.json()).toMatchObject({ errors: [{ location: "body", field: "rowcount" }] });
});
