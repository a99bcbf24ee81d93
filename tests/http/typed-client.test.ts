import { expect, test } from "bun:test";
import { hc } from "hono/client";
import type { AppType } from "../../src/app.ts";
import { testApp } from "../support/app.ts";
import { sampleBody } from "../support/runs.ts";

test("AppType gives hono/client typed routes", async () => {
  const { app } = testApp();
  const client = hc<AppType>("http://service.local", { fetch: (input: RequestInfo | URL, init?: RequestInit) => app.request(input, init) });
  const created = await client.pipelines.$post({ json: sampleBody() as never, header: {} });
  expect(created.status).toBe(201);
  const page = await client.get_pipeline_info.$get({ query: { limit: "5", environment: "prod" } });
  expect(page.status).toBe(200);
  if (page.status === 200) {
    const body = await page.json();
    // The 200 also documents NDJSON and CSV bodies, so the client type is a union: narrow it.
    if (typeof body !== "object" || !("results" in body)) throw new Error("expected the JSON page");
    expect(body.total).toBe(1);
    expect(body.results[0]?.pipeline_name).toBe(sampleBody().pipeline_name as string);
  }
  const health = await client.health.$get();
  expect(health.status).toBe(200);
});
