import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { decodeCursor, encodeCursor, queryFingerprint } from "../domain/cursor.ts";
import { PipelineInfoResponseSchema } from "../domain/responses.ts";
import { toRunFilter } from "../domain/run-filter.ts";
import { NEWEST_FIRST } from "../domain/run-ordering.ts";
import { RunQuerySchema, requestedFormat } from "../domain/run-query.ts";
import { csvRow, CSV_COLUMNS, ndjsonLine, streamText } from "../http/export-stream.ts";
import { streamRunEnvelope } from "../http/json-stream.ts";
import { noneMatch } from "../http/conditional.ts";
import { problem, problemResponse, validationHook } from "../http/problem.ts";
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

const stamp = () => new Date().toISOString().replace(/[-:]/g, "").slice(0, 15);

/** GET /get_pipeline_info: the original listing, with richer filters, orders, cursors and exports. */
export function runsRoutes(repository: RunRepository) {
  return new OpenAPIHono({ defaultHook: validationHook }).openapi(getRunsRoute, async (c) => {
    const query = c.req.valid("query");
    const filter = toRunFilter(query);
    const order = query.order_by ?? NEWEST_FIRST;
    const format = requestedFormat(query.format, c.req.header("accept"));
    const fingerprint = queryFingerprint(filter, order);

    let after;
    if (query.cursor !== undefined && !query.all_data) {
      const decoded = decodeCursor(query.cursor, fingerprint, order);
      if (!decoded.ok) return problem(422, `cursor ${decoded.reason}`, { errors: [{ location: "query", field: "cursor", message: decoded.reason }] }) as never;
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
        if (noneMatch(c.req.header("if-none-match"), tag)) return c.body(null, 304) as never;
      }
    }

    if (format !== "json") {
      const runs = query.all_data
        ? repository.streamRuns(filter, order)
        : (async function* () {
            yield* (await repository.findRuns({ filter, order, limit: query.limit, offset: query.offset, after, includeTotal: false })).runs;
          })();
      const csv = format === "csv";
      const body = csv ? streamText(`${CSV_COLUMNS.join(",")}\r\n`, runs, csvRow) : streamText("", runs, ndjsonLine);
      return c.body(body, 200, {
        "content-type": csv ? "text/csv; charset=utf-8" : "application/x-ndjson",
        "content-disposition": `attachment; filename="pipeline_runs-${stamp()}.${csv ? "csv" : "ndjson"}"`,
      }) as never;
    }

    if (query.all_data) {
      // The total of the snapshot the runs come from where the store has one, so both agree
      // even when a write lands meanwhile; else a count of its own.
      let total: number | undefined;
      const runs = repository.streamRuns(filter, order, (n) => {
        total = n;
      });
      return c.body(streamRunEnvelope(async () => total ?? (await repository.countRuns(filter)), runs), 200, { "content-type": "application/json" }) as never;
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
