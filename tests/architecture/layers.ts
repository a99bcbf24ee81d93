import { type ImportKind, type Module, reachableFrom } from "./source-tree.ts";

/** A set of src/ modules a rule applies to. */
export interface Part {
  name: string;
  includes(path: string, modules: Map<string, Module>): boolean;
}

/** Modules in these folders ("domain/") or these files ("errors.ts"). */
export const under = (...folders: string[]): Part => ({
  name: folders.join(", "),
  includes: (path) => folders.some((folder) => path === folder || path.startsWith(folder)),
});

export const outside = (...folders: string[]): Part => ({
  name: `src/ outside ${folders.join(", ")}`,
  includes: (path) => !folders.some((folder) => path === folder || path.startsWith(folder)),
});

export const everywhere: Part = { name: "all of src/", includes: () => true };

const reached = new WeakMap<Map<string, Module>, Map<string, Set<string>>>();
export const reachedFrom = (entry: string): Part => ({
  name: `${entry} and every module it imports`,
  includes(path, modules) {
    const byEntry = reached.get(modules) ?? new Map<string, Set<string>>();
    reached.set(modules, byEntry);
    const set = byEntry.get(entry) ?? reachableFrom(modules, entry);
    byEntry.set(entry, set);
    return set.has(path);
  },
});

const loaded = new WeakMap<Map<string, Module>, Map<Part, Set<string>>>();
/** The modules of `part` and what they load when they run: imports of `kinds` are followed
 * (static and dynamic by default; type-only imports vanish at run time). */
export const loadedBy = (part: Part, kinds: ImportKind[] = ["static", "dynamic"]): Part => ({
  name: `${part.name} and what ${kinds.join(" or ")} imports load from there`,
  includes(path, modules) {
    const byPart = loaded.get(modules) ?? new Map<Part, Set<string>>();
    loaded.set(modules, byPart);
    const set =
      byPart.get(part) ??
      reachableFrom(
        modules,
        [...modules.keys()].filter((p) => part.includes(p, modules)),
        kinds,
      );
    byPart.set(part, set);
    return set.has(path);
  },
});

/**
 * One layering rule: the modules of `part` must not import what `modules` (src-relative paths) or
 * `packages` match, by an import of one of `kinds` (default: any; ["static"] allows type-only and
 * dynamic imports), nor contain code that `code` matches (comments ignored). `breach` is an edit
 * that breaks the rule (`append` added to the file at `path`); the test applies it to prove the
 * rule notices.
 */
export interface LayerRule {
  rule: string;
  part: Part;
  modules?: RegExp;
  packages?: RegExp;
  kinds?: ImportKind[];
  code?: RegExp;
  breach: { path: string; append: string };
}

const HTTP_EDGE = /^(http|routes)\/|^(app|server)\.ts$/;
const HTTP_LIBRARY = /^hono(\/|$)|^@hono\//;
const ADAPTERS = /^repository\/(jsonl\/|oracle\/|memory\.ts$)/;

