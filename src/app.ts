import { OpenAPIHono } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { timeout } from "hono/timeout";
import { APP_DEFAULTS } from "./app-defaults.ts";
import { apiKeyMiddleware } from "./http/api-keys.ts";
import type { AppEnv } from "./http/app-env.ts";
import { DEFAULT_DRAIN_BYTES, drainUnreadBody } from "./http/body-limit.ts";
import { compression, type Encoders, STANDARD_ENCODERS } from "./http/compression.ts";
import { conditionalGet } from "./http/conditional.ts";
import { instrumentRepository } from "./http/instrumented-repository.ts";
import { methodGuard } from "./http/method-guard.ts";
import { errorResponse, problem, validationHook } from "./http/problem.ts";
import { rateLimit } from "./http/rate-limit.ts";
import { requestLog } from "./http/request-log.ts";
import { queryBoolean } from "./http/schemas/query-values.ts";
import { securityHeaders } from "./http/security-headers.ts";
import { createServiceMetrics } from "./http/service-metrics.ts";
import { BackoffLog } from "./log-backoff.ts";
import { type Logger, silentLogger } from "./logger.ts";
import type { RunRepository } from "./repository/port.ts";
import type { RetentionJob } from "./retention.ts";
import { deletionRoutes } from "./routes/deletion.ts";
import { type DocsAssetLoader, docsRoutes } from "./routes/docs.ts";
import { healthRoutes, type Lifecycle } from "./routes/health.ts";
import { ingestRoutes } from "./routes/ingest.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { pipelinesRoutes } from "./routes/pipelines.ts";
import { KEY_SECURITY } from "./routes/responses.ts";
import { runsRoutes } from "./routes/runs.ts";
import { type UiAssetLoader, uiRoutes } from "./routes/ui.ts";
import { VERSION } from "./version.ts";

export interface AppOptions {
  repository: RunRepository;
  logger?: Logger;
  version?: string;
  /** Serves the Swagger UI files for /docs; without it /docs has no assets. */
  docsAssets?: DocsAssetLoader;
  /** Serves the web page's scripts and styles for /ui; without it the page has no assets. */
  uiAssets?: UiAssetLoader;
  /** Largest accepted request body (default 1 MiB). */
  maxBodyBytes?: number;
  /** Most records and bytes in one POST /pipelines/batch (defaults 10,000 and 16 MiB). */
  maxBatch?: number;
  maxBatchBytes?: number;
  /** rowcount_drop: the last rowcount below this fraction of the median (default 0.5). */
  rowcountDropFraction?: number;
  /** late: the last start older than this many typical intervals (default 2). */
  lateFactor?: number;
  /** The clock late detection uses, epoch ms (default Date.now). */
  now?: () => number;
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
  /** Age-based retention, applied on demand by POST /pipelines/retention; the caller schedules it. */
  retention?: RetentionJob;
  /** Response encodings offered, preferred first (default gzip and deflate via CompressionStream). */
  encoders?: Encoders;
  /** A refused request body is still read up to this many bytes so the client sees the answer
   * (default 64 MiB); the runtime's own body cap must lie above it. */
  drainBodyBytes?: number;
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
  const healthFlags = {
    rowcountDropFraction: options.rowcountDropFraction ?? APP_DEFAULTS.rowcountDropFraction,
    lateFactor: options.lateFactor ?? APP_DEFAULTS.lateFactor,
    now: options.now ?? Date.now,
  };
  const metrics = createServiceMetrics(options.repository.backend, options.metricsMaxPipelines);
  const repository = instrumentRepository(options.repository, (operation, seconds) => metrics.storeLatency.observe(seconds, { operation }));
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  options.retention?.onDeleted((count) => metrics.deleted.inc({ reason: "retention" }, count));

  app.use(requestLog(logger, metrics));
  const limitMs = options.requestTimeoutMs ?? APP_DEFAULTS.requestTimeoutMs;
  app.use(drainUnreadBody(options.drainBodyBytes ?? DEFAULT_DRAIN_BYTES, limitMs));
  app.use(securityHeaders);
  app.use(compression(options.encoders ?? STANDARD_ENCODERS));
  if (options.corsOrigins?.length) {
    const origins = options.corsOrigins;
    app.use(
      cors({
        origin: origins.includes("*") ? "*" : [...origins],
        allowMethods: ["GET", "HEAD", "POST", "DELETE", "OPTIONS"],
        allowHeaders: ["Authorization", "X-API-Key", "Content-Type", "X-Request-Id", "Idempotency-Key"],
        exposeHeaders: ["X-Request-Id", "Retry-After", "Content-Disposition"],
        maxAge: 600,
      }),
    );
  }
  app.use(methodGuard(app));
  const secured = Boolean(options.auth?.keys.length);
  if (options.auth && secured) app.use(apiKeyMiddleware(options.auth));
  if (options.rateLimitPerSecond) app.use(rateLimit(options.rateLimitPerSecond));
  app.use(timeout(limitMs, () => new HTTPException(503, { message: `The request took longer than ${limitMs} ms` })));

  for (const path of ["/pipelines", "/pipelines/history"]) app.get(path, conditionalGet());
  app.get(
    "/get_pipeline_info",
    conditionalGet((c) => queryBoolean.safeParse(c.req.query("all_data")).data === true),
  );

  const routes = app
    .route("/", runsRoutes(repository))
    .route("/", pipelinesRoutes(repository, healthFlags))
    .route(
      "/",
      ingestRoutes(repository, {
        maxBodyBytes: options.maxBodyBytes ?? APP_DEFAULTS.maxBodyBytes,
        maxBatch: options.maxBatch ?? APP_DEFAULTS.maxBatch,
        maxBatchBytes: options.maxBatchBytes ?? APP_DEFAULTS.maxBatchBytes,
        secured,
        onBatch: (accepted, rejected) => {
          metrics.accepted.inc({}, accepted);
          if (rejected) metrics.rejected.inc({ status: "batch" }, rejected);
        },
      }),
    )
    // Before the health routes: browsers asking for / get the page, API clients fall through.
    .route("/", uiRoutes(options.uiAssets))
    .route("/", deletionRoutes(repository, { retention: options.retention, secured, onDeleted: (count) => metrics.deleted.inc({ reason: "request" }, count) }))
    .route("/", healthRoutes(repository, version, lifecycle))
    .route("/", metricsRoutes(repository, metrics, healthFlags))
    .route("/", docsRoutes(options.docsAssets));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer", description: "Authorization: Bearer <API key>" });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKeyHeader", { type: "apiKey", in: "header", name: "X-API-Key" });
  const readSecurity = secured && options.auth?.protectReads ? { security: KEY_SECURITY } : {};
  app.doc31("/openapi.json", { ...OPENAPI_INFO, info: { ...OPENAPI_INFO.info, version }, ...readSecurity });
  app.notFound((c) => problem(404, `No route for ${c.req.method} ${c.req.path}`));
  const storeWarnings = new BackoffLog(logger);
  app.onError((error, c) => errorResponse(error, c, logger, storeWarnings));
  return routes;
}

export type AppType = ReturnType<typeof createApp>;
