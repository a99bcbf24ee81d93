import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startServer } from "../support/server-process.ts";
import { tempDir } from "../support/temp-dir.ts";

// No Docker engine runs here, so check what a build would need: every copied path exists and
// the CMD entry file serves with the image's settings.
const ROOT = join(import.meta.dir, "../..");
const dockerfile = await Bun.file(join(ROOT, "Dockerfile")).text();
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .filter((l) => /^[A-Z]+\s/.test(l));

test("every path the Dockerfile copies exists", () => {
  const copies = instructions.filter((l) => l.startsWith("COPY "));
  expect(copies.length).toBeGreaterThan(0);
  for (const copy of copies) {
    const parts = copy
      .split(/\s+/)
      .slice(1)
      .filter((p) => !p.startsWith("--"));
    for (const source of parts.slice(0, -1)) expect({ source, exists: existsSync(join(ROOT, source)) }).toEqual({ source, exists: true });
  }
});

test("the image runs as a non-root user, exposes 8000, has a volume and a health check", () => {
  expect(instructions.some((l) => /^FROM oven\/bun:/.test(l))).toBe(true);
  expect(instructions.some((l) => /^USER (?!root)\w+/.test(l))).toBe(true);
  expect(instructions).toContain("EXPOSE 8000");
  expect(instructions.some((l) => l.startsWith("VOLUME"))).toBe(true);
  expect(instructions.some((l) => l.startsWith("HEALTHCHECK") && l.includes("/health"))).toBe(true);
  expect(instructions.some((l) => /--production/.test(l))).toBe(true);
});

test("the CMD entry file serves /health", async () => {
  const cmd = instructions.find((l) => l.startsWith("CMD "));
  const argv = JSON.parse((cmd as string).slice(4)) as string[];
  expect(argv[0]).toBe("bun");
  const entry = argv[1] as string;
  expect(existsSync(join(ROOT, entry))).toBe(true);
  const { dir, remove } = await tempDir();
  const server = await startServer({ PIPELINE_JSONL_PATH: join(dir, "pipeline_data.jsonl") }, entry);
  try {
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
  } finally {
    await server.stop();
    await remove();
  }
});
