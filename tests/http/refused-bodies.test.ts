import { describe, expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import { createMemoryRepository } from "../../src/repository/memory.ts";
import { distinctBody } from "../support/runs.ts";

/** A body the client is still sending, counting how much of it the server read. */
function trackedBody(bytes: number, piece = 64 * 1024) {
  const seen = { read: 0, done: false };
  let left = bytes;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left <= 0) {
        seen.done = true;
        return controller.close();
      }
      const size = Math.min(piece, left);
      left -= size;
      seen.read += size;
      controller.enqueue(new Uint8Array(size).fill(0x20));
    },
  });
  return { stream, seen };
}

const KEY = "refused-key-0123456789abcdef";

/** A batch POST whose body arrives as a stream of unknown length. */
const postChunked = (app: ReturnType<typeof createApp>, stream: ReadableStream<Uint8Array>) =>
  app.request("/pipelines/batch", {
    method: "POST",
    headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
    body: stream,
    duplex: "half",
  } as RequestInit);

describe("answers decided before the body is read still read it to the end", () => {
  const cases: Array<[string, (bytes: number) => RequestInit, number]> = [
    ["401 without a key", (n) => ({ method: "POST", headers: { "content-type": "application/json", "content-length": String(n) } }), 401],
    [
      "405 for a method the path does not serve",
      (n) => ({ method: "PUT", headers: { "content-type": "application/json", "content-length": String(n), authorization: `Bearer ${KEY}` } }),
      405,
    ],
    [
      "413 over the declared limit",
      (n) => ({ method: "POST", headers: { "content-type": "application/json", "content-length": String(n), authorization: `Bearer ${KEY}` } }),
      413,
    ],
    [
      "415 for a body that is not JSON",
      (n) => ({ method: "POST", headers: { "content-type": "text/plain", "content-length": String(n), authorization: `Bearer ${KEY}` } }),
      415,
    ],
  ];
  for (const [name, init, status] of cases) {
    test(name, async () => {
      const app = createApp({ repository: createMemoryRepository(), auth: { keys: [KEY], protectReads: false }, maxBodyBytes: 1024 * 1024 });
      const { stream, seen } = trackedBody(2 * 1024 * 1024);
      const res = await app.request("/pipelines", { ...init(2 * 1024 * 1024), body: stream, duplex: "half" } as RequestInit);
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(seen).toEqual({ read: 2 * 1024 * 1024, done: true });
    });
  }

  test("a chunked body over the limit is 413, read to its end, and nothing is stored", async () => {
    const repository = createMemoryRepository();
    const app = createApp({ repository, maxBatchBytes: 1024 * 1024 });
    const { stream, seen } = trackedBody(3 * 1024 * 1024);
    const res = await postChunked(app, stream);
    expect(res.status).toBe(413);
    expect(seen.done).toBe(true);
    expect(await repository.countRuns({})).toBe(0);
  });

  test("a body declared larger than the drain limit is not waited for, and the connection is closed", async () => {
    const app = createApp({ repository: createMemoryRepository(), drainBodyBytes: 1024 * 1024 });
    const { stream, seen } = trackedBody(4 * 1024 * 1024);
    const res = await app.request("/pipelines", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(4 * 1024 * 1024) },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.headers.get("connection")).toBe("close");
    expect(seen.read).toBeLessThan(4 * 1024 * 1024);
  });

  test("a chunked body under the limit is stored as sent", async () => {
    const app = createApp({ repository: createMemoryRepository() });
    const body = new TextEncoder().encode(JSON.stringify([distinctBody(1, "chunked"), distinctBody(2, "chunked")]));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < body.length; at += 100) controller.enqueue(body.subarray(at, at + 100));
        controller.close();
      },
    });
    const res = await postChunked(app, stream);
    expect(await res.json()).toMatchObject({ created: 2, invalid: 0 });
  });
});
