import { z } from "zod";

/** Readers of environment variable text, shared by config.ts and the adapters' settings. */

export const positiveInt = (what: string) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number (${what})`)
    .transform(Number)
    .refine((n) => n > 0, `must be > 0 (${what})`);

export const wholeNumber = (what: string) => z.string().regex(/^\d+$/, `must be a whole number (${what})`).transform(Number);

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: () => `must be one of: ${values.join(", ")}` });

export const csv = z.string().transform((text) =>
  text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean),
);

export const flag = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .refine((v) => ["true", "false", "1", "0", "yes", "no"].includes(v), "must be true or false")
  .transform((v) => v === "true" || v === "1" || v === "yes");
