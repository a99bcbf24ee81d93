import { expect, test } from "bun:test";
import fc from "fast-check";
import { decodeRunKeys, decodeStoredRun } from "../../src/domain/run-decoder.ts";
import { StoredRunSchema } from "../../src/domain/stored-run.ts";
import { dateTimeForms } from "../support/date-forms.ts";

const dateTime = fc.oneof(
  {
    weight: 12,
    arbitrary: dateTimeForms("1000-01-01T00:00:00Z", (iso) => [`${iso.slice(0, 19)}-07:30`, `${iso.slice(0, 23)}456`]),
  },
  fc.constantFrom("2025-02-30T00:00:00Z", "2025-13-01 00:00:00", "2025-01-01T24:00:00", "x", "", "2025-01-01", "2024-02-29 23:59:59"),
  fc.string({ maxLength: 25 }),
);
const integer = fc.oneof({ weight: 12, arbitrary: fc.integer() }, fc.constantFrom(1.5, 2 ** 60, -0, "42", "4.0", "x", null, true));
const number = fc.oneof({ weight: 12, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) }, fc.constantFrom("1.5", "abc", null));
const text = fc.oneof({ weight: 12, arbitrary: fc.string() }, fc.constantFrom(null, 5, "/apps/pipeline/x/y.data", "/logs/name-1.log"));
const label = fc.option(fc.oneof({ weight: 12, arbitrary: fc.string() }, fc.constant(3 as unknown as string)), { nil: undefined });

const record = fc.record(
  {
    start_local: dateTime,
    end_local: dateTime,
    start_utc: dateTime,
    end_utc: dateTime,
    elapsed_seconds: number,
    elapsed_human: text,
    output_file: text,
    rowcount: integer,
    log_file: text,
    pid: integer,
    date_code: text,
    pipeline_name: label,
    script_name: label,
    pipeline_type: label,
    environment: label,
  },
  { requiredKeys: ["start_local", "end_local", "start_utc", "end_utc", "elapsed_human", "output_file", "log_file", "date_code"] },
);

test("the fast decoder accepts and produces exactly what the schema does", () => {
  let accepted = 0;
  fc.assert(
    fc.property(record, (value) => {
      const schema = StoredRunSchema.safeParse(value);
      const fast = decodeStoredRun(value);
      expect(fast.ok).toBe(schema.success);
      if (fast.ok && schema.success) {
        accepted++;
        expect(fast.value.run).toEqual(schema.data);
      }
      const keys = decodeRunKeys(value);
      expect(keys.ok).toBe(schema.success);
      if (keys.ok && fast.ok) {
        expect(keys.keys.startMicros).toBe(fast.value.startMicros);
        expect(keys.keys.endMicros).toBe(fast.value.endMicros);
        expect(keys.keys.startUtc).toBe(fast.value.run.start_utc);
        expect(keys.keys.labels).toEqual([fast.value.run.pipeline_name, fast.value.run.script_name, fast.value.run.pipeline_type, fast.value.run.environment]);
      }
    }),
    { numRuns: 3000 },
  );
  // Both kinds of input must have been exercised.
  expect(accepted).toBeGreaterThan(300);
  expect(accepted).toBeLessThan(2900);
});
