import { expect, test } from "bun:test";
import { join } from "node:path";

const SRC = join(import.meta.dir, "..", "..", "src");

// In one test process the module cache is shared, so the order is only under control in a
// process of its own: a store (and domain/ with it) loaded before the app, as a script may do.
test("the app builds its document when a store's modules were loaded before it", () => {
  const script = [
    `await import(${JSON.stringify(join(SRC, "repository/jsonl/jsonl-repository.ts"))});`,
    `const { createApp } = await import(${JSON.stringify(join(SRC, "app.ts"))});`,
    `const { createMemoryRepository } = await import(${JSON.stringify(join(SRC, "repository/memory.ts"))});`,
    `const res = await createApp({ repository: createMemoryRepository() }).request("/openapi.json");`,
    "const doc = await res.json();",
    "console.log(res.status, Object.keys(doc.components.schemas.PipelineInfoInput.properties).length);",
  ].join("\n");
  const child = Bun.spawnSync([process.execPath, "-e", script], { stderr: "pipe" });
  expect(child.stderr.toString()).toBe("");
  expect(child.stdout.toString().trim()).toBe("200 15");
});
