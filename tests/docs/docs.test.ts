import { afterAll, describe, expect, test } from "bun:test";
import { readdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { createApp } from "../../src/app.ts";
import { KNOWN_VARIABLES } from "../../src/config.ts";
import { instrumentRepository } from "../../src/http/instrumented-repository.ts";
import { createServiceMetrics } from "../../src/http/service-metrics.ts";
import { createMemoryRepository } from "../../src/repository/memory.ts";
import { startServer } from "../support/server-process.ts";
import { tempDir } from "../support/temp-dir.ts";

/** The README and docs/ where they state behaviour: kept true by these tests. */

const ROOT = join(import.meta.dir, "../..");
const read = (path: string) => Bun.file(join(ROOT, path)).text();
const docPages = async () => ["README.md", ...(await readdir(join(ROOT, "docs"))).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** Pages other branches write; links to them are expected before they exist here. */
const WRITTEN_ELSEWHERE = new Set(["docs/jsonl-operations.md", "docs/jsonl-index.md", "docs/web-page.md"]);

const temp = await tempDir();
afterAll(() => temp.remove());

describe("configuration", () => {
  test("every variable the configuration reads is in docs/configuration.md, and the page names no other", async () => {
    const page = await read("docs/configuration.md");
    const rows = [...page.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1] as string);
    expect([...new Set(rows)].sort()).toEqual([...KNOWN_VARIABLES].sort());
    expect(rows.length).toBe(new Set(rows).size);
    const mentioned = new Set([...page.matchAll(/`((?:PIPELINE|ORACLE)_[A-Z_]+)`/g)].map((m) => m[1] as string));
    // PIPELINE_RUNS is the reference table, not a variable.
    const foreign = [...mentioned].filter((name) => !KNOWN_VARIABLES.includes(name) && name !== "PIPELINE_RUNS" && !/^ORACLE_(HOME|SID|BASE|TEST_)/.test(name));
    expect(foreign).toEqual([]);
  });

  test("the README's settings are real variables", async () => {
    const readme = await read("README.md");
    const named = [...readme.matchAll(/`((?:PIPELINE|ORACLE)_[A-Z_]+|PORT|HOST|LOG_LEVEL)`/g)].map((m) => m[1] as string);
    expect(named.length).toBeGreaterThan(4);
    for (const name of named) expect(KNOWN_VARIABLES).toContain(name);
  });
});

describe("metrics", () => {
  const registered = () => {
    const metrics = createServiceMetrics("memory");
    return new Set([...metrics.registry.render().matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1] as string));
  };

  test("every metric docs/operations.md lists exists, and every metric is listed", async () => {
    const page = await read("docs/operations.md");
    const table = page.slice(page.indexOf("## Metrics"), page.indexOf("## Logs"));
    const listed = new Set([...table.matchAll(/`((?:http|pipeline)_[a-z_]+)`/g)].map((m) => m[1] as string));
    expect([...listed].sort()).toEqual([...registered()].sort());
  });

  test("every metric name anywhere in the docs exists", async () => {
    const known = registered();
    for (const path of await docPages()) {
      const text = await read(path);
      for (const m of text.matchAll(/\b((?:http|pipeline)_[a-z_]+_(?:total|seconds|records|lines|up|dropped|rowcount)|pipeline_runs)\b/g)) {
        expect({ path, metric: m[1], exists: known.has(m[1] as string) }).toEqual({ path, metric: m[1], exists: true });
      }
    }
  });

  test("the store operation labels the docs list are the ones observed", async () => {
    const seen = new Set<string>();
    const repo = instrumentRepository(createMemoryRepository(), (operation) => seen.add(operation));
    await repo.findRuns({ filter: {}, limit: 1 });
    await repo.countRuns({});
    await repo.summarizePipelines();
    await repo.runHistory({}, "day", "UTC");
    await repo.insertRuns([]);
    await repo.deleteRuns({ labels: { environment: ["none"] } });
    await repo.health();
    for await (const _ of repo.streamRuns({})) break;
    const page = await read("docs/operations.md");
    const line = page.split("\n").find((l) => l.startsWith("| `pipeline_store_operation_duration_seconds`")) ?? "";
    const listed = new Set([...line.matchAll(/`([a-z_]+)`/g)].map((m) => m[1] as string).filter((name) => !name.startsWith("pipeline_")));
    expect([...listed].sort()).toEqual([...seen].sort());
  });
});

