import { expect, test } from "bun:test";
import { join } from "node:path";
import { processTestFiles } from "./process-tests.ts";

const ROOT = join(import.meta.dir, "..", "..");
const { scripts } = (await Bun.file(join(ROOT, "package.json")).json()) as { scripts: Record<string, string> };

test("the tests npm run test:fast leaves out are those that start processes", async () => {
  const files = await processTestFiles();
  for (const known of ["tests/http/server-process.test.ts", "tests/http/shutdown.test.ts", "tests/jsonl/processes.test.ts", "tests/oracle/time-zones.test.ts"])
    expect(files).toContain(known);
  for (const inProcess of ["tests/http/runs.test.ts", "tests/runtimes/scenarios.test.ts", "tests/architecture/test-scripts.test.ts"])
    expect(files).not.toContain(inProcess);
  expect(scripts["test:fast"]).toBe("bun tests/fast.ts");
});

test("npm test runs the type check, every bun test and the runtime matrix", () => {
  expect(scripts.test).toContain("tsc --noEmit");
  expect(scripts.test).toMatch(/\bbun test(?! --path-ignore)/);
  expect(scripts.test).toContain("npm run test:runtimes");
  expect(scripts["test:runtimes"]).toBe("bun tests/runtimes/run.ts");
});

// Bun 1.4 does not apply bunfig's [test] timeout (each test would get 5 s), so the script passes it.
test("npm test gives each test 20 s, as bunfig.toml means to", () => {
  expect(scripts.test).toContain("bun test --timeout 20000");
});
