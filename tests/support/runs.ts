import { parseDateTime } from "../../src/domain/datetime.ts";
import { type PipelineRun, SAMPLE_RUN } from "../../src/domain/pipeline-info.ts";

/** A valid stored run: the sample record with `overrides`, start/end derived from `start`. */
export function makeRun(overrides: Partial<PipelineRun> & { start?: string; seconds?: number } = {}): PipelineRun {
  const { start, seconds, ...rest } = overrides;
  const run: PipelineRun = { ...SAMPLE_RUN, ...rest };
  if (start) {
    const parsed = parseDateTime(start);
    if (!parsed) throw new Error(`bad start ${start}`);
    const ms = parsed.epochMicros / 1000;
    const endMs = ms + (seconds ?? 60) * 1000;
    run.start_utc = parsed.utc;
    run.end_utc = `${new Date(endMs).toISOString().slice(0, 19)}Z`;
    run.start_local = rest.start_local ?? parsed.local;
    run.end_local = rest.end_local ?? new Date(endMs).toISOString().slice(0, 19);
    run.elapsed_seconds = seconds ?? 60;
  }
  return run;
}

/** A record as a client would POST it (the sample fixture's form). */
export function sampleBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    start_local: "2025-08-14 22:49:07",
    end_local: "2025-08-14 23:17:19",
    start_utc: "2025-08-15T05:49:07Z",
    end_utc: "2025-08-15T06:17:19Z",
    elapsed_seconds: 1692.8,
    elapsed_human: "28m 12s",
    output_file: SAMPLE_RUN.output_file,
    rowcount: 8543,
    log_file: SAMPLE_RUN.log_file,
    pid: 53452,
    date_code: "2025-08-12_2025-08-12",
    pipeline_name: SAMPLE_RUN.pipeline_name,
    script_name: SAMPLE_RUN.script_name,
    pipeline_type: "batch",
    environment: "prod",
    ...overrides,
  };
}

/**
 * The i-th of a stream of distinct runs, as pipelines report them: each with its own start
 * (one second apart from 2025-01-01) and date code, so identities never collide.
 */
export function distinctBody(i: number, nonce: string | number): Record<string, unknown> {
  const start = Date.UTC(2025, 0, 1) + i * 1000;
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  return sampleBody({
    start_utc: `${iso(start)}Z`,
    end_utc: `${iso(start + 60_000)}Z`,
    start_local: iso(start - 7 * 3_600_000),
    end_local: iso(start + 60_000 - 7 * 3_600_000),
    elapsed_seconds: 60,
    pid: 1000 + (i % 60000),
    date_code: `${nonce}-${i}`,
  });
}
