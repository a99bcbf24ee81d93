import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { PipelineRun } from "../domain/pipeline-info.ts";
import { timeSlicer } from "../event-loop.ts";
import { type BatchRecords, type BatchResult, batchFormat, batchReport, conflictErrors, outcomeResult, parseNdjson } from "../http/batch-body.ts";
import { limitBody } from "../http/body-limit.ts";
import { idempotency } from "../http/idempotency.ts";
import { fieldErrors, problem, problemJson, problemResponse, validationHook } from "../http/problem.ts";
import { requireJson } from "../http/require-json.ts";
import { PipelineInfoInputSchema, PipelineInfoSchema } from "../http/schemas/run.ts";
import type { InsertOutcome, RunRepository } from "../repository/port.ts";
import { KEY_SECURITY, writeGuarded } from "./responses.ts";

const writeAnswers = {
  413: problemResponse("The body is larger than the limit"),
  415: problemResponse("The body is not JSON"),
  ...writeGuarded,
};

const idempotencyHeader = z.object({
  "idempotency-key": z.string().optional().openapi({
    description: "Retry safely: the same key with the same body replays the first answer for 24 hours; with another body it is a 422",
    example: "run-2025-08-12-sales",
  }),
});

const createRunRoute = (middleware: MiddlewareHandler[], security: typeof KEY_SECURITY) =>
  createRoute({
    method: "post",
    path: "/pipelines",
    tags: ["runs"],
    summary: "Store one run",
    description:
      "Validates the run and stores it. A run is identified by (pipeline_name, date_code, start_utc, pid): posting an " +
      "identity that is already stored with the same content answers 200 with the stored run and writes nothing; " +
      "with different content, 409 naming the fields that differ.",
    middleware: middleware as [MiddlewareHandler],
    security,
    request: {
      headers: idempotencyHeader,
      body: { required: true, content: { "application/json": { schema: PipelineInfoInputSchema } } },
    },
    responses: {
      201: { description: "Stored", content: { "application/json": { schema: PipelineInfoSchema } } },
      200: { description: "Already stored with the same content (a retry): nothing written", content: { "application/json": { schema: PipelineInfoSchema } } },
      400: problemResponse("The body is not valid JSON"),
      409: problemResponse("A run with the same identity but other content is stored; errors name the fields"),
      422: problemResponse("A field is missing or invalid, or the Idempotency-Key was used with another body"),
      ...writeAnswers,
    },
  });

const BatchResultSchema = z
  .object({
    index: z.int().openapi({ description: "Position of the record in the input (0-based)", example: 0 }),
    status: z.int().openapi({ description: "201 stored, 200 already stored, 409 conflict, 422 invalid", example: 201 }),
    errors: z
      .array(z.object({ location: z.string(), field: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: "Why a record was not stored" }),
  })
  .openapi("BatchResult");

const BatchResponseSchema = z
  .object({
    created: z.int().openapi({ example: 9998 }),
    existing: z.int().openapi({ example: 1 }),
    conflicts: z.int().openapi({ example: 0 }),
    invalid: z.int().openapi({ example: 1 }),
    results: z.array(BatchResultSchema),
  })
  .openapi("BatchResponse");

const batchRoute = (middleware: MiddlewareHandler[], maxBatch: number, security: typeof KEY_SECURITY) =>
  createRoute({
    method: "post",
    path: "/pipelines/batch",
    tags: ["runs"],
    summary: "Store many runs at once",
    description:
      `A JSON array or NDJSON (application/x-ndjson, one record per line) of up to ${maxBatch} runs. Each record is ` +
      "validated and stored on its own (valid records are stored even when others fail), all with one durable commit; " +
      "the answer has one result per input record. Identity and Idempotency-Key work as for POST /pipelines.",
    middleware: middleware as [MiddlewareHandler],
    security,
    request: {
      headers: idempotencyHeader,
      body: {
        required: true,
        // Plain schemas, not zod: each record is validated on its own below (one result per
        // record), and an NDJSON body must not meet a JSON validator.
        content: {
          "application/json": { schema: { type: "array", items: { $ref: "#/components/schemas/PipelineInfoInput" } } },
          "application/x-ndjson": { schema: { type: "string", description: "One PipelineInfoInput per line" } },
        },
      },
    },
    responses: {
      200: { description: "One result per record", content: { "application/json": { schema: BatchResponseSchema } } },
      400: problemResponse("The body is not valid JSON"),
      422: problemResponse("The body is not an array of records, or the Idempotency-Key was used with another body"),
      ...writeAnswers,
      413: problemResponse(`The body is larger than the limit or holds more than ${maxBatch} records`),
    },
  });

const requireBatchType: MiddlewareHandler = async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  if (!batchFormat(type)) return problem(415, `Content-Type must be application/json or application/x-ndjson, got '${type.slice(0, 100) || "none"}'`);
  await next();
};

