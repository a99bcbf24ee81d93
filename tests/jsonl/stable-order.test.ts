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
  };
  for (const n of [0, 1, 2, 31, 33, 1000, 70_000]) {
    for (const [name, key] of Object.entries(shapes)) {
      const keys = Float64Array.from({ length: n }, (_, i) => key(i, n));
      const expected = reference(keys);
      const order = runNow(stableOrder(keys.slice()));
      expect({ name, n, order: Array.from(order) }).toEqual({ name, n, order: expected });
    }
  }
});
