import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TestResult } from "./bun-test-shim.ts";

const ROOT = join(import.meta.dir, "..", "..");
const SHIM = join(import.meta.dir, "bun-test-shim.ts");
const JSONL_UNAVAILABLE = join(import.meta.dir, "jsonl-unavailable.ts");

/** The app-level HTTP test files, run unchanged on every runtime (their JSONL halves excepted). */
export const HTTP_TEST_FILES = [
  "tests/http/runs.test.ts",
  "tests/http/queries.test.ts",
  "tests/http/ingest.test.ts",
  "tests/http/service.test.ts",
  "tests/http/operations.test.ts",
  "tests/http/typed-client.test.ts",
];

/** Tests that run only under Bun: those of the JSONL store, and those whose own code needs Bun. */
export const BUN_ONLY_TESTS: Array<{ name: RegExp; why: string }> = [
  { name: /\(jsonl\) > /, why: "the JSONL store is built on Bun's file APIs and bun:ffi" },
  { name: /(^|> )src\/version\.ts matches package\.json$/, why: "the test reads package.json with Bun.file" },
  { name: /(^|> )\/docs serves Swagger UI whose assets all come from this service$/, why: "the test's asset loader reads swagger-ui-dist with Bun.file" },
];

/**
 * Writes an entry that registers the HTTP test files against the bun:test stand-in and runs them;
 * `finish` is the code that hands `results` back (print and exit, or answer a request).
 */
async function writeEntry(dir: string, finish: string): Promise<string> {
  const entry = join(dir, "http-tests-entry.ts");
  const skips = JSON.stringify(BUN_ONLY_TESTS.map((t) => t.name.source));
  await writeFile(
    entry,
    [
      `import { runRegisteredTests } from ${JSON.stringify(SHIM)};`,
      ...HTTP_TEST_FILES.map((file) => `import ${JSON.stringify(join(ROOT, file))};`),
      `const skips = ${skips}.map((source) => new RegExp(source));`,
      "const run = () => runRegisteredTests((name) => skips.some((skip) => skip.test(name)));",
      finish,
    ].join("\n"),
  );
  return entry;
}

/** Bundles the HTTP tests with bun:test and the JSONL store replaced by stand-ins; answers the
 * bundle's path. */
export async function bundleHttpTests(dir: string, target: "node" | "browser", finish: string): Promise<string> {
  const built = await Bun.build({
    entrypoints: [await writeEntry(dir, finish)],
    outdir: dir,
    target,
    format: "esm",
    plugins: [
      {
        name: "stand-ins",
        setup(build) {
          build.onResolve({ filter: /^bun:test$/ }, () => ({ path: SHIM }));
          build.onResolve({ filter: /\/repository\/jsonl\/jsonl-repository\.ts$/ }, () => ({ path: JSONL_UNAVAILABLE }));
        },
      },
    ],
  });
  if (!built.success) throw new AggregateError(built.logs, "bun build of the HTTP tests failed");
  return built.outputs[0]?.path as string;
}

/** A process entry's ending: one RESULTS line on stdout, then exit (the app may hold timers). */
export const PRINT_AND_EXIT = `
const results = await run();
console.log("RESULTS " + JSON.stringify(results));
const g = globalThis;
if (g.Deno) g.Deno.exit(0); else g.process.exit(0);
`;

/** A module worker's ending: GET /health answers at once, GET /run runs the tests and answers them. */
export const ANSWER_REQUESTS = `
export default {
  async fetch(request) {
    if (new URL(request.url).pathname === "/health") return new Response("ok");
    return Response.json(await run());
  },
};
`;

export function parseResults(stdout: string): TestResult[] {
  const line = stdout.split("\n").find((l) => l.startsWith("RESULTS "));
  if (!line) throw new Error(`no RESULTS line in the output: ${stdout.slice(-400)}`);
  return JSON.parse(line.slice("RESULTS ".length)) as TestResult[];
}
