import { dirname, join } from "node:path";
import { Duplex } from "node:stream";
import { fileURLToPath } from "node:url";
import { createBrotliCompress, constants as zlib } from "node:zlib";
import { createApp } from "./app.ts";
import { type Config, ConfigError, loadConfig, retentionRules, unknownVariables } from "./config.ts";
import { type Encoder, type Encoders, STANDARD_ENCODERS } from "./http/compression.ts";
import { createLogger, type Logger } from "./logger.ts";
import type { RunRepository } from "./repository/port.ts";
import { createRetentionJob, type RetentionJob } from "./retention.ts";
import type { DocsAssetLoader } from "./routes/docs.ts";
import type { UiAssetLoader } from "./routes/ui.ts";
import { buildUiAssets } from "./ui-bundle.ts";
import { VERSION } from "./version.ts";

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

/** Loads only the chosen store's code: a JSONL deployment never loads the Oracle driver. */
async function createRepository(config: Config, logger: Logger): Promise<RunRepository> {
  switch (config.PIPELINE_BACKEND) {
    case "jsonl": {
      const [{ createJsonlRepository }, { jsonlStoreOptions }] = await Promise.all([
        import("./repository/jsonl/jsonl-repository.ts"),
        import("./repository/jsonl/settings.ts"),
      ]);
      return createJsonlRepository({ ...jsonlStoreOptions(config), logger });
    }
    case "memory": {
      const { createMemoryRepository } = await import("./repository/memory.ts");
      return createMemoryRepository();
    }
    case "oracle": {
      const [{ createOracleRepository }, { oracleStoreSettings }] = await Promise.all([
        import("./repository/oracle/oracle-repository.ts"),
        import("./repository/oracle/settings.ts"),
      ]);
      // Never waits for the database: the service starts while it is down and answers 503.
      return createOracleRepository(oracleStoreSettings(config), { logger });
    }
  }
}

const swaggerDir = dirname(fileURLToPath(import.meta.resolve("swagger-ui-dist/package.json")));
const loadSwaggerAsset: DocsAssetLoader = async (file) => {
  const asset = Bun.file(join(swaggerDir, file));
  return (await asset.exists()) ? asset.bytes() : null;
};

/** Keys from PIPELINE_API_KEYS and the lines of PIPELINE_API_KEYS_FILE (a mounted secret). */
async function readApiKeys(config: Config, logger: Logger): Promise<string[]> {
  const keys = [...(config.PIPELINE_API_KEYS ?? [])];
  if (config.PIPELINE_API_KEYS_FILE) {
    const file = Bun.file(config.PIPELINE_API_KEYS_FILE);
    if (!(await file.exists()))
      throw new ConfigError(`invalid configuration: PIPELINE_API_KEYS_FILE: no such file ${JSON.stringify(config.PIPELINE_API_KEYS_FILE)}`);
    const lines = (await file.text()).split(/\r?\n/).map((l) => l.trim());
    keys.push(...lines.filter((l) => l && !l.startsWith("#")));
  }
  if (keys.some((k) => /\s/.test(k))) throw new ConfigError("invalid configuration: PIPELINE_API_KEYS: keys must not contain white space");
  if (keys.length === 0) {
    logger.warn("no API keys configured: anyone who can reach the service can write runs (set PIPELINE_API_KEYS or PIPELINE_API_KEYS_FILE)");
    if (config.PIPELINE_READ_AUTH)
      logger.warn("PIPELINE_READ_AUTH has no effect without API keys: reads stay open (set PIPELINE_API_KEYS or PIPELINE_API_KEYS_FILE)");
  } else if (keys.some((k) => k.length < 16)) {
    logger.warn("some API keys are shorter than 16 characters; use long random keys");
  }
  return keys;
}

/** gzip first on a tie: on run records it is as small as br at quality 4 and faster (see
 * docs/performance.md). br goes through node:zlib because Bun's CompressionStream("brotli")
 * runs at quality 11, far too slow for large answers. */
const ENCODERS: Encoders = {
  gzip: STANDARD_ENCODERS.gzip as Encoder,
  br: () => Duplex.toWeb(createBrotliCompress({ params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } })) as unknown as ReadableWritablePair<Uint8Array, BufferSource>,
  ...STANDARD_ENCODERS,
};

/** A refused body is read to its end up to this size, so that the client sees the answer. */
const drainBodyBytes = (config: Config) => Math.max(64 * 1024 * 1024, 2 * Math.max(config.PIPELINE_MAX_BODY_BYTES, config.PIPELINE_MAX_BATCH_BYTES));

/** The address people can open: a wildcard bind is reachable as localhost on this machine. */
const browsableUrl = (hostname: string, port: number) => {
  const host = hostname === "0.0.0.0" || hostname === "::" ? "localhost" : hostname.includes(":") ? `[${hostname}]` : hostname;
  return `http://${host}:${port}/`;
};

const config = readConfig();
const logger = createLogger(config.LOG_LEVEL);
for (const { name, nearest } of unknownVariables(process.env)) {
  logger.warn(`unknown variable ${name} is ignored; did you mean ${nearest}?`, { variable: name, nearest });
}

type Handler = (request: Request, ip: string | undefined) => Response | Promise<Response>;
/** Until the app exists (a moment after binding, while the store's code loads), requests are
 * told to retry: probes in the shape /health always has, everything else as problem+json. */
