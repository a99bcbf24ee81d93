import { expect, test } from "bun:test";
import { Glob } from "bun";
import { join } from "node:path";

const SRC = join(import.meta.dir, "..", "..", "src");

async function sources(): Promise<Array<[string, string]>> {
  const files: Array<[string, string]> = [];
  for await (const path of new Glob("**/*.ts").scan(SRC)) files.push([path, await Bun.file(join(SRC, path)).text()]);
  return files;
}

test("only src/repository/oracle/ imports oracledb, and nothing switches it to Thick mode", async () => {
  const files = await sources();
  expect(files.length).toBeGreaterThan(10);
  const importers = files.filter(([, text]) => /from\s+["']oracledb["']|import\(\s*["']oracledb["']\s*\)|require\(\s*["']oracledb["']\s*\)/.test(text));
  expect(importers.map(([path]) => path)).toEqual(["repository/oracle/thin-driver.ts"]);
  expect(files.filter(([, text]) => /\.\s*initOracleClient\s*\(/.test(text)).map(([path]) => path)).toEqual([]);
});
