import { z } from "zod";
import { type ParsedDateTime, parseDateTime } from "./datetime.ts";
import { type FieldKind, type PipelineRun, RUN_FIELDS } from "./pipeline-info.ts";
import { inferPipelineName } from "./pipeline-name.ts";

const INTEGER_TEXT = /^\s*[-+]?\d+(\.0*)?\s*$/;
const NUMBER_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/*
 * Each reader is made by a function, so that every module gets instances of its own: the HTTP
 * edge adds OpenAPI metadata to its readers, which zod only allows on instances made after
 * @hono/zod-openapi has extended it, whichever module happened to load first.
 */

/** Integers as the original accepted them: 8543, 8543.0 or "8543"; beyond 2^53 - 1 a number
 * is no longer exact, so it is refused as too large. */
export const laxInteger = () =>
  z.preprocess(
    (v) => (typeof v === "string" && INTEGER_TEXT.test(v) ? Number(v) : v),
    z.int({
      error: (issue) =>
        issue.code === "too_big"
          ? `too large: at most ${Number.MAX_SAFE_INTEGER}`
          : issue.code === "too_small"
            ? `too small: at least ${Number.MIN_SAFE_INTEGER}`
            : "must be an integer",
    }),
  );

/** Numbers, also as numeric strings ("1692.8"). */
export const laxNumber = () => z.preprocess((v) => (typeof v === "string" && NUMBER_TEXT.test(v) ? Number(v) : v), z.number({ error: "must be a number" }));

/** A date-time in any accepted form; the value is the parsed instant and wall clock. */
export const dateTimeText = (options: { allowDateOnly?: boolean } = {}) =>
  z.string().transform((text, ctx): ParsedDateTime => {
    const parsed = parseDateTime(text, options);
    if (parsed) return parsed;
    ctx.addIssue({
      code: "custom",
      message: `invalid date-time '${text.slice(0, 64)}': expected YYYY-MM-DD HH:MM:SS or ISO 8601, a real calendar date from 0001 to 9999 (in UTC too, once an offset is applied)`,
    });
    return z.NEVER;
  });

/** How a value of each kind is read from a stored record or a request body. */
const readers = {
  local: () => dateTimeText(),
  instant: () => dateTimeText(),
  seconds: laxNumber,
  count: laxInteger,
  text: () => z.string(),
  label: () => z.string().nullable().optional(),
} satisfies Record<FieldKind, () => z.ZodType>;

type Readers = typeof readers;
type RunField = (typeof RUN_FIELDS)[number];
type RunShape = { [F in RunField as F["name"]]: ReturnType<Readers[F["kind"]]> };

/** A new reader for every field; HTTP schemas document the same readers. */
export const runReaders = (): RunShape => Object.fromEntries(RUN_FIELDS.map((field) => [field.name, readers[field.kind]()])) as RunShape;

export type RawRun = z.output<z.ZodObject<RunShape>>;

/** A run in stored form from what the readers produced: canonical date-times, labels null when
 * absent, and pipeline_name inferred from the paths when it is missing. */
export function toRun(raw: RawRun): PipelineRun {
  const run: Record<string, unknown> = {};
  for (const { name, kind } of RUN_FIELDS) {
    const value = raw[name];
    if (kind === "local") run[name] = (value as ParsedDateTime).local;
    else if (kind === "instant") run[name] = (value as ParsedDateTime).utc;
    else run[name] = value ?? null;
  }
  run.pipeline_name ??= inferPipelineName(raw.output_file, raw.log_file);
  return run as PipelineRun;
}

/** What a JSONL line must hold to be served: the original's lax rules, nothing more. */
export const StoredRunSchema = z.object(runReaders()).transform(toRun);
