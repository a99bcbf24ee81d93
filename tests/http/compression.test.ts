import { describe, expect, test } from "bun:test";
import { Duplex } from "node:stream";
import { brotliDecompressSync, constants, createBrotliCompress, gunzipSync } from "node:zlib";
import { createApp } from "../../src/app.ts";
import { chooseEncoding, STANDARD_ENCODERS } from "../../src/http/compression.ts";
import { createMemoryRepository } from "../../src/repository/memory.ts";
import { makeRun } from "../support/runs.ts";

const brotli = () =>
  Duplex.toWeb(createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })) as unknown as ReadableWritablePair<Uint8Array, BufferSource>;

async function filledApp(runs = 300) {
  const repository = createMemoryRepository();
  await repository.insertRuns(
    Array.from({ length: runs }, (_, i) =>
      makeRun({ start: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(), pid: i, pipeline_name: `pipeline_${i % 40}` }),
    ),
  );
  return createApp({ repository, encoders: { br: brotli, ...STANDARD_ENCODERS } });
}

const bytes = async (res: Response) => new Uint8Array(await res.arrayBuffer());

describe("negotiation", () => {
  test("the client's q-values decide; ties go to the server's order; q=0 and unknown codings are never chosen", () => {
    const names = ["br", "gzip", "deflate"];
    expect(chooseEncoding("gzip, deflate, br", names)).toBe("br");
    expect(chooseEncoding("gzip;q=1, br;q=0.5", names)).toBe("gzip");
    expect(chooseEncoding("br;q=0, *", names)).toBe("gzip");
    expect(chooseEncoding("identity", names)).toBeUndefined();
    expect(chooseEncoding("zstd", names)).toBeUndefined();
    expect(chooseEncoding(undefined, names)).toBeUndefined();
  });
});

describe("compressed answers", () => {
  const exports: Array<[string, string]> = [
    ["/get_pipeline_info?all_data=true", "application/json"],
    ["/get_pipeline_info?limit=300", "application/json"],
    ["/get_pipeline_info?all_data=true&format=ndjson", "application/x-ndjson"],
    ["/get_pipeline_info?all_data=true&format=csv", "text/csv"],
    ["/pipelines", "application/json"],
  ];
  for (const [url, type] of exports) {
    test(`${url}: gzip and br decode to the identity answer`, async () => {
      const app = await filledApp();
      const identity = await bytes(await app.request(url));
      for (const [coding, decode] of [
        ["gzip", gunzipSync],
        ["br", brotliDecompressSync],
      ] as const) {
        const res = await app.request(url, { headers: { "accept-encoding": coding } });
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toStartWith(type);
        expect(res.headers.get("content-encoding")).toBe(coding);
        expect(res.headers.get("vary")).toContain("Accept-Encoding");
        const body = await bytes(res);
        expect(body.length).toBeLessThan(identity.length);
        expect(new Uint8Array(decode(body))).toEqual(identity);
      }
    });
  }

  test("no Accept-Encoding, identity only, or a short answer: sent as it is", async () => {
    const app = await filledApp();
    expect((await app.request("/get_pipeline_info?all_data=true")).headers.get("content-encoding")).toBeNull();
    expect((await app.request("/get_pipeline_info?all_data=true", { headers: { "accept-encoding": "identity" } })).headers.get("content-encoding")).toBeNull();
    const short = await app.request("/health", { headers: { "accept-encoding": "gzip" } });
    expect(short.headers.get("content-encoding")).toBeNull();
    expect(((await short.json()) as { status: string }).status).toBe("healthy");
  });

  test("HEAD never carries a body, compressed or not", async () => {
    const app = await filledApp(1);
    const head = await app.request("/get_pipeline_info", { method: "HEAD", headers: { "accept-encoding": "gzip" } });
    expect(head.headers.get("content-encoding")).toBeNull();
    expect((await bytes(head)).length).toBe(0);
  });

  test("a client that stops reading a compressed export stops the store's iteration", async () => {
    const repository = createMemoryRepository();
    await repository.insertRuns(
      Array.from({ length: 20_000 }, (_, i) => makeRun({ start: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(), pid: i })),
    );
    let pulled = 0;
    let finished = false;
    const watched = {
      ...repository,
      backend: repository.backend,
      streamRuns: (...args: Parameters<typeof repository.streamRuns>) =>
        (async function* () {
          try {
            for await (const run of repository.streamRuns(...args)) {
              pulled++;
              yield run;
            }
          } finally {
            finished = true;
          }
        })(),
    };
    const app = createApp({ repository: watched });
    const res = await app.request("/get_pipeline_info?all_data=true&format=ndjson", { headers: { "accept-encoding": "gzip" } });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    await Bun.sleep(50);
    expect(finished).toBe(true);
    expect(pulled).toBeLessThan(20_000);
  });
});

describe("conditional requests", () => {
  for (const url of ["/pipelines", "/get_pipeline_info?limit=10", "/get_pipeline_info?limit=10&format=csv", "/pipelines/history?bucket=day"]) {
    test(`${url}: If-None-Match with the ETag is 304 until a run is added`, async () => {
      const repository = createMemoryRepository();
      await repository.insertRuns([makeRun({ start: "2025-01-01T00:00:00Z" })]);
      const app = createApp({ repository });
      const first = await app.request(url);
      const tag = first.headers.get("etag");
      expect(tag).toMatch(/^(W\/)?"[^"]+"$/);
      expect(first.headers.get("cache-control")).toBe("no-cache");
      const again = await app.request(url, { headers: { "if-none-match": tag as string } });
      expect(again.status).toBe(304);
      expect((await bytes(again)).length).toBe(0);
      expect(again.headers.get("etag")).toBe(tag);
      // The same tag, weak after compression, still matches.
      const zipped = await app.request(url, { headers: { "accept-encoding": "gzip", "if-none-match": `W/${tag}` } });
      expect(zipped.status).toBe(304);
      await repository.insertRuns([makeRun({ start: "2025-01-02T00:00:00Z", pid: 2 })]);
      const changed = await app.request(url, { headers: { "if-none-match": tag as string } });
      expect(changed.status).toBe(200);
      expect(changed.headers.get("etag")).not.toBe(tag);
    });
  }

  test("answers that stream every match carry a tag from the data version, not a hash of the body", async () => {
    const app = await filledApp(10);
    const res = await app.request("/get_pipeline_info?all_data=true", { headers: { "accept-encoding": "gzip" } });
    expect(res.headers.get("etag")).toMatch(/^W\/"\d+\./);
    expect(res.headers.get("content-encoding")).toBe("gzip");
    const again = await app.request("/get_pipeline_info?all_data=true", {
      headers: { "accept-encoding": "gzip", "if-none-match": res.headers.get("etag") as string },
    });
    expect(again.status).toBe(304);
  });
});
