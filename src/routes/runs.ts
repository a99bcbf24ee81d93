import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Keyset } from "../domain/run-ordering.ts";
import { NEWEST_FIRST } from "../domain/run-ordering.ts";
import { noneMatch } from "../http/conditional.ts";
import { decodeCursor, encodeCursor, queryFingerprint } from "../http/cursor.ts";
import { CSV_COLUMNS, exportDownload } from "../http/export-stream.ts";
import { streamEncodedEnvelope, streamRunEnvelope } from "../http/json-stream.ts";
import { problemJson, problemResponse, validationHook } from "../http/problem.ts";
import { toRunFilter } from "../http/schemas/filter-query.ts";
import { PipelineInfoResponseSchema } from "../http/schemas/run-page.ts";
import { RunQuerySchema, requestedFormat } from "../http/schemas/run-query.ts";
import type { RunRepository } from "../repository/port.ts";
import { guarded, notModified, unavailable } from "./responses.ts";

const getRunsRoute = createRoute({
  method: "get",
  path: "/get_pipeline_info",
  tags: ["runs"],
  summary: "Runs, filtered, ordered and paged, or exported",
  description:
    "Runs matching every given filter (repeat a label parameter for any of several values), newest start_utc first " +
    "unless order_by says otherwise. Page with limit/offset or with cursor (next_cursor of the previous page). " +
    "`all_data=true` returns every match and ignores limit, offset and cursor entirely; the answer streams. " +
    "`format=ndjson|csv` (or Accept: application/x-ndjson, text/csv) downloads the same runs as a file. Pages and " +
    "`all_data` answers carry an ETag (If-None-Match gives 304 while nothing changed).",
  request: { query: RunQuerySchema },
  responses: {
    200: {
      description: "Matching runs",
      content: {
        "application/json": { schema: PipelineInfoResponseSchema },
        "application/x-ndjson": { schema: z.string().openapi({ description: "One run per line", example: '{"start_local":"2025-08-14T22:49:07",...}\n' }) },
        "text/csv": { schema: z.string().openapi({ description: "RFC 4180 CSV with a header row", example: `${CSV_COLUMNS.join(",")}\r\n...` }) },
      },
    },
    ...notModified,
    422: problemResponse("A parameter is out of range or of the wrong type, or the cursor belongs to another query"),
    ...guarded,
    503: unavailable,
  },
});

/** GET /get_pipeline_info: the original listing, with richer filters, orders, cursors and exports. */
export function runsRoutes(repository: RunRepository) {
  return new OpenAPIHono({ defaultHook: validationHook }).openapi(getRunsRoute, async (c) => {
    const query = c.req.valid("query");
    const filter = toRunFilter(query);
    const order = query.order_by ?? NEWEST_FIRST;
    const format = requestedFormat(query.format, c.req.header("accept"));
    const fingerprint = queryFingerprint(filter, order);

    let after: Keyset | undefined;
    if (query.cursor !== undefined && !query.all_data) {
      const decoded = decodeCursor(query.cursor, fingerprint, order);
      if (!decoded.ok) return problemJson(c, 422, `cursor ${decoded.reason}`, { errors: [{ location: "query", field: "cursor", message: decoded.reason }] });
      after = decoded.keyset;
    }

    if (query.all_data) {
      // Too large to hash: the tag is the store's version of its data and the query's fingerprint,
      // so a dashboard polling every match downloads nothing while nothing changed.
      const version = await repository.dataVersion();
      if (version !== null) {
        const tag = `W/"${version}.${fingerprint}.${format}"`;
        c.header("etag", tag);
        c.header("cache-control", "no-cache");
        if (noneMatch(c.req.header("if-none-match"), tag)) return c.body(null, 304);
      }
    }

    if (format === "ndjson" && query.all_data && repository.streamRunsJson) {
      const { body, headers } = exportDownload(format, { encoded: repository.streamRunsJson(filter, order, new Set(), undefined, "\n") });
      return c.body(body, 200, headers);
    }

    if (format !== "json") {
      const runs = query.all_data
        ? repository.streamRuns(filter, order)
        : (async function* () {
            yield* (await repository.findRuns({ filter, order, limit: query.limit, offset: query.offset, after, includeTotal: false })).runs;
          })();
      const { body, headers } = exportDownload(format, runs);
      return c.body(body, 200, headers);
    }

    if (query.all_data) {
      // The total of the snapshot the runs come from where the store has one, so both agree
      // even when a write lands meanwhile; else a count of its own.
      let total: number | undefined;
      const countTotal = async () => total ?? (await repository.countRuns(filter));
      if (repository.streamRunsJson) {
        const names = new Set<string>();
        const chunks = repository.streamRunsJson(filter, order, names, (n) => {
          total = n;
        });
        return c.body(streamEncodedEnvelope(countTotal, chunks, names), 200, { "content-type": "application/json" });
      }
      const runs = repository.streamRuns(filter, order, (n) => {
        total = n;
      });
      return c.body(streamRunEnvelope(countTotal, runs), 200, { "content-type": "application/json" });
    }

    const page = await repository.findRuns({ filter, order, limit: query.limit, offset: query.offset, after, includeTotal: query.include_total });
    const names = new Set<string>();
    for (const run of page.runs) if (run.pipeline_name !== null) names.add(run.pipeline_name);
    return c.json(
      {
        total: page.total,
        count: page.runs.length,
        results: page.runs,
        pipelines: [...names].sort(),
        next_cursor: page.next ? encodeCursor(page.next, fingerprint) : null,
      },
      200,
    );
  });
}
