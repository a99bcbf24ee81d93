import { expect, test } from "bun:test";
import * as shim from "./bun-test-shim.ts";

type Case = [matcher: string, actual: unknown, ...args: unknown[]];

// Each case runs through Bun's expect and the stand-in, plain and negated: both must agree on
// whether it passes, so HTTP tests mean the same on every runtime.
const CASES: Case[] = [
  ["toBe", 1, 1],
  ["toBe", 1, 2],
  ["toBe", NaN, NaN],
  ["toBe", {}, {}],
  ["toEqual", { a: 1, b: undefined }, { a: 1 }],
  ["toEqual", { a: 1 }, { a: 1, b: 2 }],
  ["toEqual", [1, [2, { c: 3 }]], [1, [2, { c: 3 }]]],
  ["toEqual", [1, 2], [1, 2, 3]],
  ["toEqual", [1, 2], [2, 1]],
  ["toEqual", null, {}],
  ["toEqual", "1", 1],
  ["toEqual", { a: null }, { a: undefined }],
  ["toEqual", new Uint8Array([1, 2]), new Uint8Array([1, 2])],
  ["toEqual", new Uint8Array([1, 2]), new Uint8Array([1, 3])],
  ["toEqual", [{ field: "x", extra: 1 }], [shim.expect.objectContaining({ field: "x" })]],
  ["toEqual", [{ field: "y" }], [shim.expect.objectContaining({ field: "x" })]],
  ["toMatchObject", { a: 1, b: { c: 2, d: 3 } }, { b: { c: 2 } }],
  ["toMatchObject", { a: 1 }, { a: 2 }],
  ["toMatchObject", { a: [1, 2] }, { a: [1] }],
  ["toMatchObject", { a: [{ x: 1, y: 2 }] }, { a: [{ x: 1 }] }],
  ["toContain", "abc", "b"],
  ["toContain", "abc", "d"],
  ["toContain", [1, 2], 2],
  ["toContain", [1, 2], 3],
  ["toMatch", "abc", /b/],
  ["toMatch", "abc", /^b/],
  ["toMatch", "abc", "bc"],
  ["toStartWith", "Bearer x", "Bearer"],
  ["toStartWith", "x Bearer", "Bearer"],
  ["toHaveLength", [1, 2], 2],
  ["toHaveLength", "ab", 3],
  ["toHaveProperty", { a: { b: 1 } }, "a.b"],
  ["toHaveProperty", { a: {} }, "a.b"],
  ["toHaveProperty", { a: 1 }, "a", 1],
  ["toHaveProperty", { a: 1 }, "a", 2],
  ["toBeNull", null],
  ["toBeNull", undefined],
  ["toBeDefined", 0],
  ["toBeDefined", undefined],
  ["toBeGreaterThan", 2, 1],
  ["toBeGreaterThan", 1, 1],
  ["toBeGreaterThanOrEqual", 1, 1],
  ["toBeLessThan", 1, 2],
  ["toBeLessThan", 2, 2],
];

const show = (value: unknown) => Bun.inspect(value).replace(/\s+/g, " ");
const passes = (run: () => void) => {
  try {
    run();
    return true;
  } catch {
    return false;
  }
};

for (const [matcher, actual, ...args] of CASES) {
  test(`${matcher}(${[actual, ...args].map(show).join(", ")})`, () => {
    const call = (target: unknown, with_: unknown[]) => () => (target as Record<string, (...a: unknown[]) => void>)[matcher]?.(...with_);
    const bunArgs = args.map(toBunAsymmetric);
    const bun = { plain: passes(call(expect(actual), bunArgs)), negated: passes(call(expect(actual).not, bunArgs)) };
    const stand = { plain: passes(call(shim.expect(actual), args)), negated: passes(call(shim.expect(actual).not, args)) };
    expect(stand).toEqual(bun);
    expect(bun.plain).not.toBe(bun.negated);
  });
}

/** The stand-in's objectContaining, rebuilt as Bun's for the Bun side of a case. */
function toBunAsymmetric(arg: unknown): unknown {
  if (Array.isArray(arg)) return arg.map(toBunAsymmetric);
  if (arg && typeof arg === "object" && "describe" in arg && "matches" in arg)
    return expect.objectContaining(JSON.parse((arg as { describe: string }).describe.replace(/^objectContaining /, "")));
  return arg;
}
