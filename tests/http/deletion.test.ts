import { describe, expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import { createMemoryRepository } from "../../src/repository/memory.ts";
import { createRetentionJob } from "../../src/retention.ts";
import { swaggerAssets } from "../support/app.ts";
import { makeRun } from "../support/runs.ts";

/** Waits for `done`, polling; a generous bound, not a timing assertion. */
async function until(done: () => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await Bun.sleep(5);
  }
}

const KEY = "k3y-for-tests-0123456789abcdef";
const NOW = new Date("2026-06-01T00:00:00Z");

const runs = [
  makeRun({ date_code: "dev-old", pid: 1, start: "2026-05-01T00:00:00Z", environment: "dev" }),
  makeRun({ date_code: "dev-new", pid: 2, start: "2026-05-30T00:00:00Z", environment: "dev" }),
  makeRun({ date_code: "prod-old", pid: 3, start: "2025-01-01T00:00:00Z", environment: "prod" }),
  makeRun({ date_code: "prod-new", pid: 4, start: "2026-05-20T00:00:00Z", environment: "prod" }),
];

function setup(rules = [{ days: 365 }, { days: 7, label: { name: "environment" as const, value: "dev" } }], auth?: { keys: string[]; protectReads: boolean }) {
  const repository = createMemoryRepository(runs);
  const retention = createRetentionJob({ repository, rules, intervalMs: 3_600_000, now: () => NOW });
  const app = createApp({ repository, docsAssets: swaggerAssets, retention, auth });
  const dates = async () => (await repository.findRuns({ filter: {}, limit: 100 })).runs.map((r) => r.date_code).sort();
  return { app, repository, dates };
}

describe("DELETE /pipelines/runs", () => {
  test("removes what the filters select and says how many", async () => {
    const { app, dates } = setup();
    const res = await app.request("/pipelines/runs?environment=dev", { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deleted: 2, dry_run: false });
    expect(await dates()).toEqual(["prod-new", "prod-old"]);
  });

  test("dry_run counts and removes nothing", async () => {
    const { app, dates } = setup();
    const res = await app.request("/pipelines/runs?end_utc=2026-05-02&dry_run=true", { method: "DELETE" });
    expect(await res.json()).toEqual({ deleted: 2, dry_run: true });
    expect(await dates()).toHaveLength(4);
  });

  test("no filter is a 422 naming `all`; all=true deletes every run", async () => {
    const { app, dates } = setup();
    for (const query of ["", "?environment=", "?dry_run=false"]) {
      const refused = await app.request(`/pipelines/runs${query}`, { method: "DELETE" });
      expect(refused.status).toBe(422);
      expect(refused.headers.get("content-type")).toBe("application/problem+json");
      expect((await refused.json()).errors[0].field).toBe("all");
    }
    expect(await dates()).toHaveLength(4);
    const res = await app.request("/pipelines/runs?all=true", { method: "DELETE" });
    expect(await res.json()).toEqual({ deleted: 4, dry_run: false });
    expect(await dates()).toEqual([]);
  });

  test("an invalid filter is a 422 and deletes nothing", async () => {
    const { app, dates } = setup();
    const res = await app.request("/pipelines/runs?min_rowcount=lots", { method: "DELETE" });
    expect(res.status).toBe(422);
    expect(await dates()).toHaveLength(4);
  });

  test("needs a write key when keys are configured, even for a dry run", async () => {
    const { app, dates } = setup(undefined, { keys: [KEY], protectReads: false });
    for (const query of ["?environment=dev", "?environment=dev&dry_run=true"]) {
      expect((await app.request(`/pipelines/runs${query}`, { method: "DELETE" })).status).toBe(401);
    }
    expect((await app.request("/pipelines/retention", { method: "POST" })).status).toBe(401);
    expect(await dates()).toHaveLength(4);
    const res = await app.request("/pipelines/runs?environment=dev", { method: "DELETE", headers: { authorization: `Bearer ${KEY}` } });
    expect(await res.json()).toEqual({ deleted: 2, dry_run: false });
  });

  test("removed runs are counted in the metrics by reason", async () => {
    const { app } = setup();
    await app.request("/pipelines/runs?environment=prod", { method: "DELETE" });
    await app.request("/pipelines/retention", { method: "POST" });
    const text = await (await app.request("/metrics")).text();
    expect(text).toContain('pipeline_runs_deleted_total{reason="request"} 2');
    expect(text).toContain('pipeline_runs_deleted_total{reason="retention"} 1');
  });
});

describe("POST /pipelines/retention", () => {
  test("applies every rule: the global period and the shorter one per label", async () => {
    const { app, dates } = setup();
    const dry = await (await app.request("/pipelines/retention?dry_run=true", { method: "POST" })).json();
    expect(dry).toEqual({
      dry_run: true,
      deleted: 2,
      rules: [
        { rule: "every run older than 365 days", deleted: 1 },
        { rule: "environment=dev older than 7 days", deleted: 1 },
      ],
    });
    expect(await dates()).toHaveLength(4);
    const res = await app.request("/pipelines/retention", { method: "POST" });
    expect(res.status).toBe(200);
    expect((await res.json()).deleted).toBe(2);
    expect(await dates()).toEqual(["dev-new", "prod-new"]);
    // A second pass finds nothing more to remove.
    expect((await (await app.request("/pipelines/retention", { method: "POST" })).json()).deleted).toBe(0);
  });

  test("is a 409 when no retention is configured", async () => {
    const { app, dates } = setup([]);
    const res = await app.request("/pipelines/retention", { method: "POST" });
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await dates()).toHaveLength(4);
  });
});

describe("the retention job", () => {
  test("applies the rules when started and again after the interval, until stopped", async () => {
    const repository = createMemoryRepository(runs);
    let now = NOW;
    const job = createRetentionJob({ repository, rules: [{ days: 30 }], intervalMs: 20, now: () => now });
    const removed: number[] = [];
    job.onDeleted((count) => removed.push(count));
    job.start();
    await until(() => removed.length === 1);
    expect(removed).toEqual([2]);
    now = new Date("2026-06-25T00:00:00Z");
    await until(() => removed.length === 2);
    job.stop();
    expect(removed).toEqual([2, 1]);
    expect((await repository.findRuns({ filter: {}, limit: 10 })).runs.map((r) => r.date_code)).toEqual(["dev-new"]);
  });

  test("without rules it never runs", async () => {
    const repository = createMemoryRepository(runs);
    const job = createRetentionJob({ repository, rules: [], intervalMs: 10, now: () => NOW });
    job.start();
    await Bun.sleep(30);
    job.stop();
    expect(await repository.countRuns({})).toBe(4);
  });
});
