import { describe, expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import { createMemoryRepository } from "../../src/repository/memory.ts";
import { distinctBody } from "../support/runs.ts";

/**
 * The OpenAPI document against the server's actual answers: every answer the server gives is
 * declared for its operation, security is asked for exactly when keys are configured, and the
 * limits the input schema states are the ones the server enforces, at and past each bound.
 */

type Json = Record<string, any>;
const KEY = "truth-key-0123456789abcdef";

async function appWith(keys?: string[]) {
  const app = createApp({ repository: createMemoryRepository(), ...(keys ? { auth: { keys, protectReads: false } } : {}) });
  const doc = (await (await app.request("/openapi.json")).json()) as Json;
  return { app, doc };
}

/** The statuses and media types the document declares for one operation. */
function declared(doc: Json, path: string, method: string): Map<string, string[]> {
  const operation = doc.paths[path]?.[method];
  if (!operation) throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
  return new Map(Object.entries(operation.responses as Json).map(([status, r]) => [status, Object.keys((r as Json).content ?? {})]));
}

function expectDeclared(doc: Json, path: string, method: string, res: Response) {
  const answers = declared(doc, path, method);
  const media = answers.get(String(res.status));
  expect({ path, method, status: res.status, declared: media !== undefined }).toEqual({ path, method, status: res.status, declared: true });
  const type = (res.headers.get("content-type") ?? "").split(";")[0] as string;
  if (res.status !== 304 && media && media.length) expect(media).toContain(type);
}

let nonce = 0;
const post = (body: unknown, headers: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

describe("every answer is declared for its operation", () => {
  test("reads, writes and probes, good and bad input", async () => {
    const { app, doc } = await appWith();
    const tries: Array<[string, string, RequestInit?]> = [
      ["/", "/"],
      ["/health", "/health"],
      ["/health/ready", "/health/ready"],
      ["/metrics", "/metrics"],
      ["/pipelines", "/pipelines", post(distinctBody(1, "declared"))],
      ["/pipelines", "/pipelines", post(distinctBody(1, "declared"))],
      ["/pipelines", "/pipelines", post({ ...distinctBody(1, "declared"), rowcount: 1 })],
      ["/pipelines", "/pipelines", post({ rowcount: "many" })],
      ["/pipelines", "/pipelines", { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }],
      ["/pipelines", "/pipelines", { method: "POST", headers: { "content-type": "text/plain" }, body: "x" }],
      ["/pipelines/batch", "/pipelines/batch", post([distinctBody(2, "declared"), { rowcount: -1 }])],
      ["/pipelines/batch", "/pipelines/batch", post({ not: "an array" })],
      [
        "/pipelines/batch",
        "/pipelines/batch",
        { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: `${JSON.stringify(distinctBody(3, "declared"))}\n` },
      ],
      ["/pipelines/batch", "/pipelines/batch", { method: "POST", headers: { "content-type": "application/json" } }],
      ["/get_pipeline_info", "/get_pipeline_info"],
      ["/get_pipeline_info", "/get_pipeline_info?all_data=true"],
      ["/get_pipeline_info", "/get_pipeline_info?format=csv"],
      ["/get_pipeline_info", "/get_pipeline_info?format=ndjson&limit=5"],
      ["/get_pipeline_info", "/get_pipeline_info?limit=0"],
      ["/get_pipeline_info", "/get_pipeline_info?cursor=forged"],
      ["/pipelines", "/pipelines?min_rowcount=x"],
      ["/pipelines/history", "/pipelines/history?bucket=day&tz=Europe/Berlin"],
      ["/pipelines/history", "/pipelines/history?tz=Not/AZone"],
    ];
    for (const [path, url, init] of tries) {
      const method = (init?.method ?? "GET").toLowerCase();
      const res = await app.request(url, init);
      expectDeclared(doc, path, method, res);
      await res.arrayBuffer();
    }
  });

  test("a conditional GET answers 304 only where the document declares it", async () => {
    const { app, doc } = await appWith();
    for (const path of ["/pipelines", "/get_pipeline_info"]) {
      const first = await app.request(path);
      const again = await app.request(path, { headers: { "if-none-match": first.headers.get("etag") ?? "" } });
      expect(again.status).toBe(304);
      expectDeclared(doc, path, "get", again);
    }
  });
});

describe("security", () => {
  const writes: Array<[string, string]> = [
    ["/pipelines", "post"],
    ["/pipelines/batch", "post"],
  ];

  test("without keys no operation asks for one, and writes need none", async () => {
    const { app, doc } = await appWith();
    expect(doc.security ?? []).toEqual([]);
    for (const [path, methods] of Object.entries(doc.paths as Json)) {
      for (const [method, operation] of Object.entries(methods as Json))
        expect({ path, method, security: operation.security ?? [] }).toEqual({ path, method, security: [] });
    }
    expect((await app.request("/pipelines", post(distinctBody(1, "open")))).status).toBe(201);
  });

  test("with keys the writes ask for one, and answer 401 without it", async () => {
    const { app, doc } = await appWith([KEY]);
    for (const [path, method] of writes) {
      expect(doc.paths[path][method].security.length).toBeGreaterThan(0);
      const body = path.endsWith("batch") ? [distinctBody(nonce++, "keys")] : distinctBody(nonce++, "keys");
      const refused = await app.request(path, post(body));
      expect(refused.status).toBe(401);
      expectDeclared(doc, path, method, refused);
      expect((await app.request(path, post(body, { authorization: `Bearer ${KEY}` }))).status).toBeLessThan(300);
    }
  });
});

describe("the input schema states the limits the server enforces", () => {
  test("the batch body is required, and a request without one is refused", async () => {
    const { app, doc } = await appWith();
    expect(doc.paths["/pipelines/batch"].post.requestBody.required).toBe(true);
    expect(doc.paths["/pipelines"].post.requestBody.required).toBe(true);
    for (const path of ["/pipelines", "/pipelines/batch"]) {
      const res = await app.request(path, { method: "POST", headers: { "content-type": "application/json" } });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });

  test("every required field is required", async () => {
    const { app, doc } = await appWith();
    const schema = doc.components.schemas.PipelineInfoInput as Json;
    for (const field of schema.required as string[]) {
      const body = distinctBody(nonce++, "required");
      delete body[field];
      const res = await app.request("/pipelines", post(body));
      expect({ field, status: res.status }).toEqual({ field, status: 422 });
    }
  });

  test("maxLength: at the limit stored, one past it refused naming the field", async () => {
    const { app, doc } = await appWith();
    const properties = doc.components.schemas.PipelineInfoInput.properties as Json;
    const limited = Object.entries(properties).filter(([, p]) => typeof (p as Json).maxLength === "number");
    expect(limited.map(([f]) => f).sort()).toEqual([
      "date_code",
      "elapsed_human",
      "environment",
      "log_file",
      "output_file",
      "pipeline_name",
      "pipeline_type",
      "script_name",
    ]);
    for (const [field, property] of limited) {
      const max = (property as Json).maxLength as number;
      const at = await app.request("/pipelines", post({ ...distinctBody(nonce++, "len"), [field]: "x".repeat(max) }));
      expect({ field, status: at.status }).toEqual({ field, status: 201 });
      const past = await app.request("/pipelines", post({ ...distinctBody(nonce++, "len"), [field]: "x".repeat(max + 1) }));
      expect({ field, status: past.status }).toEqual({ field, status: 422 });
      expect(JSON.stringify(await past.json())).toContain(field);
    }
  });

  test("numbers: minimum 0 and the integer maximum hold, numeric strings as documented", async () => {
    const { app, doc } = await appWith();
    const properties = doc.components.schemas.PipelineInfoInput.properties as Json;
    for (const field of ["rowcount", "pid", "elapsed_seconds"]) {
      const branches = properties[field].anyOf as Json[];
      const numeric = branches.find((b) => b.type === "integer" || b.type === "number") as Json;
      const text = branches.find((b) => b.type === "string") as Json;
      expect(numeric.minimum).toBe(0);
      const sent = async (value: unknown) => (await app.request("/pipelines", post({ ...distinctBody(nonce++, "num"), [field]: value }))).status;
      expect({ field, at: await sent(0), below: await sent(-1) }).toEqual({ field, at: 201, below: 422 });
      expect(new RegExp(text.pattern).test("12")).toBe(true);
      expect(await sent("12")).toBe(201);
      expect(new RegExp(text.pattern).test("twelve")).toBe(false);
      expect(await sent("twelve")).toBe(422);
      if (numeric.type === "integer") {
        expect(numeric.maximum).toBe(Number.MAX_SAFE_INTEGER);
        expect(await sent(numeric.maximum)).toBe(201);
        const past = await app.request("/pipelines", {
          ...post({}),
          body: JSON.stringify({ ...distinctBody(nonce++, "num"), [field]: 0 }).replace(`"${field}":0`, `"${field}":9007199254740993`),
        });
        expect(past.status).toBe(422);
        expect(JSON.stringify(await past.json())).toContain("too large");
        expect(await sent(1.5)).toBe(422);
      }
    }
  });

  test("date-times: what the pattern admits is stored, what it refuses is refused", async () => {
    const { app, doc } = await appWith();
    const properties = doc.components.schemas.PipelineInfoInput.properties as Json;
    const admitted = ["2025-08-15T05:49:07Z", "2025-08-15t05:49:07z", "2025-08-15 05:49:07", "2025-08-15T05:49:07.123456+02:00", "2025-08-15T05:49:07-0530"];
    const refused = ["2025-08-15", "2025-08-15T05:49", "15/08/2025 05:49:07", "2025-08-15T05:49:07 CEST", "yesterday"];
    for (const field of ["start_local", "end_local", "start_utc", "end_utc"]) {
      const pattern = new RegExp(properties[field].pattern);
      for (const value of admitted) {
        expect({ field, value, matches: pattern.test(value) }).toEqual({ field, value, matches: true });
        // Start and end equal: any admitted value is a valid run for either field.
        const body = { ...distinctBody(nonce++, "dt"), start_utc: value, end_utc: value, start_local: value, end_local: value, elapsed_seconds: 0 };
        const res = await app.request("/pipelines", post(body));
        expect({ field, value, status: res.status }).toEqual({ field, value, status: 201 });
      }
      for (const value of refused) {
        expect({ field, value, matches: pattern.test(value) }).toEqual({ field, value, matches: false });
        const res = await app.request("/pipelines", post({ ...distinctBody(nonce++, "dt"), [field]: value }));
        expect({ field, value, status: res.status }).toEqual({ field, value, status: 422 });
      }
    }
  });
});
