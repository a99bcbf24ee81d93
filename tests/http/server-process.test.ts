import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { sampleBody } from "../support/runs.ts";
import { runToExit, startServer } from "../support/server-process.ts";
import { tempDir } from "../support/temp-dir.ts";

const temp = await tempDir();
afterAll(() => temp.remove());

test("the server serves, stores to the JSONL path and exits 0 on SIGTERM", async () => {
  const path = join(temp.dir, "data", "runs.jsonl");
  const server = await startServer({ PIPELINE_JSONL_PATH: path });
  try {
    const post = await fetch(`${server.url}/pipelines`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(sampleBody()),
    });
    expect(post.status).toBe(201);
    const list = (await (await fetch(`${server.url}/get_pipeline_info`)).json()) as { total: number };
    expect(list.total).toBe(1);
    expect((await fetch(`${server.url}/docs/assets/swagger-ui-dist/swagger-ui-bundle.js`)).status).toBe(200);
  } finally {
    expect(await server.stop()).toBe(0);
  }
  expect((await Bun.file(path).text()).trim().split("\n")).toHaveLength(1);
});

test("a bad setting stops startup with one line naming the variable", async () => {
  const { code, stderr } = await runToExit({ PORT: "abc" });
  expect(code).not.toBe(0);
  expect(stderr.trim().split("\n")).toHaveLength(1);
  expect(stderr).toContain("PORT");
  const oracle = await runToExit({ PIPELINE_BACKEND: "oracle" });
  expect(oracle.code).not.toBe(0);
  expect(oracle.stderr).toMatch(/ORACLE_DSN.*ORACLE_USER.*ORACLE_PASSWORD/);
});

test("API keys from a mounted file protect writes on the real server", async () => {
  const keysFile = join(temp.dir, "keys.txt");
  await Bun.write(keysFile, "# one key per line\nfile-key-0123456789abcdef\n\n");
  const server = await startServer({ PIPELINE_JSONL_PATH: join(temp.dir, "auth.jsonl"), PIPELINE_API_KEYS_FILE: keysFile });
  try {
    const body = JSON.stringify(sampleBody());
    const headers = { "content-type": "application/json" };
    expect((await fetch(`${server.url}/pipelines`, { method: "POST", headers, body })).status).toBe(401);
    const ok = await fetch(`${server.url}/pipelines`, { method: "POST", headers: { ...headers, authorization: "Bearer file-key-0123456789abcdef" }, body });
    expect(ok.status).toBe(201);
  } finally {
    await server.stop();
  }
  const missing = await runToExit({ PIPELINE_API_KEYS_FILE: join(temp.dir, "nope.txt") });
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain("PIPELINE_API_KEYS_FILE");
});

test("without keys the server warns at startup that writes are open", async () => {
  const server = await startServer({ PIPELINE_JSONL_PATH: join(temp.dir, "open.jsonl") });
  await server.stop();
  expect(await new Response(server.process.stdout).text()).toContain("no API keys configured");
});
