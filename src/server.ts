import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createApp } from "./app.ts";
import { type Config, ConfigError, loadConfig, retentionRules } from "./config.ts";
import { type Logger, createLogger } from "./logger.ts";
import { createJsonlRepository } from "./repository/jsonl/jsonl-repository.ts";
import { createMemoryRepository } from "./repository/memory.ts";
import { createOracleRepository } from "./repository/oracle/oracle-repository.ts";
import { oracleStoreSettings } from "./repository/oracle/settings.ts";
import type { RunRepository } from "./repository/port.ts";
import type { DocsAssetLoader } from "./routes/docs.ts";
import { createRetentionJob } from "./retention.ts";

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

async function createRepository(config: Config, logger: Logger): Promise<RunRepository> {
  switch (config.PIPELINE_BACKEND) {
    case "jsonl":
      return createJsonlRepository({
        path: config.PIPELINE_JSONL_PATH,
        fsync: config.PIPELINE_JSONL_FSYNC,
        archiveDeleted: config.PIPELINE_JSONL_ARCHIVE_DELETED,
        logger,
      });
    case "memory":
      return createMemoryRepository();
    case "oracle":
      // Never waits for the database: the service starts while it is down and answers 503.
      return createOracleRepository(oracleStoreSettings(config), { logger });
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
    if (!(await file.exists())) throw new ConfigError(`invalid configuration: PIPELINE_API_KEYS_FILE: no such file ${JSON.stringify(config.PIPELINE_API_KEYS_FILE)}`);
    const lines = (await file.text()).split(/\r?\n/).map((l) => l.trim());
    keys.push(...lines.filter((l) => l && !l.startsWith("#")));
  }
  if (keys.some((k) => /\s/.test(k))) throw new ConfigError("invalid configuration: PIPELINE_API_KEYS: keys must not contain white space");
  if (keys.length === 0) {
    logger.warn("no API keys configured: anyone who can reach the service can write runs (set PIPELINE_API_KEYS or PIPELINE_API_KEYS_FILE)");
  } else if (keys.some((k) => k.length < 16)) {
    logger.warn("some API keys are shorter than 16 characters; use long random keys");
  }
  return keys;
}

const config = readConfig();
const logger = createLogger(config.LOG_LEVEL);
let repository: RunRepository;
let apiKeys: string[];
try {
  apiKeys = await readApiKeys(config, logger);
  repository = await createRepository(config, logger);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}

const retention = createRetentionJob({ repository, rules: retentionRules(config), intervalMs: config.PIPELINE_RETENTION_INTERVAL_MINUTES * 60_000, logger });
let stopping = false;
const app = createApp({
  repository,
  logger,
  docsAssets: loadSwaggerAsset,
  maxBodyBytes: config.PIPELINE_MAX_BODY_BYTES,
  maxBatch: config.PIPELINE_MAX_BATCH,
  maxBatchBytes: config.PIPELINE_MAX_BATCH_BYTES,
  rowcountDropFraction: config.PIPELINE_ROWCOUNT_DROP_FRACTION,
  auth: apiKeys.length ? { keys: apiKeys, protectReads: config.PIPELINE_READ_AUTH } : undefined,
  corsOrigins: config.PIPELINE_CORS_ORIGINS,
  rateLimitPerSecond: config.PIPELINE_RATE_LIMIT,
  requestTimeoutMs: config.PIPELINE_REQUEST_TIMEOUT_MS,
  metricsMaxPipelines: config.PIPELINE_METRICS_MAX_PIPELINES,
  lifecycle: { isShuttingDown: () => stopping },
  retention,
});
const server = Bun.serve({
  port: config.PORT,
  hostname: config.HOST,
  fetch: (request, bunServer) => app.fetch(request, { ip: bunServer.requestIP(request)?.address }),
  maxRequestBodySize: Math.max(config.PIPELINE_MAX_BODY_BYTES, config.PIPELINE_MAX_BATCH_BYTES) + 1024,
  // Seconds a connection may stay silent: slow or stalled clients cannot hold sockets forever.
  idleTimeout: Math.min(255, Math.ceil(config.PIPELINE_REQUEST_TIMEOUT_MS / 1000) + 5),
  // Never Bun's development error pages: errors are answered by the app as problem+json.
  development: false,
});
logger.info("listening", { url: server.url.href, backend: repository.backend, auth: apiKeys.length ? (config.PIPELINE_READ_AUTH ? "reads and writes" : "writes") : "off" });
void repository.health().then((h) => logger.info("store status", { backend: repository.backend, ...h }));
retention.start();

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
  retention.stop();
  await repository.close();
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
