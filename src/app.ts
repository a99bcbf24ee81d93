import { OpenAPIHono } from "@hono/zod-openapi";
import { methodNotAllowed } from "hono/method-not-allowed";
import { problem, errorResponse, validationHook } from "./http/problem.ts";
import { type Logger, silentLogger } from "./logger.ts";
import type { RunRepository } from "./repository/port.ts";
import { type DocsAssetLoader, docsRoutes } from "./routes/docs.ts";
import { healthRoutes } from "./routes/health.ts";
import { runsRoutes } from "./routes/runs.ts";
import { VERSION } from "./version.ts";

export interface AppOptions {
  repository: RunRepository;
  logger?: Logger;
  version?: string;
  /** Serves the Swagger UI files for /docs; without it /docs has no assets. */
  docsAssets?: DocsAssetLoader;
  /** Largest accepted request body (default 1 MiB). */
  maxBodyBytes?: number;
}

export const OPENAPI_INFO = {
  openapi: "3.1.0",
  info: {
    title: "Pipeline Service",
    version: VERSION,
    description: "Stores one record per batch-pipeline run and serves it back: runs, filters, summaries.",
  },
} as const;

/**
 * The HTTP app, free of runtime-specific APIs: it runs wherever Hono runs, with whatever store
 * it is given.
 */
export function createApp(options: AppOptions) {
  const { repository, logger = silentLogger, version = VERSION } = options;
  const app = new OpenAPIHono({ defaultHook: validationHook });

  app.use(methodNotAllowed({ app, onMethodNotAllowed: (c, methods) => problem(405, `${c.req.method} is not allowed here; use ${methods.join(", ")}`, { headers: { allow: methods.join(", ") } }) }));

  const routes = app
    .route("/", runsRoutes(repository, { maxBodyBytes: options.maxBodyBytes }))
    .route("/", healthRoutes(repository, version))
    .route("/", docsRoutes(options.docsAssets));

  app.doc31("/openapi.json", { ...OPENAPI_INFO, info: { ...OPENAPI_INFO.info, version } });
  app.notFound((c) => problem(404, `No route for ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => errorResponse(error, c, logger));
  return routes;
}

export type AppType = ReturnType<typeof createApp>;
