import { afterAll, describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { join } from "node:path";
import { brotliDecompressSync } from "node:zlib";
import { chunked, rawRequest } from "../support/raw-http.ts";
import { distinctBody } from "../support/runs.ts";
import { runToExit, startServer } from "../support/server-process.ts";
import { tempDir } from "../support/temp-dir.ts";

const temp = await tempDir();
afterAll(() => temp.remove());

const portOf = (url: string) => Number(new URL(url).port);
const MiB = 1024 * 1024;

describe("oversized bodies get a problem+json 413 that the client can read", () => {
  test("Connection: close clients read the 413 for a 2 MiB POST every time, and it is counted", async () => {
    const server = await startServer({ PIPELINE_JSONL_PATH: join(temp.dir, "close.jsonl") });
    try {
      const body = new Uint8Array(2 * MiB).fill(0x20);
      const head = `POST /pipelines HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
      for (let i = 0; i < 15; i++) {
        const answer = await rawRequest(portOf(server.url), head, body);
        expect({ i, status: answer.status, error: answer.error }).toEqual({ i, status: 413, error: undefined });
        expect(answer.text).toContain("application/problem+json");
        expect(answer.text).toMatch(/x-request-id: \S+/i);
      }
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toContain('http_requests_total{route="/pipelines",method="POST",status="413"} 15');
    } finally {
      await server.stop();
    }
  });

  test("above the batch cap, declared or chunked, the app answers (never a bare 413 or a 500)", async () => {
    const server = await startServer({ PIPELINE_JSONL_PATH: join(temp.dir, "big.jsonl"), LOG_LEVEL: "info" });
    try {
      const port = portOf(server.url);
      const big = new Uint8Array(16 * MiB + 4096).fill(0x20);
      big[0] = 0x5b;
      const declared = await rawRequest(
        port,
        `POST /pipelines/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\nConnection: close\r\n\r\n`,
        big,
      );
      expect(declared.status).toBe(413);
      expect(declared.text).toContain("application/problem+json");
      const pieces = Array.from({ length: 20 }, () => new Uint8Array(MiB).fill(0x20));
      const streamed = await rawRequest(
        port,
        "POST /pipelines/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        chunked(pieces),
      );
      expect(streamed.status).toBe(413);
      expect(streamed.text).toContain("Request body is larger than");
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toContain('http_requests_total{route="/pipelines/batch",method="POST",status="413"} 2');
      expect(metrics).not.toContain('status="500"');
    } finally {
      await server.stop();
    }
    const log = await new Response(server.process.stdout).text();
    expect(log.match(/"msg":"request".*"status":413/g)?.length).toBe(2);
    expect(log).not.toContain("unhandled error");
  });
});

describe("starting", () => {
  test("a taken port stops startup with one line naming PORT", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, stderr } = await runToExit({ PORT: String(port), PIPELINE_JSONL_PATH: join(temp.dir, "taken.jsonl") });
      expect(code).toBe(2);
      expect(stderr.trim().split("\n")).toHaveLength(1);
      expect(stderr).toContain(`PORT ${port} is already in use`);
    } finally {
      blocker.close();
    }
  });

  test("HOST with a port in it is refused naming HOST", async () => {
    const { code, stderr } = await runToExit({ HOST: "localhost:8000" });
    expect(code).toBe(2);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain("HOST: must be a host name or IP address");
  });

  test("first start on a new file: a ready line, the URL and docs to open, no false alarms; lock removed on stop", async () => {
    const path = join(temp.dir, "first", "runs.jsonl");
    const server = await startServer({ PIPELINE_JSONL_PATH: path, LOG_LEVEL: "info", PIPELINE_JSONL_FILE: "typo.jsonl", PIPELINE_READ_AUTH: "true" });
    try {
      expect(await Bun.file(`${path}.lock`).exists()).toBe(true);
      const post = await fetch(`${server.url}/pipelines`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(distinctBody(1, "first")),
      });
      expect(post.status).toBe(201);
      await Bun.sleep(600);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(await Bun.file(`${path}.lock`).exists()).toBe(false);
    const lines = (await new Response(server.process.stdout).text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const port = portOf(server.url);
    const listening = lines.find((l) => l.msg === "listening");
    expect(listening).toMatchObject({ url: `http://127.0.0.1:${port}/`, docs: `http://127.0.0.1:${port}/docs`, backend: "jsonl" });
    expect(lines.filter((l) => l.msg === "ready")).toHaveLength(1);
    expect(lines.some((l) => String(l.msg).includes("replaced or truncated"))).toBe(false);
    const typo = lines.filter((l) => String(l.msg).includes("PIPELINE_JSONL_FILE"));
    expect(typo).toHaveLength(1);
    expect(typo[0]).toMatchObject({ level: "warn", nearest: "PIPELINE_JSONL_PATH" });
    expect(lines.some((l) => l.level === "warn" && String(l.msg).startsWith("PIPELINE_READ_AUTH has no effect"))).toBe(true);
  });

  test("bound to every address, the listening line names a URL a browser on this machine can open", async () => {
    const server = await startServer({ HOST: "0.0.0.0", PIPELINE_JSONL_PATH: join(temp.dir, "wildcard.jsonl"), LOG_LEVEL: "info" });
    await server.stop();
    const port = portOf(server.url);
    const listening = (await new Response(server.process.stdout).text()).split("\n").find((l) => l.includes('"msg":"listening"')) ?? "";
    expect(JSON.parse(listening)).toMatchObject({ url: `http://localhost:${port}/`, docs: `http://localhost:${port}/docs`, bind: `0.0.0.0:${port}` });
  });

  test("the real server answers br and gzip", async () => {
    const server = await startServer({ PIPELINE_JSONL_PATH: join(temp.dir, "br.jsonl") });
    try {
      const batch = Array.from({ length: 200 }, (_, i) => distinctBody(i, "br"));
      expect(
        (await fetch(`${server.url}/pipelines/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(batch) })).status,
      ).toBe(200);
      const url = `${server.url}/get_pipeline_info?all_data=true`;
      const identity = await (await fetch(url, { headers: { "accept-encoding": "identity" } })).text();
      const res = await fetch(url, { headers: { "accept-encoding": "br" }, decompress: false } as RequestInit);
      expect(res.headers.get("content-encoding")).toBe("br");
      const raw = new Uint8Array(await res.arrayBuffer());
      expect(raw.length).toBeLessThan(identity.length / 4);
      expect(brotliDecompressSync(raw).toString()).toBe(identity);
      const gzip = await fetch(url, { headers: { "accept-encoding": "gzip" } });
      expect(gzip.headers.get("content-encoding")).toBe("gzip");
      expect(await gzip.text()).toBe(identity);
    } finally {
      await server.stop();
    }
  });
});
