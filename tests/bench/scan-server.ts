/** The full-scan store (a streaming scan of the file per request) behind the same app: the
 * benchmark's baseline over HTTP. */
import { createApp } from "../../src/app.ts";
import { createJsonlScanRepository } from "../support/jsonl-scan-repository.ts";

const repository = createJsonlScanRepository({ path: process.env.PIPELINE_JSONL_PATH ?? "pipeline_data.jsonl", fsync: "never" });
const app = createApp({ repository });
const server = Bun.serve({ hostname: "127.0.0.1", port: Number(process.env.PORT ?? 0), fetch: app.fetch });
process.on("SIGTERM", async () => {
  await server.stop();
  await repository.close();
  process.exit(0);
});
