import { describe, expect, test } from "bun:test";
import { LAYER_RULES, type LayerRule, violations } from "./layers.ts";
import { type Module, type SourceTree, parseModule, readSourceTree } from "./source-tree.ts";

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
  expect(today.get("repository/oracle/thin-driver.ts")?.packages).toContain("oracledb");
  expect(parseModule("x.ts", 'import "side-effect";\nexport * from "./y.ts";\nconst m = await import("z");\n// import "commented";').packages).toEqual(["side-effect", "z"]);
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
