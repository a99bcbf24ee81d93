/** What the app does when an option is not given; config.ts uses the same values as the
 * defaults of the variables that set them. */
export const APP_DEFAULTS = {
  maxBodyBytes: 1024 * 1024,
  maxBatch: 10_000,
  maxBatchBytes: 16 * 1024 * 1024,
  rowcountDropFraction: 0.5,
  lateFactor: 2,
  requestTimeoutMs: 30_000,
  metricsMaxPipelines: 200,
} as const;
