import { describe, expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import { createLogger } from "../../src/logger.ts";
import { createMemoryRepository } from "../../src/repository/memory.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import { VERSION } from "../../src/version.ts";
import { testApp } from "../support/app.ts";

describe("operations routes", () => {
  test("GET / names the service and links the docs", async () => {
    const { app } = testApp();
    expect(await (await app.request("/")).json()).toEqual({
      name: "Pipeline Service",
      version: VERSION,
      backend: "memory",
      docs: "/docs",
      openapi: "/openapi.json",
    });
  });

  test("GET /health is 200 healthy with the backend and version", async () => {
    const { app } = testApp();
    const res = await app.request("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "healthy", backend: "memory", version: VERSION });
  });

  test("GET /health is 503 unhealthy with the reason when the store is", async () => {
    const broken: RunRepository = {
      ...createMemoryRepository(),
      health: async () => ({ kind: "file", status: "unhealthy", reason: "disk gone", skippedLines: 2 }),
    };
    const res = await testApp(broken).app.request("/health");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "unhealthy", reason: "disk gone", skipped_lines: 2 });
  });
});

describe("errors", () => {
  test("unknown paths are 404 problem+json", async () => {
    const res = await testApp().app.request("/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ type: "about:blank", title: "Not Found", status: 404 });
  });

  test("a wrong method is 405 with Allow", async () => {
    const { app } = testApp();
    const res = await app.request("/pipelines", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain("POST");
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect((await app.request("/get_pipeline_info", { method: "POST" })).status).toBe(405);
  });

  test("with API keys a wrong method is still 405 with Allow, key or not, before any 401", async () => {
    const key = "service-key-0123456789abcdef";
    const app = createApp({ repository: createMemoryRepository(), auth: { keys: [key], protectReads: true } });
    for (const headers of [{}, { authorization: `Bearer ${key}` }, { authorization: "Bearer wrong" }] as Array<Record<string, string>>) {
      const health = await app.request("/health", { method: "DELETE", headers });
      expect(health.status).toBe(405);
      expect(health.headers.get("allow")).toBe("GET, HEAD");
      const runs = await app.request("/pipelines", { method: "PUT", headers });
      expect(runs.status).toBe(405);
      expect(runs.headers.get("allow")?.split(", ").sort()).toEqual(["GET", "HEAD", "POST"]);
    }
    expect((await app.request("/pipelines", { method: "POST" })).status).toBe(401);
  });

  test("an unexpected error is a generic 500; details go to the log only", async () => {
    const lines: string[] = [];
    const failing: RunRepository = {
      ...createMemoryRepository(),
      summarizePipelines: async () => {
        throw new Error("secret connection string user/pw@db");
      },
    };
    const app = createApp({ repository: failing, logger: createLogger("error", (l) => lines.push(l)) });
    const res = await app.request("/pipelines");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("secret");
    expect(JSON.parse(text)).toMatchObject({ status: 500, title: "Internal Server Error" });
    expect(lines.join("\n")).toContain("secret connection string");
  });

  test("a store outage is 503 with Retry-After", async () => {
    const { StoreUnavailableError } = await import("../../src/errors.ts");
    const down: RunRepository = {
      ...createMemoryRepository(),
      findRuns: async () => {
        throw new StoreUnavailableError("database unreachable", 7);
      },
    };
    const res = await testApp(down).app.request("/get_pipeline_info");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("7");
  });
});

describe("OpenAPI and /docs", () => {
  test("the document is OpenAPI 3.1 and lists every route with every status it answers", async () => {
    const doc = (await (await testApp().app.request("/openapi.json")).json()) as any;
    expect(doc.openapi).toBe("3.1.0");
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path][method].responses).sort();
    expect(statuses("/get_pipeline_info", "get")).toEqual(["200", "304", "401", "422", "429", "503"]);
    expect(statuses("/pipelines", "get")).toEqual(["200", "304", "401", "422", "429", "503"]);
    expect(statuses("/pipelines/history", "get")).toEqual(["200", "304", "401", "422", "429", "503"]);
    expect(statuses("/pipelines", "post")).toEqual(["200", "201", "400", "401", "409", "413", "415", "422", "429", "503"]);
    expect(statuses("/pipelines/batch", "post")).toEqual(["200", "400", "401", "413", "415", "422", "429", "503"]);
    expect(statuses("/health", "get")).toEqual(["200", "503"]);
    expect(statuses("/health/ready", "get")).toEqual(["200", "503"]);
    expect(statuses("/metrics", "get")).toEqual(["200"]);
    expect(statuses("/", "get")).toEqual(["200"]);
    const params = doc.paths["/get_pipeline_info"].get.parameters.map((p: any) => p.name).sort();
    expect(params).toEqual([
      "all_data",
      "cursor",
      "end_utc",
      "environment",
      "format",
      "include_total",
      "limit",
      "max_elapsed_seconds",
      "max_rowcount",
      "min_elapsed_seconds",
      "min_rowcount",
      "offset",
      "order_by",
      "pipeline_name",
      "pipeline_type",
      "script_name",
      "start_local_from",
      "start_local_to",
      "start_utc",
    ]);
    expect(doc.paths["/get_pipeline_info"].get.responses["200"].content).toHaveProperty("text/csv");
    expect(JSON.stringify(doc.components.schemas.PipelineStats)).toContain("rowcount_drop");
    expect(doc.components.schemas.PipelineInfoInput.example.rowcount).toBe(8543);
  });

  test("/docs serves Swagger UI whose assets all come from this service", async () => {
    const { app } = testApp();
    const page = await (await app.request("/docs")).text();
    const refs = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const ref of refs) {
      expect(ref.startsWith("/")).toBe(true);
      const res = await app.request(ref);
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    expect((await app.request("/docs/../../package.json")).status).toBe(404);
    expect((await app.request("/docs/assets/swagger-ui-dist/package.json")).status).toBe(404);
  });

  test("/docs keeps the strict CSP: its one inline script is allowed by hash, no other inline script is", async () => {
    const { app } = testApp();
    const res = await app.request("/docs");
    const page = await res.text();
    const inline = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] as string);
    expect(inline).toHaveLength(1);
    expect(inline[0]).toContain("/openapi.json");
    const hash = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(inline[0])))));
    const scriptSrc = /script-src ([^;]+)/.exec(res.headers.get("content-security-policy") ?? "")?.[1];
    expect(scriptSrc).toBe(`'self' 'sha256-${hash}'`);
    // Every other response keeps the plain policy.
    expect((await app.request("/health")).headers.get("content-security-policy")).toContain("script-src 'self';");
  });
});

test("src/version.ts matches package.json", async () => {
  const pkg = (await Bun.file(new URL("../../package.json", import.meta.url)).json()) as { version: string };
  expect(VERSION).toBe(pkg.version);
});