export interface IngestOptions {
  maxBodyBytes: number;
  maxBatch: number;
  maxBatchBytes: number;
  /** Whether writes need an API key: only then does the document ask for one. */
  secured: boolean;
  /** Told how many records of a batch were accepted (stored or already stored) and rejected. */
  onBatch?: (accepted: number, rejected: number) => void;
}

/** POST /pipelines and POST /pipelines/batch. */
export function ingestRoutes(repository: RunRepository, options: IngestOptions) {
  const remember = idempotency() as MiddlewareHandler;
  const security = options.secured ? KEY_SECURITY : [];
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(createRunRoute([requireJson, limitBody(options.maxBodyBytes), remember], security), async (c) => {
      const [outcome] = (await repository.insertRuns([c.req.valid("json")])) as [InsertOutcome];
      if (outcome.status === "conflict") {
        const detail = `A run with this identity (pipeline_name, date_code, start_utc, pid) is stored with other values in: ${outcome.fields.join(", ")}`;
        return problemJson(c, 409, detail, { errors: conflictErrors(outcome.fields) });
      }
      return outcome.status === "created" ? c.json(outcome.run, 201) : c.json(outcome.run, 200);
    })
    .openapi(batchRoute([requireBatchType, limitBody(options.maxBatchBytes), remember], options.maxBatch, security), async (c) => {
      let batch: BatchRecords;
      if (batchFormat(c.req.header("content-type") ?? "") === "json") {
        const body = await c.req.json().catch(() => {
          throw new HTTPException(400, { message: "Malformed JSON in request body" });
        });
        if (!Array.isArray(body)) {
          return problemJson(c, 422, "The body must be a JSON array of records", {
            errors: [{ location: "body", field: "(body)", message: "expected an array of records" }],
          });
        }
        batch = { records: body, unreadable: new Map() };
      } else {
        batch = parseNdjson(await c.req.text());
      }
      const { records, unreadable } = batch;
      if (records.length > options.maxBatch) return problemJson(c, 413, `A batch holds at most ${options.maxBatch} records; this one has ${records.length}`);

      const results: BatchResult[] = [];
      const valid: Array<{ index: number; run: PipelineRun }> = [];
      // Validating 10,000 records takes a while: in slices, so other requests are served meanwhile.
      const slicer = timeSlicer();
      for (let index = 0; index < records.length; index++) {
        const broken = unreadable.get(index);
        const parsed = broken ? null : PipelineInfoInputSchema.safeParse(records[index]);
        if (broken) results.push({ index, status: 422, errors: broken });
        else if (parsed && !parsed.success) results.push({ index, status: 422, errors: fieldErrors(parsed.error, "body") });
        else if (parsed?.success) valid.push({ index, run: parsed.data });
        if ((index & 255) === 255) await slicer.pause();
      }
      const outcomes = valid.length ? await repository.insertRuns(valid.map((v) => v.run)) : [];
      for (const [k, outcome] of outcomes.entries()) results.push(outcomeResult((valid[k] as { index: number }).index, outcome));
      const report = batchReport(results);
      options.onBatch?.(report.created + report.existing, report.conflicts + report.invalid);
      return c.json(report, 200);
    });
}
