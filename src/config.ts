import { z } from "zod";
import { APP_DEFAULTS } from "./app-defaults.ts";
import { LABELS, type Label } from "./domain/pipeline-info.ts";
import type { RetentionRule } from "./domain/retention.ts";
import { csv, flag, oneOf, positiveInt } from "./env-values.ts";
import { JSONL_VARIABLES } from "./repository/jsonl/settings.ts";
import { ORACLE_VARIABLES, poolSizeRule } from "./repository/oracle/settings.ts";

/**
 * The whole configuration: the common variables here, each store's own in its settings module.
 * loadConfig is pure; the entry points (src/server.ts, src/cli/) pass it the environment. A bad
 * value stops startup with one line naming the variable.
 */

const port = z
  .string()
  .regex(/^\d+$/, "must be a whole number from 1 to 65535")
  .transform(Number)
  .refine((n) => n >= 1 && n <= 65535, "must be a whole number from 1 to 65535");

const origins = csv.refine(
  (list) => list.every((o) => o === "*" || /^https?:\/\/[^/\s]+$/.test(o)),
  'must be "*" or comma-separated origins like https://dash.example.com (scheme and host, no path)',
);

// A name or address to bind, nothing more: "localhost:8000" or "http://host" would fail deep
// inside the server with a stack trace.
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6 = /^(?=[^:]*:[^:]*:)[0-9A-Fa-f:.]+$/;
const host = z
  .string()
  .transform((v) => v.trim())
  .refine(
    (v) => HOSTNAME.test(v) || (IPV6.test(v) && v.length <= 45),
    "must be a host name or IP address to listen on, without scheme or port (e.g. 0.0.0.0, 127.0.0.1, ::); set the port with PORT",
  );

const common = {
  PORT: port.default(8000),
  HOST: host.default("0.0.0.0"),
  LOG_LEVEL: oneOf(["debug", "info", "warn", "error", "silent"] as const).default("info"),
  PIPELINE_MAX_BODY_BYTES: positiveInt("bytes").default(APP_DEFAULTS.maxBodyBytes),
  PIPELINE_API_KEYS: csv.optional(),
  PIPELINE_API_KEYS_FILE: z.string().min(1).optional(),
  PIPELINE_READ_AUTH: flag.default(false),
  PIPELINE_CORS_ORIGINS: origins.optional(),
  PIPELINE_RATE_LIMIT: positiveInt("requests per second per key").optional(),
  PIPELINE_REQUEST_TIMEOUT_MS: positiveInt("milliseconds").default(APP_DEFAULTS.requestTimeoutMs),
  PIPELINE_SHUTDOWN_TIMEOUT_MS: positiveInt("milliseconds").default(10_000),
  PIPELINE_METRICS_MAX_PIPELINES: positiveInt("series").default(APP_DEFAULTS.metricsMaxPipelines),
  PIPELINE_MAX_BATCH: positiveInt("records").default(APP_DEFAULTS.maxBatch),
  PIPELINE_MAX_BATCH_BYTES: positiveInt("bytes").default(APP_DEFAULTS.maxBatchBytes),
  PIPELINE_ROWCOUNT_DROP_FRACTION: z
    .string()
    .regex(/^(0(\.\d+)?|1(\.0+)?)$/, "must be a fraction from 0 to 1, e.g. 0.5")
    .transform(Number)
    .default(APP_DEFAULTS.rowcountDropFraction),
  PIPELINE_LATE_FACTOR: z
    .string()
    .regex(/^\d+(\.\d+)?$/, "must be a number of typical intervals, e.g. 2")
    .transform(Number)
    .refine((n) => n >= 1, "must be at least 1 (a run is not late before its typical interval)")
    .default(APP_DEFAULTS.lateFactor),
  PIPELINE_RETENTION_DAYS: positiveInt("days").optional(),
  PIPELINE_RETENTION_RULES: z
    .string()
    .transform((text, ctx): RetentionRule[] => {
      const rules: RetentionRule[] = [];
      for (const part of text
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean)) {
        const m = /^(pipeline_name|script_name|pipeline_type|environment)=([^:]+):(\d+)$/.exec(part);
        if (!m || Number(m[3]) <= 0) {
          ctx.addIssue({
            code: "custom",
            message: `must be LABEL=VALUE:DAYS[,...] with LABEL one of ${LABELS.join(", ")} and DAYS > 0, e.g. environment=dev:7 (got part ${JSON.stringify(part.slice(0, 80))})`,
          });
          return z.NEVER;
        }
        rules.push({ days: Number(m[3]), label: { name: m[1] as Label, value: (m[2] as string).trim() } });
      }
      return rules;
    })
    .optional(),
  PIPELINE_RETENTION_INTERVAL_MINUTES: positiveInt("minutes between retention passes").default(60),
};

