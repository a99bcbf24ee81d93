import { describe, expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import { isLate, RecentStarts, typicalIntervalSeconds } from "../../src/domain/lateness.ts";
import { createMemoryRepository } from "../../src/repository/memory.ts";
import { makeRun } from "../support/runs.ts";

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 5, 1);
const iso = (ms: number) => new Date(ms).toISOString().replace(".000", "");

describe("typical interval and late rule", () => {
  test("median of the gaps; duplicates and order do not matter; null below two starts", () => {
    const s = (h: number) => (T0 + h * HOUR) * 1000;
    expect(typicalIntervalSeconds([s(0), s(1), s(2), s(5)])).toBe(3600);
    expect(typicalIntervalSeconds([s(5), s(0), s(2), s(2), s(1)])).toBe(3600);
    expect(typicalIntervalSeconds([s(0), s(2), s(3), s(5)])).toBe(7200);
    expect(typicalIntervalSeconds([s(1), s(1)])).toBeNull();
    expect(typicalIntervalSeconds([])).toBeNull();
  });

  test("late only past factor x interval, never without an interval", () => {
    expect(isLate(T0, 3600, T0 + 2 * HOUR, 2)).toBe(false);
    expect(isLate(T0, 3600, T0 + 2 * HOUR + 1, 2)).toBe(true);
    expect(isLate(T0, null, T0 + 1000 * HOUR, 2)).toBe(false);
  });

  test("RecentStarts keeps the newest distinct starts whatever the arrival order", () => {
    const values = Array.from({ length: 200 }, (_, i) => (T0 + i * 60_000 * (i % 7 === 0 ? 3 : 1)) * 1000);
    const shuffled = [...values].sort((a, b) => ((a * 7919) % 1013) - ((b * 7919) % 1013));
    const recent = new RecentStarts();
    for (const v of [...shuffled, ...shuffled.slice(0, 50)]) recent.add(v);
    expect(recent.typicalIntervalSeconds()).toBe(typicalIntervalSeconds(values));
  });
});

describe("GET /pipelines and /metrics report late pipelines", () => {
  async function app(lateFactor?: number) {
    const repository = createMemoryRepository();
    const hourly = Array.from({ length: 5 }, (_, i) =>
      makeRun({ pipeline_name: "hourly", environment: "prod", date_code: `h${i}`, start: iso(T0 + i * HOUR) }),
    );
    const daily = Array.from({ length: 3 }, (_, i) =>
      makeRun({ pipeline_name: "daily", environment: "prod", date_code: `d${i}`, start: iso(T0 + (i - 2) * 24 * HOUR) }),
    );
    await repository.insertRuns([...hourly, ...daily, makeRun({ pipeline_name: "once", start: iso(T0) })]);
    // Three hours after hourly's last start (T0 + 4 h), a day after daily's.
    return createApp({ repository, lateFactor, now: () => T0 + 7 * HOUR });
  }

  test("typical_interval_seconds and late per pipeline", async () => {
    const res = await (await app()).request("/pipelines");
    const { pipelines } = (await res.json()) as { pipelines: Array<{ pipeline_name: string; typical_interval_seconds: number | null; late: boolean }> };
    const by = new Map(pipelines.map((p) => [p.pipeline_name, p]));
    expect(by.get("hourly")).toMatchObject({ typical_interval_seconds: 3600, late: true });
    expect(by.get("daily")).toMatchObject({ typical_interval_seconds: 86400, late: false });
    expect(by.get("once")).toMatchObject({ typical_interval_seconds: null, late: false });
    const lenient = (await (await (await app(4)).request("/pipelines")).json()) as { pipelines: Array<{ pipeline_name: string; late: boolean }> };
    expect(lenient.pipelines.find((p) => p.pipeline_name === "hourly")?.late).toBe(false);
  });

  test("pipeline_late and pipeline_typical_interval_seconds gauges", async () => {
    const text = await (await (await app()).request("/metrics")).text();
    expect(text).toContain('pipeline_late{pipeline_name="hourly",environment="prod"} 1');
    expect(text).toContain('pipeline_late{pipeline_name="daily",environment="prod"} 0');
    expect(text).toContain('pipeline_typical_interval_seconds{pipeline_name="daily",environment="prod"} 86400');
    expect(text).not.toContain('pipeline_typical_interval_seconds{pipeline_name="once"');
  });
});
