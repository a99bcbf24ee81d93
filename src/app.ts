import { OpenAPIHono } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { methodNotAllowed } from "hono/method-not-allowed";
import { timeout } from "hono/timeout";
import { apiKeyMiddleware } from "./http/api-keys.ts";
import type { AppEnv } from "./http/app-env.ts";
import { errorResponse, problem, validationHook } from "./http/problem.ts";
import { rateLimit } from "./http/rate-limit.ts";
import { requestLog } from "./http/request-log.ts";
import { securityHeaders } from "./http/security-headers.ts";
import { createServiceMetrics } from "./http/service-metrics.ts";
import { BackoffLog } from "./log-backoff.ts";
import { type Logger, silentLogger } from "./logger.ts";
import { instrumentRepository } from "./repository/instrumented.ts";
import type { RunRepository } from "./repository/port.ts";
import { type DocsAssetLoader, docsRoutes } from "./routes/docs.ts";
import { type Lifecycle, healthRoutes } from "./routes/health.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { ingestRoutes } from "./routes/ingest.ts";
import { pipelinesRoutes } from "./routes/pipelines.ts";
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
  /** Most records and bytes in one POST /pipelines/batch (defaults 10,000 and 16 MiB). */
  maxBatch?: number;
  maxBatchBytes?: number;
  /** rowcount_drop: the last rowcount below this fraction of the median (default 0.5). */
  rowcountDropFraction?: number;
  /** API keys: when given, writes need one, and reads too with `protectReads`. */
  auth?: { keys: readonly string[]; protectReads: boolean };
  /** Origins allowed to call from browsers ("*" for any); no CORS headers when absent. */
  corsOrigins?: readonly string[];
  /** Requests per second per API key (or client address); unlimited when absent. */
  rateLimitPerSecond?: number;
  /** A request still unanswered after this long gets 503 (default 30 s). */
  requestTimeoutMs?: number;
  /** Cap on per-pipeline metric series (default 200). */
  metricsMaxPipelines?: number;
  lifecycle?: Lifecycle;
}

const NOT_SHUTTING_DOWN: Lifecycle = { isShuttingDown: () => false };

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
  const { logger = silentLogger, version = VERSION, lifecycle = NOT_SHUTTING_DOWN } = options;
  const metrics = createServiceMetrics(options.repository.backend, options.metricsMaxPipelines);
  const repository = instrumentRepository(options.repository, (operation, seconds) => metrics.storeLatency.observe(seconds, { operation }));
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use(requestLog(logger, metrics));
  app.use(securityHeaders);
  if (options.corsOrigins?.length) {
    const origins = options.corsOrigins;
    app.use(
      cors({
        origin: origins.includes("*") ? "*" : [...origins],
        allowMethods: ["GET", "HEAD", "POST", "OPTIONS"],
        allowHeaders: ["Authorization", "X-API-Key", "Content-Type", "X-Request-Id", "Idempotency-Key"],
        exposeHeaders: ["X-Request-Id", "Retry-After", "Content-Disposition"],
        maxAge: 600,
      }),
    );
  }
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => problem(405, `${c.req.method} is not allowed here; use ${methods.join(", ")}`, { headers: { allow: methods.join(", ") } }),
    }),
  );
  if (options.auth?.keys.length) app.use(apiKeyMiddleware(options.auth));
  if (options.rateLimitPerSecond) app.use(rateLimit(options.rateLimitPerSecond));
  const limitMs = options.requestTimeoutMs ?? 30_000;
  app.use(timeout(limitMs, () => new HTTPException(503, { message: `The request took longer than ${limitMs} ms` })));

  const routes = app
    .route("/", runsRoutes(repository))
    .route("/", pipelinesRoutes(repository, { rowcountDropFraction: options.rowcountDropFraction ?? 0.5 }))
    .route(
      "/",
      ingestRoutes(repository, {
        maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
        maxBatch: options.maxBatch ?? 10_000,
        maxBatchBytes: options.maxBatchBytes ?? 16 * 1024 * 1024,
        onBatch: (accepted, rejected) => {
          metrics.accepted.inc({}, accepted);
          if (rejected) metrics.rejected.inc({ status: "batch" }, rejected);
        },
      }),
    )
    .route("/", healthRoutes(repository, version, lifecycle))
    .route("/", metricsRoutes(repository, metrics))
    .route("/", docsRoutes(options.docsAssets));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer", description: "Authorization: Bearer <API key>" });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKeyHeader", { type: "apiKey", in: "header", name: "X-API-Key" });
  const security: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { apiKeyHeader: [] }];
  const readSecurity = options.auth?.keys.length && options.auth.protectReads ? { security } : {};
  app.doc31("/openapi.json", { ...OPENAPI_INFO, info: { ...OPENAPI_INFO.info, version }, ...readSecurity });
  app.notFound((c) => problem(404, `No route for ${c.req.method} ${c.req.path}`));
  const storeWarnings = new BackoffLog(logger);
  app.onError((error, c) => errorResponse(error, c, logger, storeWarnings));
  return routes;
}

export type AppType = ReturnType<typeof createApp>;
