import { z } from "@hono/zod-openapi";
import { DATE_TIME_PATTERN } from "../../domain/datetime.ts";
import { type FieldKind, type FieldName, type FieldOfKind, MAX_LENGTH, RUN_FIELDS, SAMPLE_RUN } from "../../domain/pipeline-info.ts";
import { type RawRun, runReaders, toRun } from "../../domain/stored-run.ts";

const dateTimeDoc = (description: string) => ({
  description: `${description}. YYYY-MM-DD HH:MM:SS, "T" or a space between date and time (any case), optional fraction, optional Z or ±HH:MM; a real calendar date`,
  pattern: DATE_TIME_PATTERN,
});

/** What the document says of a non-negative number field: a JSON number or its text. */
const numberDoc = (description: string, example: number, type: "number" | "integer") => ({
  description: `${description}; >= 0, also as a numeric string ("${example}")`,
  type: [type, "string"] as Array<"number" | "integer" | "string">,
  anyOf:
    type === "integer"
      ? [
          { type: "integer" as const, minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
          { type: "string" as const, pattern: "^\\s*\\+?\\d+(\\.0*)?\\s*$" },
        ]
      : [
          { type: "number" as const, minimum: 0 },
          { type: "string" as const, pattern: "^\\s*\\+?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?\\s*$" },
        ],
});

/** A POST body's example of a field: the sample run, local times written as clients send them. */
const inputExample = (name: FieldName, kind: FieldKind) => {
  const value = SAMPLE_RUN[name];
  return kind === "local" && typeof value === "string" ? value.replace("T", " ") : value;
};

/** The document's account of a POST body field, with the limits POST enforces. */
function inputDoc({ name, kind, description }: (typeof RUN_FIELDS)[number]) {
  const example = inputExample(name, kind);
  switch (kind) {
    case "local":
      return { ...dateTimeDoc(`${description}; an offset is ignored`), example };
    case "instant":
      return { ...dateTimeDoc(`${description}; a value without offset is UTC`), example };
    case "seconds":
      return { ...numberDoc(description, example as number, "number"), example };
    case "count":
      return { ...numberDoc(description, example as number, "integer"), example };
    default:
      return { description, example, maxLength: MAX_LENGTH[name as keyof typeof MAX_LENGTH] };
  }
}

const readers = runReaders();
const inputShape = Object.fromEntries(RUN_FIELDS.map((field) => [field.name, readers[field.name].openapi(inputDoc(field))])) as typeof readers;

/** Checked in this order, so that one answer lists the problems as it always has. */
const NON_NEGATIVE = ["rowcount", "elapsed_seconds", "pid"] as const satisfies ReadonlyArray<FieldOfKind<"count" | "seconds">>;

/** A POST body: the lax rules of stored lines plus what the Oracle table and common sense require. */
export const PipelineInfoInputSchema = z
  .object(inputShape)
  .superRefine((run: RawRun, ctx) => {
    for (const [field, max] of Object.entries(MAX_LENGTH)) {
      const value = run[field as keyof typeof MAX_LENGTH];
      if (typeof value === "string" && value.length > max) {
        ctx.addIssue({ code: "custom", path: [field], message: `must be at most ${max} characters` });
      }
    }
    for (const field of NON_NEGATIVE) {
      if (run[field] < 0) ctx.addIssue({ code: "custom", path: [field], message: "must not be negative" });
    }
    for (const field of ["start_utc", "end_utc"] as const) {
      // Stores keep instants to the microsecond; cutting digits off would store another instant.
      if (run[field].beyondMicros) ctx.addIssue({ code: "custom", path: [field], message: "has digits past microseconds, which no store keeps" });
    }
    if (run.end_utc.epochMicros < run.start_utc.epochMicros) {
      ctx.addIssue({ code: "custom", path: ["end_utc"], message: "must not be before start_utc" });
    }
  })
  .transform(toRun)
  .openapi("PipelineInfoInput", {
    example: Object.fromEntries(RUN_FIELDS.map(({ name, kind }) => [name, inputExample(name, kind)])),
  });

/** How the returned run describes the fields whose form it fixes. */
const OUTPUT_DESCRIPTIONS: Partial<Record<FieldName, string>> = {
  start_local: "Local start, YYYY-MM-DDTHH:MM:SS",
  end_local: "Local end",
  start_utc: "Start instant in UTC",
  end_utc: "End instant in UTC",
};

const outputValues = {
  local: () => z.string(),
  instant: () => z.string(),
  seconds: () => z.number(),
  count: () => z.int(),
  text: () => z.string(),
  label: () => z.string().nullable(),
} satisfies Record<FieldKind, () => z.ZodType>;

type RunField = (typeof RUN_FIELDS)[number];
type OutputShape = { [F in RunField as F["name"]]: ReturnType<(typeof outputValues)[F["kind"]]> };

/** A run as the API returns it. */
export const PipelineInfoSchema = z
  .object(
    Object.fromEntries(
      RUN_FIELDS.map(({ name, kind }) => [
        name,
        outputValues[kind]().openapi({
          description: OUTPUT_DESCRIPTIONS[name],
          ...(kind === "instant" ? { format: "date-time" } : {}),
          example: SAMPLE_RUN[name],
        }),
      ]),
    ) as OutputShape,
  )
  .openapi("PipelineInfo");
