import type { Hono, MiddlewareHandler } from "hono";
import { TrieRouter } from "hono/router/trie-router";
import { problem } from "./problem.ts";

/**
 * 405 with `Allow` for a known path asked with a method it does not serve, answered before
 * authentication and rate limits: no key changes what a path supports. hono's methodNotAllowed
 * decides after the route ran, by which time an API-key check has already answered 401.
 */
export function methodGuard(app: Pick<Hono, "routes">): MiddlewareHandler {
  let router: TrieRouter<string[]> | undefined;
  const build = () => {
    const byPath = new Map<string, Set<string>>();
    for (const route of app.routes) {
      if (route.method === "ALL") continue;
      const methods = byPath.get(route.path) ?? new Set<string>();
      methods.add(route.method);
      if (route.method === "GET") methods.add("HEAD");
      byPath.set(route.path, methods);
    }
    const built = new TrieRouter<string[]>();
    for (const [path, methods] of byPath) built.add("ALL", path, [...methods]);
    return built;
  };
  return async (c, next) => {
    router ??= build();
    const allowed = new Set(router.match("ALL", c.req.path)[0].flatMap(([methods]) => methods));
    if (allowed.size === 0 || allowed.has(c.req.method)) return next();
    const allow = [...allowed].join(", ");
    return problem(405, `${c.req.method} is not allowed on ${c.req.path.slice(0, 200)}; use ${allow}`, { headers: { allow } });
  };
}
