/**
 * The part of `bun:test` the app-level HTTP test files use, in plain JavaScript, so those files can
 * be bundled and run unchanged under Node, Deno and workerd. Semantics follow Bun's: `toEqual`
 * ignores properties whose value is undefined, `toMatchObject` matches a subset recursively.
 * Tests are only registered here; `runRegisteredTests` runs them in order.
 */

type Body = () => unknown | Promise<unknown>;
interface Registered {
  name: string;
  body: Body;
  timeoutMs: number;
}

const registered: Registered[] = [];
const afterAlls: Body[] = [];
const prefix: string[] = [];
const DEFAULT_TIMEOUT_MS = 20_000;

export function describe(name: string, body: () => void): void {
  prefix.push(name);
  try {
    body();
  } finally {
    prefix.pop();
  }
}

export function test(name: string, body: Body, timeoutMs = DEFAULT_TIMEOUT_MS): void {
  registered.push({ name: [...prefix, name].join(" > "), body, timeoutMs });
}
export const it = test;

export function afterAll(body: Body): void {
  afterAlls.push(body);
}

export interface TestResult {
  name: string;
  /** Why it failed; absent when it passed. */
  error?: string;
  /** True when `skip` claimed it and it did not run. */
  skipped?: boolean;
  ms: number;
}

/** Runs every registered test whose name `skip` does not claim, in order, then the afterAll hooks. */
export async function runRegisteredTests(skip: (name: string) => boolean = () => false): Promise<TestResult[]> {
  const results: TestResult[] = [];
  for (const { name, body, timeoutMs } of registered) {
    if (skip(name)) {
      results.push({ name, skipped: true, ms: 0 });
      continue;
    }
    const started = Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(body),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      results.push({ name, ms: Date.now() - started });
    } catch (error) {
      results.push({ name, ms: Date.now() - started, error: error instanceof Error ? error.message : String(error) });
    } finally {
      clearTimeout(timer);
    }
  }
  for (const hook of afterAlls) await hook();
  return results;
}

class Asymmetric {
  constructor(
    readonly describe: string,
    readonly matches: (value: unknown) => boolean,
  ) {}
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

function equals(actual: unknown, expected: unknown, subset = false): boolean {
  if (expected instanceof Asymmetric) return expected.matches(actual);
  if (Object.is(actual, expected)) return true;
  if (!isObject(actual) || !isObject(expected)) return false;
  if (actual instanceof Date || expected instanceof Date) return actual instanceof Date && expected instanceof Date && actual.getTime() === expected.getTime();
  if (actual instanceof RegExp || expected instanceof RegExp) return String(actual) === String(expected);
  if (ArrayBuffer.isView(actual) || ArrayBuffer.isView(expected)) {
    return (
      ArrayBuffer.isView(actual) &&
      ArrayBuffer.isView(expected) &&
      equals(
        [...new Uint8Array(actual.buffer, actual.byteOffset, actual.byteLength)],
        [...new Uint8Array(expected.buffer, expected.byteOffset, expected.byteLength)],
      )
    );
  }
  if (Array.isArray(actual) !== Array.isArray(expected)) return false;
  if (Array.isArray(actual) && Array.isArray(expected))
    return actual.length === expected.length && actual.every((item, i) => equals(item, expected[i], subset));
  if (actual instanceof Map || actual instanceof Set) throw new Error("the test shim does not compare Map or Set");
  const defined = (object: Record<string, unknown>) => Object.keys(object).filter((key) => object[key] !== undefined);
  const expectedKeys = defined(expected);
  if (!subset && defined(actual).length !== expectedKeys.length) return false;
  return expectedKeys.every((key) => key in actual && equals(actual[key], expected[key], subset));
}

const show = (value: unknown): string => {
  if (value instanceof Asymmetric) return value.describe;
  if (typeof value === "string") return JSON.stringify(value.length > 300 ? `${value.slice(0, 300)}...` : value);
  try {
    const text = JSON.stringify(value, (_, v) => (v instanceof Asymmetric ? v.describe : typeof v === "bigint" ? `${v}n` : v));
    return text === undefined ? String(value) : text.length > 600 ? `${text.slice(0, 600)}...` : text;
  } catch {
    return String(value);
  }
};

function matchers(actual: unknown, negated: boolean) {
  const check = (pass: boolean, what: string, ...expected: unknown[]) => {
    if (pass === negated) throw new Error(`expected ${show(actual)} ${negated ? "not " : ""}${what}${expected.length ? ` ${show(expected[0])}` : ""}`);
  };
  const number = () => {
    if (typeof actual !== "number" && typeof actual !== "bigint") throw new Error(`expected a number, got ${show(actual)}`);
    return actual as number;
  };
  return {
    toBe: (expected: unknown) => check(Object.is(actual, expected), "to be", expected),
    toEqual: (expected: unknown) => check(equals(actual, expected), "to equal", expected),
    toStrictEqual: (expected: unknown) => check(equals(actual, expected), "to equal", expected),
    toMatchObject: (expected: unknown) => check(equals(actual, expected, true), "to match", expected),
    toContain: (expected: unknown) =>
      check(typeof actual === "string" ? actual.includes(String(expected)) : Array.isArray(actual) && actual.includes(expected), "to contain", expected),
    toMatch: (expected: RegExp | string) =>
      check(typeof actual === "string" && (typeof expected === "string" ? actual.includes(expected) : expected.test(actual)), "to match", String(expected)),
    toStartWith: (expected: string) => check(typeof actual === "string" && actual.startsWith(expected), "to start with", expected),
    toEndWith: (expected: string) => check(typeof actual === "string" && actual.endsWith(expected), "to end with", expected),
    toHaveLength: (expected: number) =>
      check(isObject(actual) || typeof actual === "string" ? (actual as { length?: number }).length === expected : false, "to have length", expected),
    toHaveProperty: (path: string, ...value: unknown[]) => {
      let node: unknown = actual;
      let found = true;
      for (const key of path.split(".")) {
        if (!isObject(node) || !(key in node)) {
          found = false;
          break;
        }
        node = node[key];
      }
      check(found && (value.length === 0 || equals(node, value[0])), `to have property ${path}`, ...value);
    },
    toBeNull: () => check(actual === null, "to be null"),
    toBeUndefined: () => check(actual === undefined, "to be undefined"),
    toBeDefined: () => check(actual !== undefined, "to be defined"),
    toBeTruthy: () => check(Boolean(actual), "to be truthy"),
    toBeFalsy: () => check(!actual, "to be falsy"),
    toBeGreaterThan: (n: number) => check(number() > n, "to be greater than", n),
    toBeGreaterThanOrEqual: (n: number) => check(number() >= n, "to be at least", n),
    toBeLessThan: (n: number) => check(number() < n, "to be less than", n),
    toBeLessThanOrEqual: (n: number) => check(number() <= n, "to be at most", n),
  };
}

export function expect(actual: unknown) {
  return { ...matchers(actual, false), not: matchers(actual, true) };
}
expect.objectContaining = (expected: Record<string, unknown>) => new Asymmetric(`objectContaining ${show(expected)}`, (value) => equals(value, expected, true));
expect.any = (type: abstract new (...args: never[]) => unknown) =>
  new Asymmetric(
    `any ${type.name}`,
    (value) =>
      value instanceof type ||
      (type === (Number as unknown) && typeof value === "number") ||
      (type === (String as unknown) && typeof value === "string") ||
      (type === (Boolean as unknown) && typeof value === "boolean"),
  );
