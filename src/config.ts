import { z } from "zod";

/**
 * The whole configuration, read once from the environment by src/server.ts. Nothing else reads
 * `process.env`. A bad value stops startup with one line naming the variable.
 */

const port = z
  .string()
  .regex(/^\d+$/, "must be a whole number from 1 to 65535")
  .transform(Number)
  .refine((n) => n >= 1 && n <= 65535, "must be a whole number from 1 to 65535");

const positiveInt = (what: string) =>
  z.string().regex(/^\d+$/, `must be a whole number (${what})`).transform(Number).refine((n) => n > 0, `must be > 0 (${what})`);

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: () => `must be one of: ${values.join(", ")}` });

const common = {
  PORT: port.default(8000),
  HOST: z.string().min(1, "must not be empty").default("0.0.0.0"),
  LOG_LEVEL: oneOf(["debug", "info", "warn", "error", "silent"] as const).default("info"),
  PIPELINE_MAX_BODY_BYTES: positiveInt("bytes").default(1024 * 1024),
};

const required = (name: string) =>
  z.string({ error: `is required when PIPELINE_BACKEND=oracle` }).min(1, `is required when PIPELINE_BACKEND=oracle (${name})`);

const JsonlConfig = z.object({
  ...common,
  PIPELINE_BACKEND: z.literal("jsonl"),
  PIPELINE_JSONL_PATH: z.string().min(1, "must be a file path").default("pipeline_data.jsonl"),
  PIPELINE_JSONL_FSYNC: oneOf(["always", "interval", "never"] as const).default("always"),
});

const MemoryConfig = z.object({ ...common, PIPELINE_BACKEND: z.literal("memory") });

const OracleConfig = z.object({
  ...common,
  PIPELINE_BACKEND: z.literal("oracle"),
  ORACLE_DSN: required("connect string, e.g. dbhost:1521/FREEPDB1"),
  ORACLE_USER: required("database user"),
  ORACLE_PASSWORD: required("database password"),
  ORACLE_TABLE: z.string().min(1).default("PIPELINE_RUNS"),
  ORACLE_COLUMN_MAP: z
    .string()
    .default("{}")
    .transform((text, ctx) => {
      try {
        const value: unknown = JSON.parse(text);
        if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
      } catch {}
      ctx.addIssue({ code: "custom", message: 'must be a JSON object of field -> column, e.g. {"rowcount":"ROW_COUNT"}' });
      return z.NEVER;
    }),
});

const ConfigSchema = z.discriminatedUnion("PIPELINE_BACKEND", [JsonlConfig, OracleConfig, MemoryConfig], {
  error: () => "must be one of: jsonl, oracle, memory",
});

export type Config = z.output<typeof ConfigSchema>;
export type OracleSettings = z.output<typeof OracleConfig>;

export class ConfigError extends Error {}

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
    const shown = given === undefined || /PASSWORD/.test(name) ? "" : ` (got ${JSON.stringify(given.slice(0, 80))})`;
    return `${name}: ${issue.message}${shown}`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
}