export const LAYER_RULES: LayerRule[] = [
  {
    rule: "the app is runtime-agnostic: it imports only hono, @hono/zod-openapi, @hono/swagger-ui and zod",
    part: reachedFrom("app.ts"),
    packages: /^(?!(hono|zod)(\/|$)|@hono\/(zod-openapi|swagger-ui)$)/,
    breach: { path: "http/problem.ts", append: 'import { readFile } from "node:fs/promises";' },
  },
  {
    rule: "the app uses no runtime global (Bun, Deno, process, require, __dirname)",
    part: reachedFrom("app.ts"),
    code: /\b(Bun|Deno|process|require|__dirname|__filename)\s*[.(]/,
    breach: { path: "routes/health.ts", append: "export const port = process.env.PORT;" },
  },
  {
    rule: "the app reaches the stores only through the port, never an adapter",
    part: reachedFrom("app.ts"),
    modules: ADAPTERS,
    breach: { path: "routes/runs.ts", append: 'import { createMemoryRepository } from "../repository/memory.ts";' },
  },
  {
    rule: "routes and HTTP middleware import from repository/ only the port",
    part: under("routes/", "http/"),
    modules: /^repository\/(?!port\.ts$)/,
    breach: { path: "http/service-metrics.ts", append: 'import { matcher } from "../repository/in-process/run-matcher.ts";' },
  },
  {
    rule: "only the Thin driver module imports oracledb",
    part: outside("repository/oracle/thin-driver.ts"),
    packages: /^oracledb$/,
    breach: { path: "server.ts", append: 'const oracledb = await import("oracledb");' },
  },
  {
    rule: "nothing switches oracledb to Thick mode",
    part: everywhere,
    code: /\.\s*initOracleClient\s*\(/,
    breach: { path: "repository/oracle/thin-driver.ts", append: "oracledb.initOracleClient();" },
  },
  {
    rule: "only the JSONL store touches the file system (node:fs)",
    part: outside("repository/jsonl/"),
    packages: /^(node:)?fs(\/|$)/,
    breach: { path: "repository/memory.ts", append: 'import { appendFile } from "node:fs/promises";' },
  },
  {
    rule: "only the JSONL store imports Bun's own modules (bun, bun:ffi, bun:sqlite)",
    part: outside("repository/jsonl/"),
    packages: /^bun(:|$)/,
    breach: { path: "repository/oracle/pool-keeper.ts", append: 'import { dlopen } from "bun:ffi";' },
  },
  {
    rule: "process.env is read only by the entry points (server.ts, cli/)",
    part: outside("server.ts", "cli/"),
    code: /\bprocess\.env\b/,
    breach: { path: "logger.ts", append: "export const level = process.env.LOG_LEVEL;" },
  },
  {
    rule: "command-line entry points live in cli/ (server.ts is the service's)",
    part: outside("server.ts", "cli/"),
    code: /\bimport\.meta\.main\b/,
    breach: { path: "repository/oracle/schema-script.ts", append: "if (import.meta.main) console.log(scriptStatements(''));" },
  },
  {
    rule: "config.ts takes from repository/ only each store's settings module",
    part: under("config.ts"),
    modules: /^repository\/(?!(jsonl|oracle)\/settings\.ts$)/,
    breach: { path: "config.ts", append: 'import { columnMapProblems } from "./repository/oracle/columns.ts";' },
  },
  {
    rule: "the stores never import config.ts: config composes their settings, not the reverse",
    part: under("repository/"),
    modules: /^config\.ts$/,
    breach: { path: "repository/oracle/settings.ts", append: 'import type { Config } from "../../config.ts";' },
  },
  {
    rule: "route handlers answer with typed responses: no `as never` in routes/",
    part: under("routes/"),
    code: /\bas\s+never\b/,
    breach: { path: "routes/runs.ts", append: "export const untyped = null as never;" },
  },
  {
    rule: "app.ts imports from repository/ only the port",
    part: under("app.ts"),
    modules: /^repository\/(?!port\.ts$)/,
    breach: { path: "app.ts", append: 'import { StatsBuilder } from "./repository/in-process/group-stats.ts";' },
  },
  {
    rule: "domain/ imports nothing of the stores (repository/)",
    part: under("domain/"),
    modules: /^repository\//,
    breach: { path: "domain/run-filter.ts", append: 'import type { RunPage } from "../repository/port.ts";' },
  },
  {
    rule: "domain/ imports nothing of the HTTP edge (http/, routes/, app.ts, server.ts)",
    part: under("domain/"),
    modules: HTTP_EDGE,
    breach: { path: "domain/pipeline-stats.ts", append: 'import type { AppEnv } from "../http/app-env.ts";' },
  },
  {
    rule: "domain/ imports no HTTP library (hono, @hono/zod-openapi): schemas are built at the edge",
    part: under("domain/"),
    packages: HTTP_LIBRARY,
    breach: { path: "domain/pipeline-info.ts", append: 'import { z } from "@hono/zod-openapi";' },
  },
  {
    rule: "the stores load no HTTP library at run time, not even through domain/",
    part: loadedBy(under("repository/")),
    packages: HTTP_LIBRARY,
    kinds: ["static", "dynamic"],
    breach: { path: "domain/run-identity.ts", append: 'import { z } from "@hono/zod-openapi";' },
  },
  {
    rule: "starting the entry loads no Oracle driver: only a chosen Oracle store does",
    part: loadedBy(under("server.ts"), ["static"]),
    packages: /^oracledb$/,
    kinds: ["static"],
    breach: { path: "config.ts", append: 'import oracledb from "oracledb";' },
  },
  {
    rule: "repository/ imports nothing of the HTTP edge, and not hono",
    part: under("repository/"),
    modules: HTTP_EDGE,
    packages: HTTP_LIBRARY,
    breach: { path: "repository/jsonl/run-index.ts", append: 'import { HTTPException } from "hono/http-exception";' },
  },
  {
    rule: "the JSONL store imports neither the Oracle nor the memory store",
    part: under("repository/jsonl/"),
    modules: /^repository\/(oracle\/|memory\.ts$)/,
    breach: { path: "repository/jsonl/generation.ts", append: 'import { oracleColumns } from "../oracle/columns.ts";' },
  },
  {
    rule: "the Oracle store imports neither the JSONL nor the memory store",
    part: under("repository/oracle/"),
    modules: /^repository\/(jsonl\/|memory\.ts$)/,
    breach: { path: "repository/oracle/statements.ts", append: 'import { createMemoryRepository } from "../memory.ts";' },
  },
  {
    rule: "the memory store imports neither the JSONL nor the Oracle store",
    part: under("repository/memory.ts"),
    modules: /^repository\/(jsonl|oracle)\//,
    breach: { path: "repository/memory.ts", append: 'import { recordCodec } from "./jsonl/record-codec.ts";' },
  },
  {
    rule: "the in-process query engine (repository/in-process/) belongs to no store",
    part: under("repository/in-process/"),
    modules: ADAPTERS,
    breach: { path: "repository/in-process/run-matcher.ts", append: 'import type { Labels } from "../jsonl/index/labels.ts";' },
  },
  {
    rule: "the entry loads the stores by dynamic import, only the one configured",
    part: under("server.ts"),
    modules: ADAPTERS,
    kinds: ["static"],
    breach: { path: "server.ts", append: 'import { createMemoryRepository } from "./repository/memory.ts";' },
  },
  {
    rule: "errors.ts knows nothing of HTTP",
    part: under("errors.ts"),
    modules: HTTP_EDGE,
    packages: HTTP_LIBRARY,
    breach: { path: "errors.ts", append: 'import { HTTPException } from "hono/http-exception";' },
  },
  {
    rule: "src/ never imports from outside src/ (tests, scripts)",
    part: everywhere,
    modules: /^\.\.\//,
    breach: { path: "repository/jsonl/jsonl-repository.ts", append: 'import { makeRun } from "../../../tests/support/runs.ts";' },
  },
];

/** What in `modules` breaks `rule`: one line per offending import or code match. */
export function violations(rule: LayerRule, modules: Map<string, Module>): string[] {
  const found: string[] = [];
  for (const [path, module] of modules) {
    if (!rule.part.includes(path, modules)) continue;
    for (const { target, local, kind } of module.imports) {
      if (rule.kinds && !rule.kinds.includes(kind)) continue;
      if ((local ? rule.modules : rule.packages)?.test(target)) found.push(`${path} imports ${target}${kind === "static" ? "" : ` (${kind})`}`);
    }
    const match = rule.code ? module.code.match(rule.code) : null;
    if (match) found.push(`${path} uses ${match[0]}`);
  }
  return found;
}
