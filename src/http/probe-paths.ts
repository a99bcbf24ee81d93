/** Paths probes and scrapers call: open without a key and never rate limited, so that a
 * locked-down or busy service can still be watched. */
const PROBE_PATHS: ReadonlySet<string> = new Set(["/health", "/health/ready", "/metrics"]);

export const isProbePath = (path: string): boolean => PROBE_PATHS.has(path);
