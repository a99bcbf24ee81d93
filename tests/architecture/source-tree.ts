import { Glob } from "bun";
import { dirname, join, relative, resolve } from "node:path";

export const SRC = join(import.meta.dir, "..", "..", "src");

/** One module of src/: its path relative to src/, its code without comments, and what it imports. */
export interface Module {
  path: string;
  code: string;
  /** Local imports, as paths relative to src/ ("repository/port.ts"; "../tests/x.ts" leaves src/). */
  modules: string[];
  /** Package imports as written ("hono/cors", "node:fs/promises", "bun:ffi"). */
  packages: string[];
}

/** src-relative path -> source text; tests replace entries to prove a rule notices a change. */
export type SourceTree = Map<string, string>;

const IMPORTS = [
  /(?:^|[\n;])\s*(?:import|export)\s[^;'"]*?\bfrom\s*["']([^"']+)["']/g,
  /(?:^|[\n;])\s*import\s*["']([^"']+)["']/g,
  /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  /\brequire\(\s*["']([^"']+)["']\s*\)/g,
];
const COMMENTS = /\/\*[\s\S]*?\*\/|(^|[^:"'`])\/\/.*$/gm;

export async function readSourceTree(): Promise<SourceTree> {
  const tree: SourceTree = new Map();
  for await (const path of new Glob("**/*.ts").scan(SRC)) tree.set(path, await Bun.file(join(SRC, path)).text());
  return tree;
}

export function parseModule(path: string, source: string): Module {
  const code = source.replace(COMMENTS, "$1");
  const specs = IMPORTS.flatMap((pattern) => [...code.matchAll(pattern)].map((m) => m[1] as string));
  const local = specs.filter((spec) => spec.startsWith("."));
  return {
    path,
    code,
    modules: local.map((spec) => relative(SRC, resolve(dirname(join(SRC, path)), spec))),
    packages: specs.filter((spec) => !spec.startsWith(".")),
  };
}

/** The modules `entry` reaches through local imports, itself included. */
export function reachableFrom(modules: Map<string, Module>, entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const path = queue.pop() as string;
    const module = modules.get(path);
    if (seen.has(path) || !module) continue;
    seen.add(path);
    queue.push(...module.modules);
  }
  return seen;
}
