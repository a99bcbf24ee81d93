import { expect, test } from "bun:test";
import { runNow, stableOrder } from "../../src/repository/jsonl/index/stable-order.ts";
import { prng } from "../bench/generate.ts";

/** The stable sort of positions by key, the obvious way. */
const reference = (keys: Float64Array) => Array.from(keys.keys()).sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b);

test("the order is the stable sort of the keys, for inputs of every shape", () => {
  const random = prng(17);
  const shapes: Record<string, (i: number, n: number) => number> = {
    sorted: (i) => i,
    reversed: (i, n) => n - i,
    "few distinct": () => Math.floor(random() * 4),
    "runs of ties descending": (i, n) => Math.floor((n - i) / 7),
    shuffled: () => Math.floor(random() * 1e6),
    "sorted pieces": (i, n) => (i % Math.ceil(n / 5)) * 3 + Math.floor(random() * 3),
    "saw-tooth": (i) => i % 37,
    // Keys the deal into ranges puts almost all in one bin, or in two bins far apart.
    "one far outlier": (i) => (i === 5 ? 1e15 : Math.floor(random() * 1e6)),
    "two far clusters": (i) => (i % 3 === 0 ? 1e12 : 0) + Math.floor(random() * 1000),
    "duplicates across ranges": () => Math.floor(random() * 50) * 1e9,
  };
  // Large inputs sorted `lean` are dealt into key ranges first; parts come as the index's chunks do.
  for (const n of [0, 1, 2, 31, 33, 1000, 70_000, 300_000]) {
    for (const [name, key] of Object.entries(shapes)) {
      const keys = Float64Array.from({ length: n }, (_, i) => key(i, n));
      const expected = reference(keys);
      const parts: Float64Array[] = [];
      for (let at = 0; at < n; at += 4096) parts.push(keys.subarray(at, at + 4096));
      for (const lean of [false, true]) {
        for (const input of [keys.slice(), parts]) {
          const order = runNow(stableOrder(input, lean));
          expect({ name, n, lean, order: Array.from(order) }).toEqual({ name, n, lean, order: expected });
        }
      }
    }
  }
});
