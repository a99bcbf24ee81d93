import { expect, test } from "bun:test";
import { dirname, resolve } from "node:path";

const ALLOWED_PACKAGES = [/^hono(\/|$)/, /^@hono\/zod-openapi$/, /^zod(\/|$)/];
const RUNTIME_GLOBALS = /\b(Bun|Deno|process|require|__dirname|__filename)\s*[.(]/;
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Every local module src/app.ts reaches, with the bare specifiers each one imports. */
async function importGraph(entry: string) {
  const seen = new Map<string, string[]>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    const source = await Bun.file(file).text();
    const bare: string[] = [];
    for (const m of source.matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2]) as string;
      if (spec.startsWith(".")) queue.push(resolve(dirname(file), spec));
      else bare.push(spec);
    }
    seen.set(file, bare);
  }
  return seen;
}

test("src/app.ts and everything it imports use only web-standard APIs", async () => {
  const graph = await importGraph(resolve(import.meta.dir, "../../src/app.ts"));
  expect(graph.size).toBeGreaterThan(5);
  for (const [file, specs] of graph) {
    for (const spec of specs) {
      expect({ file, spec, allowed: ALLOWED_PACKAGES.some((p) => p.test(spec)) }).toEqual({ file, spec, allowed: true });
    }
    const code = (await Bun.file(file).text()).replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, "");
    expect({ file, usesRuntimeGlobal: RUNTIME_GLOBALS.test(code) }).toEqual({ file, usesRuntimeGlobal: false });
  }
});

test("the check notices a runtime import", async () => {
  const graph = await importGraph(resolve(import.meta.dir, "../../src/server.ts"));
  const specs = [...graph.values()].flat();
  expect(specs.some((s) => s.startsWith("node:"))).toBe(true);
});
