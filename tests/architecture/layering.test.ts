import { describe, expect, test } from "bun:test";
import { LAYER_RULES, type LayerRule, under, violations } from "./layers.ts";
import { type Module, parseModule, readSourceTree, type SourceTree } from "./source-tree.ts";

const tree = await readSourceTree();
const modulesOf = (sources: SourceTree) => new Map<string, Module>([...sources].map(([path, source]) => [path, parseModule(path, source)]));
const today = modulesOf(tree);

function breached(rule: LayerRule): Map<string, Module> {
  const { path, append } = rule.breach;
  const source = tree.get(path);
  if (source === undefined) throw new Error(`the breach of "${rule.rule}" names ${path}, which src/ does not hold`);
  return modulesOf(new Map(tree).set(path, `${source}\n${append}\n`));
}

test("the source tree is read and its imports are found", () => {
  expect(today.size).toBeGreaterThan(50);
  expect(today.get("app.ts")?.modules).toContain("repository/port.ts");
  expect(today.get("repository/oracle/thin-driver.ts")?.imports).toContainEqual({ target: "oracledb", local: false, kind: "static" });
  const sample = 'import "side-effect";\nexport * from "./y.ts";\nimport type { T } from "../t.ts";\nconst m = await import("z");\n// import "commented";';
  expect(parseModule("domain/x.ts", sample).imports).toEqual([
    { target: "domain/y.ts", local: true, kind: "static" },
    { target: "t.ts", local: true, kind: "type" },
    { target: "side-effect", local: false, kind: "static" },
    { target: "z", local: false, kind: "dynamic" },
  ]);
});

test("a rule limited to static imports lets type-only and dynamic imports pass", () => {
  const rule: LayerRule = {
    rule: "the entry loads stores on demand",
    part: under("server.ts"),
    modules: /^repository\/memory\.ts$/,
    kinds: ["static"],
    breach: { path: "server.ts", append: "" },
  };
  const server = (source: string) => new Map([["server.ts", parseModule("server.ts", source)]]);
  expect(violations(rule, server('import type { X } from "./repository/memory.ts";\nconst m = await import("./repository/memory.ts");'))).toEqual([]);
  expect(violations(rule, server('import { createMemoryRepository } from "./repository/memory.ts";'))).toEqual(["server.ts imports repository/memory.ts"]);
});

describe("layering", () => {
  for (const rule of LAYER_RULES) {
    describe(rule.rule, () => {
      test(`holds for ${rule.part.name}`, () => {
        expect(violations(rule, today)).toEqual([]);
      });
      test(`notices ${rule.breach.path} breaking it`, () => {
        expect(rule.part.includes(rule.breach.path, today)).toBe(true);
        expect(violations(rule, breached(rule)).some((v) => v.startsWith(`${rule.breach.path} `))).toBe(true);
      });
    });
  }
});
