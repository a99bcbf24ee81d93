import { expect, test } from "bun:test";
import fc from "fast-check";
import { ExactSum } from "../../src/domain/exact-sum.ts";

const sumOf = (values: readonly number[]) => {
  const s = new ExactSum();
  for (const v of values) s.add(v);
  return s.value();
};

const finite = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }),
  fc.integer({ min: 0, max: 3_600_000 }).map((ms) => ms / 1000),
);

test("the sum does not depend on the order of the values", () => {
  fc.assert(
    fc.property(fc.array(finite, { maxLength: 200 }), fc.integer(), (values, seed) => {
      const shuffled = fc.sample(fc.shuffledSubarray(values, { minLength: values.length, maxLength: values.length }), { numRuns: 1, seed })[0] as number[];
      expect(sumOf(shuffled)).toBe(sumOf(values));
      expect(sumOf([...values].reverse())).toBe(sumOf(values));
    }),
    { numRuns: 300 },
  );
});

test("the sum is the exact sum, rounded once", () => {
  // Integers and millisecond durations below 2^53 / 1000 add exactly in any order.
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -1e9, max: 1e9 }), { maxLength: 200 }), (values) => {
      expect(sumOf(values)).toBe(values.reduce((a, b) => a + b, 0));
    }),
  );
  expect(sumOf([0.1, 0.2, 0.3])).toBe(0.6);
  expect(sumOf([1e100, 1, -1e100])).toBe(1);
  expect(sumOf([])).toBe(0);
});
