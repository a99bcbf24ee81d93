import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createApp } from "../../src/app.ts";
import { createMemoryRepository } from "../../src/repository/memory.ts";
import type { RunRepository } from "../../src/repository/port.ts";
import type { DocsAssetLoader } from "../../src/routes/docs.ts";

/** The same asset loader the server uses: files of the installed swagger-ui-dist. Resolved on
 * use, so the runtime matrix can load this module where there is no package resolution. */
export const swaggerAssets: DocsAssetLoader = async (file) => {
  const swaggerDir = dirname(fileURLToPath(import.meta.resolve("swagger-ui-dist/package.json")));
  const asset = Bun.file(join(swaggerDir, file));
  return (await asset.exists()) ? asset.bytes() : null;
};

export function testApp(repository: RunRepository = createMemoryRepository()) {
  return { app: createApp({ repository, docsAssets: swaggerAssets }), repository };
}

export const postJson = (body: unknown, headers: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: typeof body === "string" ? body : JSON.stringify(body),
});
