import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { isEmptyFilter } from "../domain/retention.ts";
import { ConflictError, InvalidInputError } from "../errors.ts";
import { problemResponse, validationHook } from "../http/problem.ts";
import { filterParams, toRunFilter } from "../http/schemas/filter-query.ts";
import { blankToUndefined, queryBoolean } from "../http/schemas/query-values.ts";
import type { RunRepository } from "../repository/port.ts";
import type { RetentionJob } from "../retention.ts";
import { KEY_SECURITY, writeGuarded } from "./responses.ts";

const flag = (description: string) => z.preprocess(blankToUndefined, queryBoolean.default(false)).openapi({ description, default: false });

const deleteRunsRoute = (security: typeof KEY_SECURITY) =>
  createRoute({
    method: "delete",
    path: "/pipelines/runs",
    tags: ["runs"],
    summary: "Delete the runs a filter selects",
    description:
      "Removes every stored run matching the same filters as /get_pipeline_info (limit, order and cursors do not apply). " +
      "`dry_run=true` only counts them. A request without any filter is refused unless `all=true` says that every run " +
      "is meant. Runs stored while the deletion runs are kept. With the JSONL store the file is rewritten without them " +
      "(and, with PIPELINE_JSONL_ARCHIVE_DELETED, they are archived beside it first).",
    security,
    request: {
      query: z.object({
        ...filterParams,
        dry_run: flag("Count the runs that would be deleted; delete nothing"),
        all: flag("Confirms that a request without filters means every run"),
      }),
    },
    responses: {
      200: {
        description: "How many runs were deleted (or would be, with dry_run)",
        content: {
          "application/json": {
            schema: z.object({ deleted: z.int().openapi({ example: 120 }), dry_run: z.boolean().openapi({ example: false }) }).openapi("DeleteRunsResult"),
          },
        },
      },
      422: problemResponse("A filter is invalid, or no filter was given without all=true"),
      ...writeGuarded,
    },
  });

const RetentionReportSchema = z
  .object({
    dry_run: z.boolean(),
    deleted: z.int().openapi({ description: "Runs removed by all rules (with dry_run: matched, counted once per rule)", example: 42 }),
    rules: z.array(z.object({ rule: z.string().openapi({ example: "environment=dev older than 7 days" }), deleted: z.int() })),
  })
  .openapi("RetentionReport");

const retentionRoute = (security: typeof KEY_SECURITY) =>
  createRoute({
    method: "post",
    path: "/pipelines/retention",
    tags: ["runs"],
    summary: "Apply the retention rules now",
    description: "Runs the configured retention (PIPELINE_RETENTION_DAYS, PIPELINE_RETENTION_RULES) at once instead of at its next hourly pass.",
    security,
    request: { query: z.object({ dry_run: flag("Count what each rule would remove; delete nothing") }) },
    responses: {
      200: { description: "What each rule removed", content: { "application/json": { schema: RetentionReportSchema } } },
      409: problemResponse("No retention is configured"),
      422: problemResponse("A parameter is invalid"),
      ...writeGuarded,
    },
  });

export interface DeletionOptions {
  retention: RetentionJob | undefined;
  /** Whether writes need an API key: only then does the document ask for one. */
  secured: boolean;
  /** Told how many runs each deletion here removed. */
  onDeleted: (count: number) => void;
}

/** Deletion by filter and on-demand retention. */
export function deletionRoutes(repository: RunRepository, { retention, secured, onDeleted }: DeletionOptions) {
  const security = secured ? KEY_SECURITY : [];
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(deleteRunsRoute(security), async (c) => {
      const { dry_run: dryRun, all, ...params } = c.req.valid("query");
      const filter = toRunFilter(params);
      if (isEmptyFilter(filter) && !all) throw new InvalidInputError("all", "no filter given: add filters, or all=true to delete every run");
      const deleted = dryRun ? await repository.countRuns(filter) : await repository.deleteRuns(filter);
      if (!dryRun && deleted > 0) onDeleted(deleted);
      return c.json({ deleted, dry_run: dryRun }, 200);
    })
    .openapi(retentionRoute(security), async (c) => {
      if (!retention?.rules.length) throw new ConflictError("no retention is configured: set PIPELINE_RETENTION_DAYS or PIPELINE_RETENTION_RULES");
      const report = await retention.runNow({ dryRun: c.req.valid("query").dry_run });
      return c.json({ dry_run: report.dryRun, deleted: report.deleted, rules: report.rules }, 200);
    });
}
