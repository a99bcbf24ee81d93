import { expect, test } from "bun:test";
import fc from "fast-check";
import { percentile } from "../../src/domain/quantile.ts";
import { SortedSample } from "../../src/repository/in-process/sorted-sample.ts";

test("a sample asked between additions answers ranks and quantiles as a full sort does", () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 80 }), { minLength: 1, maxLength: 60 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (chunks, q) => {
        const sample = new SortedSample();
        const all: number[] = [];
        for (const chunk of chunks) {
          for (const v of chunk) {
            sample.add(v);
            all.push(v);
          }
          const sorted = Float64Array.from(all).sort();
          const k = Math.floor(q * (all.length - 1));
          expect(sample.kth(0)).toBe(sorted[0] as number);
          expect(sample.kth(all.length - 1)).toBe(sorted[all.length - 1] as number);
          expect(sample.kth(k)).toBe(sorted[k] as number);
          expect(sample.quantile(q)).toBeCloseTo(percentile(sorted, q), 6);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test("a sample trimmed between additions, with and without ArrayBuffer transfer (Node 20 has none), answers as a full sort does", () => {
  const transfer = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "transfer");
  try {
    for (const withTransfer of [true, false]) {
      if (!withTransfer) delete (ArrayBuffer.prototype as { transfer?: unknown }).transfer;
      fc.assert(
        fc.property(fc.array(fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 100 }), { minLength: 1, maxLength: 20 }), (chunks) => {
          const sample = new SortedSample();
          const all: number[] = [];
          for (const chunk of chunks) {
            for (const v of chunk) {
              sample.add(v);
              all.push(v);
            }
            sample.trim();
            if (all.length === 0) continue;
            const sorted = Float64Array.from(all).sort();
            for (const k of [0, all.length >> 1, all.length - 1]) expect(sample.kth(k)).toBe(sorted[k] as number);
          }
          expect(sample.size).toBe(all.length);
        }),
        { numRuns: 100 },
      );
    }
  } finally {
    if (transfer) Object.defineProperty(ArrayBuffer.prototype, "transfer", transfer);
  }
});
