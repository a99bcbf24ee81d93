import type { PipelineRun } from "../../src/domain/pipeline-info.ts";

const HOUR = 3_600_000;

interface Plan {
  name: string;
  environment: string;
  type: string;
  everyHours: number;
  runs: number;
  /** Hours between the last start and now. */
  lastAgoHours: number;
  rows: number;
  seconds: number;
  /** The last run's rowcount, when it differs from the usual. */
  lastRows?: number;
}

/** The pipelines the page tests expect, with their figures. */
export const PLANS: Plan[] = [
  { name: "orders_daily", environment: "prod", type: "batch", everyHours: 24, runs: 30, lastAgoHours: 2, rows: 50_000, seconds: 720 },
  { name: "billing_hourly", environment: "prod", type: "batch", everyHours: 1, runs: 48, lastAgoHours: 6, rows: 1_200, seconds: 95 },
  { name: "inventory_sync", environment: "staging", type: "stream", everyHours: 6, runs: 40, lastAgoHours: 1, rows: 20_000, seconds: 300, lastRows: 30 },
  { name: "ml_features", environment: "dev", type: "ml", everyHours: 12, runs: 20, lastAgoHours: 3, rows: 8_000, seconds: 1_800 },
  { name: "exports_weekly", environment: "prod", type: "export", everyHours: 168, runs: 8, lastAgoHours: 48, rows: 300_000, seconds: 3_600 },
  { name: "adhoc_backfill", environment: "qa", type: "batch", everyHours: 1, runs: 1, lastAgoHours: 30, rows: 5, seconds: 12 },
];

const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
const wall = (ms: number) => new Date(ms - 7 * HOUR).toISOString().slice(0, 19);

/** Runs of PLANS ending `now`, with a gentle deterministic wobble in duration and rows; stored
 * pipeline by pipeline, newest first (not in time order). */
export function fixtureRuns(now: number): PipelineRun[] {
  const runs: PipelineRun[] = [];
  for (const plan of PLANS) {
    const last = Math.floor((now - plan.lastAgoHours * HOUR) / 1000) * 1000;
    for (let i = 0; i < plan.runs; i++) {
      const start = last - i * plan.everyHours * HOUR;
      const wobble = 1 + 0.2 * Math.sin(i * 1.7);
      const seconds = Math.round(plan.seconds * wobble * 10) / 10;
      const end = start + seconds * 1000;
      const day = new Date(start).toISOString().slice(0, 10);
      runs.push({
        start_local: wall(start),
        end_local: wall(end),
        start_utc: iso(start),
        end_utc: iso(end),
        elapsed_seconds: seconds,
        elapsed_human: `${Math.floor(seconds / 60)}m ${Math.floor(seconds % 60)}s`,
        output_file: `/data/${plan.name}/out-${day}-${i}.parquet`,
        rowcount: i === 0 && plan.lastRows !== undefined ? plan.lastRows : Math.round(plan.rows * (1 + 0.1 * Math.cos(i))),
        log_file: `/data/logs/${plan.name}-${day}-${i}.log`,
        pid: 4000 + i,
        date_code: `${day}_${i}`,
        pipeline_name: plan.name,
        script_name: `${plan.name}.py`,
        pipeline_type: plan.type,
        environment: plan.environment,
      });
    }
  }
  return runs;
}
