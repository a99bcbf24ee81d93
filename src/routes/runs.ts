import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { PipelineInfoInputSchema, PipelineInfoSchema } from "../domain/pipeline-info.ts";
import { PipelineInfoResponseSchema, PipelineListResponseSchema } from "../domain/responses.ts";
import { RunQuerySchema, toRunFilter } from "../domain/run-query.ts";
import { streamRunEnvelope } from "../http/json-stream.ts";
import { problemResponse, validationHook } from "../http/problem.ts";
import { limitBody, requireJson } from "../http/require-json.ts";
import type { RunRepository } from "../repository/port.ts";

const unavailable = problemResponse("The store is unavailable or still starting, or the request timed out; retry after Retry-After seconds");
/** Answers any route may give once operators turn on keys for reads or a rate limit. */
const guarded = {
  401: problemResponse("An API key is required (PIPELINE_READ_AUTH) and was missing or wrong"),
  429: problemResponse("The caller's rate limit is exceeded; retry after Retry-After seconds"),
};

const listPipelinesRoute = createRoute({
  method: "get",
  path: "/pipelines",
  tags: ["pipelines"],
  summary: "Summaries per pipeline",
  description:
    "One summary per (pipeline_name, script_name, pipeline_type, environment), newest last_run first. " +
    "Averages leave out runs with zero or negative values and are null when none remain.",
  responses: {
    200: { description: "Pipeline summaries", content: { "application/json": { schema: PipelineListResponseSchema } } },
    ...guarded,
    503: unavailable,
  },
});

const getRunsRoute = createRoute({
  method: "get",
  path: "/get_pipeline_info",
  tags: ["runs"],
  summary: "Runs, filtered and paged",
  description:
    "Runs matching every given filter, newest start_utc first. `all_data=true` returns every match " +
    "and ignores limit and offset (and their ranges) entirely; the answer streams.",
  request: { query: RunQuerySchema },
  responses: {
    200: { description: "Matching runs", content: { "application/json": { schema: PipelineInfoResponseSchema } } },
    422: problemResponse("A parameter is out of range or of the wrong type"),
    ...guarded,
    503: unavailable,
  },
});

const WRITE_SECURITY: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { apiKeyHeader: [] }];

/** The request body limit a route applies unless the app says otherwise. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const createRunRoute = (maxBodyBytes: number) =>
  createRoute({
    method: "post",
    path: "/pipelines",
    tags: ["runs"],
    summary: "Store one run",
    description: "Validates the run, appends it to the store and answers with the record as it will be read back.",
    middleware: [requireJson, limitBody(maxBodyBytes)] as const,
    security: WRITE_SECURITY,
    request: {
      body: { required: true, content: { "application/json": { schema: PipelineInfoInputSchema } } },
    },
    responses: {
      201: { description: "Stored", content: { "application/json": { schema: PipelineInfoSchema } } },
      400: problemResponse("The body is not valid JSON"),
      401: problemResponse("An API key is required (PIPELINE_API_KEYS is set) and was missing or wrong"),
      409: problemResponse("The run conflicts with what is stored"),
      413: problemResponse("The body is larger than the limit"),
      415: problemResponse("The body is not JSON"),
      422: problemResponse("A field is missing or invalid"),
      429: guarded[429],
      503: unavailable,
    },
  });

/** The original API's run routes: list, summarize and store runs. */
export function runsRoutes(repository: RunRepository, options: { maxBodyBytes?: number } = {}) {
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(listPipelinesRoute, async (c) => {
      const pipelines = await repository.summarizePipelines();
      return c.json({ pipelines }, 200);
    })
    .openapi(getRunsRoute, async (c) => {
      const query = c.req.valid("query");
      const filter = toRunFilter(query);
      if (query.all_data) {
        const total = await repository.countRuns(filter);
        const body = streamRunEnvelope(total, repository.streamRuns(filter));
        return c.body(body, 200, { "content-type": "application/json" }) as never;
      }
      const page = await repository.findRuns(filter, { limit: query.limit, offset: query.offset });
      const names = new Set<string>();
      for (const run of page.runs) if (run.pipeline_name !== null) names.add(run.pipeline_name);
      return c.json({ total: page.total, count: page.runs.length, results: page.runs, pipelines: [...names].sort() }, 200);
    })
    .openapi(createRunRoute(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES), async (c) => {
      const stored = await repository.insertRun(c.req.valid("json"));
      return c.json(stored, 201);
    });
}