describe("links", () => {
  const slug = (heading: string) =>
    heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replace(/ /g, "-");

  test("every relative link in README.md and docs/ points at a file (and heading) that exists", async () => {
    const broken: string[] = [];
    for (const page of await docPages()) {
      const text = await read(page);
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (!target || /^[a-z]+:/.test(target)) continue;
        const [file, anchor] = target.split("#") as [string, string | undefined];
        const path = file ? resolve(dirname(join(ROOT, page)), file).slice(ROOT.length + 1) : page;
        if (WRITTEN_ELSEWHERE.has(path)) continue;
        const exists =
          (await Bun.file(join(ROOT, path)).exists()) ||
          (await readdir(join(ROOT, path)).then(
            () => true,
            () => false,
          ));
        if (!exists) {
          broken.push(`${page}: ${target}`);
          continue;
        }
        if (anchor && path.endsWith(".md")) {
          const headings = (await read(path))
            .split("\n")
            .filter((l) => /^#{1,6} /.test(l))
            .map((l) => slug(l.replace(/^#+ /, "")));
          if (!headings.includes(anchor)) broken.push(`${page}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

describe("README", () => {
  test("stays a front page: at most 150 lines", async () => {
    expect((await read("README.md")).split("\n").length).toBeLessThanOrEqual(150);
  });

  test("the quick start works verbatim on a fresh, empty store", async () => {
    const readme = await read("README.md");
    const commands = [...readme.matchAll(/^\s*(curl .+)$/gm)].map((m) => m[1] as string);
    expect(commands.length).toBe(4);
    const server = await startServer({ PIPELINE_JSONL_PATH: join(temp.dir, "quick-start.jsonl") });
    try {
      const statuses: number[] = [];
      const bodies: unknown[] = [];
      for (const command of commands) {
        const res = await curl(command, server.url);
        statuses.push(res.status);
        bodies.push(await res.json());
      }
      expect(statuses).toEqual([201, 200, 200, 200]);
      expect(bodies[1]).toMatchObject({ total: 1, count: 1 });
      expect((bodies[2] as { pipelines: unknown[] }).pipelines).toHaveLength(1);
      expect(bodies[3]).toMatchObject({ created: 3, invalid: 0 });
    } finally {
      await server.stop();
    }
  });
});

describe("the samples in docs/examples", () => {
  test("run.json is accepted and the NDJSON batch stores every record", async () => {
    const app = createApp({ repository: createMemoryRepository() });
    const post = await app.request("/pipelines", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: await read("docs/examples/run.json"),
    });
    expect(post.status).toBe(201);
    const batch = await app.request("/pipelines/batch", {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: await read("docs/examples/runs.ndjson"),
    });
    expect(await batch.json()).toMatchObject({ created: 3, existing: 0, conflicts: 0, invalid: 0 });
  });
});

/** Runs the few curl options the README uses (-X, -H, -d/--data-binary @file) with fetch. */
function curl(command: string, base: string): Promise<Response> {
  const words = [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? (m[2] as string));
  let method = "GET";
  const headers: Record<string, string> = {};
  let body: Promise<string> | undefined;
  let url = "";
  for (let i = 1; i < words.length; i++) {
    const word = words[i] as string;
    if (word === "-X") method = words[++i] as string;
    else if (word === "-H") {
      const [name, ...value] = (words[++i] as string).split(":");
      headers[(name as string).trim()] = value.join(":").trim();
    } else if (word === "-d" || word === "--data-binary") {
      const data = words[++i] as string;
      body = data.startsWith("@") ? read(data.slice(1)) : Promise.resolve(data);
      if (method === "GET") method = "POST";
    } else if (word.startsWith("http")) url = word.replace("http://localhost:8000", base);
    else throw new Error(`the README uses a curl option this test does not know: ${word}`);
  }
  return (body ?? Promise.resolve(undefined)).then((text) => fetch(url, { method, headers, body: text }));
}
