import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createApp } from "./app.ts";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { type Logger, createLogger } from "./logger.ts";
import { createJsonlRepository } from "./repository/jsonl/jsonl-repository.ts";
import { createMemoryRepository } from "./repository/memory.ts";
import { createOracleRepository } from "./repository/oracle/oracle-repository.ts";
import { oracleStoreSettings } from "./repository/oracle/settings.ts";
import type { RunRepository } from "./repository/port.ts";
import type { DocsAssetLoader } from "./routes/docs.ts";

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
      return createJsonlRepository({ path: config.PIPELINE_JSONL_PATH, fsync: config.PIPELINE_JSONL_FSYNC, logger });
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

const config = readConfig();
const logger = createLogger(config.LOG_LEVEL);
let repository: RunRepository;
try {
  repository = await createRepository(config, logger);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
const app = createApp({ repository, logger, docsAssets: loadSwaggerAsset, maxBodyBytes: config.PIPELINE_MAX_BODY_BYTES });
const server = Bun.serve({ port: config.PORT, hostname: config.HOST, fetch: app.fetch, maxRequestBodySize: config.PIPELINE_MAX_BODY_BYTES + 1024 });
logger.info("listening", { url: server.url.href, backend: repository.backend });
void repository.health().then((h) => logger.info("store status", { backend: repository.backend, ...h }));

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info("shutting down", { signal });
  await server.stop();
  await repository.close();
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