const JsonlConfig = z.object({ ...common, ...JSONL_VARIABLES });

const MemoryConfig = z.object({ ...common, PIPELINE_BACKEND: z.literal("memory") });

const OracleConfig = z.object({ ...common, ...ORACLE_VARIABLES }).refine(poolSizeRule.check, poolSizeRule.params);

const ConfigSchema = z.discriminatedUnion("PIPELINE_BACKEND", [JsonlConfig, OracleConfig, MemoryConfig], {
  error: () => "must be one of: jsonl, oracle, memory",
});

export type Config = z.output<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** The retention periods configured: one for every run, and any per label. */
export function retentionRules(config: Config): RetentionRule[] {
  return [...(config.PIPELINE_RETENTION_DAYS ? [{ days: config.PIPELINE_RETENTION_DAYS }] : []), ...(config.PIPELINE_RETENTION_RULES ?? [])];
}

/** Validates the environment; throws ConfigError whose message names every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty variables count as unset, as in most deployment tools.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = ConfigSchema.safeParse({ PIPELINE_BACKEND: "jsonl", ...cleaned });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join(".");
    if (!name) return issue.message;
    const given = cleaned[name];
    const secret = /PASSWORD|API_KEYS$/.test(name);
    const shown = given === undefined || secret ? "" : ` (got ${JSON.stringify(given.slice(0, 80))})`;
    return `${name}: ${issue.message}${shown}`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
}

/** Every variable the configuration reads, whatever the backend. */
export const KNOWN_VARIABLES: readonly string[] = [...new Set([JsonlConfig, MemoryConfig, OracleConfig].flatMap((schema) => Object.keys(schema.shape)))].sort();

/** Oracle client and container variables that are not ours but often set beside ours. */
const FOREIGN_ORACLE = /^ORACLE_(HOME|BASE|SID|UNQNAME|PDB|PWD|DATABASE|CHARACTERSET|EDITION|HOSTNAME|TEST_.*)$/;

/** Variables that look like ours but are not read (a typo, usually), each with the known name
 * nearest to it. */
export function unknownVariables(env: Record<string, string | undefined>): Array<{ name: string; nearest: string }> {
  const known = new Set(KNOWN_VARIABLES);
  return Object.keys(env)
    .filter((name) => /^(PIPELINE|ORACLE)_/.test(name) && !known.has(name) && !FOREIGN_ORACLE.test(name))
    .sort()
    .map((name) => ({ name, nearest: nearestName(name) }));
}

/** Words people write for the ones we use. */
const SYNONYMS: Record<string, string> = { FILE: "PATH", FILENAME: "PATH", LOCATION: "PATH", KEY: "KEYS", PASS: "PASSWORD", PWD: "PASSWORD", USERNAME: "USER" };

function nearestName(name: string): string {
  const words = name
    .split("_")
    .map((word) => SYNONYMS[word] ?? word)
    .join("_");
  const forms = [name, words, words.replace(/^(PIPELINE|ORACLE)_/, "")];
  let best = { name: KNOWN_VARIABLES[0] as string, distance: Number.POSITIVE_INFINITY };
  for (const candidate of KNOWN_VARIABLES) {
    const distance = Math.min(...forms.map((form) => editDistance(form, candidate)));
    if (distance < best.distance) best = { name: candidate, distance };
  }
  return best.name;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length] as number;
}
