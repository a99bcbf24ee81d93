import { z } from "@hono/zod-openapi";
import { laxInteger, laxNumber } from "../../domain/stored-run.ts";

/** An empty query value ("?environment=") means no filter, as in the original. */
export const blankToUndefined = (v: unknown) => (v === "" ? undefined : v);

const BOOLEAN_WORDS: Record<string, boolean> = {
  true: true,
  "1": true,
  yes: true,
  on: true,
  t: true,
  y: true,
  false: false,
  "0": false,
  no: false,
  off: false,
  f: false,
  n: false,
};

/** A query-string boolean as FastAPI read it: true/false, 1/0, yes/no, on/off. */
export const queryBoolean = z
  .string()
  .transform((text, ctx) => {
    const value = BOOLEAN_WORDS[text.trim().toLowerCase()];
    if (value !== undefined) return value;
    ctx.addIssue({ code: "custom", message: "must be a boolean: true or false" });
    return z.NEVER;
  })
  .openapi({ type: "boolean" });

export const optionalInteger = z.preprocess(blankToUndefined, laxInteger().optional());
export const optionalNumber = z.preprocess(blankToUndefined, laxNumber().optional());

/** One or more values: `?environment=prod&environment=staging` means either; blanks are ignored. */
export const anyOf = z.preprocess((v) => {
  const values = (Array.isArray(v) ? v : [v]).filter((x) => x !== "" && x !== undefined);
  return values.length ? values : undefined;
}, z.array(z.string()).optional());
