import { expect, test } from "bun:test";
import { Glob } from "bun";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const { scripts } = (await Bun.file(join(ROOT, "package.json")).json()) as { scripts: Record<string, string> };
const STARTS_PROCESSES = /server-process\.ts["']|\bBun\.spawn\b|\bspawn(Sync)?\(/;

test("npm run test:fast skips exactly the test files that start processes", async () => {
  const ignored = [...(scripts["test:fast"] ?? "").matchAll(/--path-ignore-patterns='([^']+)'/g)].map((m) => new Glob(m[1] as string));
  expect(ignored.length).toBeGreaterThan(0);
  const files: Array<{ file: string; startsProcesses: boolean; skipped: boolean }> = [];
  for await (const file of new Glob("tests/**/*.test.ts").scan(ROOT)) {
    const startsProcesses = STARTS_PROCESSES.test(await Bun.file(join(ROOT, file)).text());
    files.push({ file, startsProcesses, skipped: ignored.some((glob) => glob.match(file)) });
  }
  expect(files.filter((f) => f.startsProcesses).length).toBeGreaterThan(3);
  expect(files.filter((f) => f.startsProcesses !== f.skipped)).toEqual([]);
});

test("npm test runs the type check, every bun test and the runtime matrix", () => {
  expect(scripts.test).toContain("tsc --noEmit");
  expect(scripts.test).toMatch(/\bbun test(?! --path-ignore)/);
  expect(scripts.test).toContain("npm run test:runtimes");
  expect(scripts["test:runtimes"]).toBe("bun tests/runtimes/run.ts");
});

// Bun 1.4 leaves bunfig's [test] timeout unapplied (every test got 5 s), so the scripts pass it.
test("npm test and npm run test:fast give each test 20 s, as bunfig.toml means to", () => {
  expect(scripts.test).toContain("bun test --timeout 20000");
  expect(scripts["test:fast"]).toContain("bun test --timeout 20000");
});
