import { dirname, join, relative, resolve } from "node:path";
import { Glob } from "bun";

export const SRC = join(import.meta.dir, "..", "..", "src");

/** How a module imports another: `type` imports vanish at run time, `dynamic` ones load on use. */
export type ImportKind = "static" | "type" | "dynamic";

export interface Import {
  /** A local module as its path relative to src/ ("repository/port.ts"; "../tests/x.ts" leaves
   * src/), a package as written ("hono/cors", "node:fs/promises", "bun:ffi"). */
  target: string;
  local: boolean;
  kind: ImportKind;
}

/** One module of src/: its path relative to src/, its code without comments, and what it imports. */
export interface Module {
  path: string;
  code: string;
  imports: Import[];
  /** The local imports' targets, of every kind. */
  modules: string[];
}

/** src-relative path -> source text; tests replace entries to prove a rule notices a change. */
export type SourceTree = Map<string, string>;

const IMPORTS: Array<[RegExp, (match: RegExpMatchArray) => ImportKind]> = [
  [/(?:^|[\n;])\s*(?:import|export)\s([^;'"]*?)\bfrom\s*["']([^"']+)["']/g, (m) => (/^type\s/.test(m[1] as string) ? "type" : "static")],
  [/(?:^|[\n;])\s*import\s*()["']([^"']+)["']/g, () => "static"],
  [/\bimport\(()\s*["']([^"']+)["']\s*\)/g, () => "dynamic"],
  [/\brequire\(()\s*["']([^"']+)["']\s*\)/g, () => "static"],
];
const COMMENTS = /\/\*[\s\S]*?\*\/|(^|[^:"'`])\/\/.*$/gm;

export async function readSourceTree(): Promise<SourceTree> {
  const tree: SourceTree = new Map();
  for await (const path of new Glob("**/*.ts").scan(SRC)) tree.set(path, await Bun.file(join(SRC, path)).text());
  return tree;
}

/** Parses the module at `path` (relative to `root`, src/ by default); local targets are relative to `root`. */
export function parseModule(path: string, source: string, root = SRC): Module {
  const code = source.replace(COMMENTS, "$1");
  const imports = IMPORTS.flatMap(([pattern, kindOf]) =>
    [...code.matchAll(pattern)].map((m): Import => {
      const spec = m[2] as string;
      const local = spec.startsWith(".");
      return { target: local ? relative(root, resolve(dirname(join(root, path)), spec)) : spec, local, kind: kindOf(m) };
    }),
  );
  return { path, code, imports, modules: imports.filter((i) => i.local).map((i) => i.target) };
}

/** The modules `entries` reach through local imports (of `kinds`, default every kind), themselves included. */
export function reachableFrom(modules: Map<string, Module>, entries: string | string[], kinds?: ImportKind[]): Set<string> {
  const seen = new Set<string>();
  const queue = typeof entries === "string" ? [entries] : [...entries];
  while (queue.length) {
    const path = queue.pop() as string;
    const module = modules.get(path);
    if (seen.has(path) || !module) continue;
    seen.add(path);
    for (const { target, local, kind } of module.imports) if (local && (!kinds || kinds.includes(kind))) queue.push(target);
  }
  return seen;
}