let handle: Handler = (request) => {
  const path = new URL(request.url).pathname;
  const headers = { "retry-after": "1", "cache-control": "no-store" };
  if (path === "/health")
    return Response.json(
      { status: "starting", backend: config.PIPELINE_BACKEND, version: VERSION, reason: "the service is starting" },
      { status: 503, headers },
    );
  if (path === "/health/ready") return Response.json({ status: "not_ready", reason: "the service is starting" }, { status: 503, headers });
  const problem = { type: "about:blank", title: "Service Unavailable", status: 503, detail: "The service is starting; retry in a moment" };
  return new Response(JSON.stringify(problem), { status: 503, headers: { ...headers, "content-type": "application/problem+json" } });
};

/** Binds first, so that a taken port stops startup before any store is opened. */
function serve() {
  try {
    return Bun.serve({
      port: config.PORT,
      hostname: config.HOST,
      // Never share the port: a second instance would get half the connections, maybe of another store.
      reusePort: false,
      fetch: (request, bunServer) => handle(request, bunServer.requestIP(request)?.address),
      // The app answers every oversized body itself (problem+json, logged, counted); Bun's own
      // cap only has to stop what the app would not even read.
      maxRequestBodySize: 2 * drainBodyBytes(config),
      // Seconds a connection may stay silent: slow or stalled clients cannot hold sockets forever.
      idleTimeout: Math.min(255, Math.ceil(config.PIPELINE_REQUEST_TIMEOUT_MS / 1000) + 5),
      // Never Bun's development error pages: errors are answered by the app as problem+json.
      development: false,
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EADDRINUSE") console.error(`PORT ${config.PORT} is already in use on ${config.HOST}: stop the other process or set PORT to a free port`);
    else if (code === "EADDRNOTAVAIL") console.error(`HOST ${config.HOST} is not an address of this machine: set HOST to one of its addresses, or 0.0.0.0`);
    else
      console.error(
        `cannot listen on HOST ${config.HOST}, PORT ${config.PORT} (is HOST a name or address of this machine?): ${error instanceof Error ? error.message : String(error)}`,
      );
    process.exit(2);
  }
}

const server = serve();
let stopping = false;
/** Set once created: a signal may arrive while the store's code still loads. */
let repository: RunRepository | undefined;
let retention: RetentionJob | undefined;
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
let apiKeys: string[];
let uiAssets: UiAssetLoader;
try {
  uiAssets = await buildUiAssets();
  apiKeys = await readApiKeys(config, logger);
  repository = await createRepository(config, logger);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
const store = repository;
const job = createRetentionJob({ repository: store, rules: retentionRules(config), intervalMs: config.PIPELINE_RETENTION_INTERVAL_MINUTES * 60_000, logger });
retention = job;
const app = createApp({
  repository: store,
  logger,
  docsAssets: loadSwaggerAsset,
  uiAssets,
  maxBodyBytes: config.PIPELINE_MAX_BODY_BYTES,
  maxBatch: config.PIPELINE_MAX_BATCH,
  maxBatchBytes: config.PIPELINE_MAX_BATCH_BYTES,
  rowcountDropFraction: config.PIPELINE_ROWCOUNT_DROP_FRACTION,
  lateFactor: config.PIPELINE_LATE_FACTOR,
  auth: apiKeys.length ? { keys: apiKeys, protectReads: config.PIPELINE_READ_AUTH } : undefined,
  corsOrigins: config.PIPELINE_CORS_ORIGINS,
  rateLimitPerSecond: config.PIPELINE_RATE_LIMIT,
  requestTimeoutMs: config.PIPELINE_REQUEST_TIMEOUT_MS,
  metricsMaxPipelines: config.PIPELINE_METRICS_MAX_PIPELINES,
  lifecycle: { isShuttingDown: () => stopping },
  retention: job,
  encoders: ENCODERS,
  drainBodyBytes: drainBodyBytes(config),
});
handle = (request, ip) => app.fetch(request, { ip });

const url = browsableUrl(config.HOST, server.port ?? config.PORT);
logger.info("listening", {
  url,
  docs: `${url}docs`,
  bind: `${config.HOST}:${server.port}`,
  backend: store.backend,
  ...(config.PIPELINE_BACKEND === "jsonl" ? { path: config.PIPELINE_JSONL_PATH } : {}),
  auth: apiKeys.length ? (config.PIPELINE_READ_AUTH ? "reads and writes" : "writes") : "off",
});
if (!stopping) {
  void announceReady();
  job.start();
}

/** One "ready" line once the store serves (the index built, the database reached); until then,
 * what the store is waiting for, each time it changes. */
async function announceReady() {
  let said = "";
  for (;;) {
    const h = await store.health();
    if (stopping) return;
    if (h.status === "healthy") {
      logger.info("ready", { url, records: h.records, ...(h.readOnly ? { read_only: h.readOnly } : {}) });
      return;
    }
    const now = `${h.status}: ${h.reason ?? ""}`;
    if (now !== said && h.status !== "starting") logger.warn("store not ready", { backend: store.backend, ...h });
    said = now;
    await Bun.sleep(h.status === "starting" ? 100 : 2000);
  }
}

/**
 * SIGTERM/SIGINT: readiness turns 503 at once, the listener closes, in-flight requests finish
 * (bounded by PIPELINE_SHUTDOWN_TIMEOUT_MS, then connections are cut), pending appends are
 * flushed and fsynced and pools closed, exit 0.
 */
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info("shutting down", { signal, timeout_ms: config.PIPELINE_SHUTDOWN_TIMEOUT_MS });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const graceful = server.stop(false).then(() => true);
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), config.PIPELINE_SHUTDOWN_TIMEOUT_MS);
  });
  if (!(await Promise.race([graceful, deadline]))) {
    logger.warn("in-flight requests did not finish in time; closing connections");
    await server.stop(true);
  }
  clearTimeout(timer);
  retention?.stop();
  await repository?.close();
  logger.info("stopped");
  process.exit(0);
}
