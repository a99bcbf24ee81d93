import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import type { PipelineRun } from "../../src/domain/pipeline-info.ts";
import { createOracleRepository } from "../../src/repository/oracle/oracle-repository.ts";
import { buildUiAssets } from "../../src/ui-bundle.ts";
import { createSqliteOracle } from "../oracle/support/sqlite-oracle.ts";
import { startServer } from "../support/server-process.ts";
import { tempDir } from "../support/temp-dir.ts";

/** A service holding the fixture: one open (it accepts writes), one that needs `key` for reads. */
export interface Target {
  url: string;
  securedUrl: string;
  stop(): Promise<void>;
}

/** The service as users run it (`bun src/server.ts`) on a JSONL file holding `runs`. */
export async function jsonlService(runs: readonly PipelineRun[], key: string): Promise<Target> {
  const dir = await tempDir();
  const path = join(dir.dir, "runs.jsonl");
  await Bun.write(path, `${runs.map((r) => JSON.stringify(r)).join("\n")}\n`);
  // One after the other: the first takes the file's writer lock (tests POST to it), the second
  // serves the same file read-only.
  const open = await startServer({ PIPELINE_BACKEND: "jsonl", PIPELINE_JSONL_PATH: path });
  let secured: Awaited<ReturnType<typeof startServer>>;
  try {
    secured = await startServer({ PIPELINE_BACKEND: "jsonl", PIPELINE_JSONL_PATH: path, PIPELINE_API_KEYS: key, PIPELINE_READ_AUTH: "true" });
  } catch (error) {
    // Never leave a service behind when the setup fails half-way.
    await open.stop();
    await dir.remove();
    throw error;
  }
  return {
    url: open.url,
    securedUrl: secured.url,
    async stop() {
      await Promise.all([open.stop(), secured.stop()]);
      await dir.remove();
    },
  };
}

/** The app on the Oracle store, its SQL run by the SQLite-backed fake driver, served on loopback. */
export async function oracleStore(runs: readonly PipelineRun[], key: string): Promise<Target> {
  const fake = createSqliteOracle("PIPELINE_RUNS");
  const repository = createOracleRepository(
    { connectString: "db:1521/FREEPDB1", user: "pipeline", password: "pw", table: "PIPELINE_RUNS", columnMap: {} },
    { driver: fake.driver, healthTtlMs: 0 },
  );
  await repository.insertRuns(runs);
  const uiAssets = await buildUiAssets();
  const serve = (app: ReturnType<typeof createApp>) =>
    Bun.serve({ hostname: "127.0.0.1", port: 0, development: false, fetch: (request) => app.fetch(request) });
  const open = serve(createApp({ repository, uiAssets }));
  const secured = serve(createApp({ repository, uiAssets, auth: { keys: [key], protectReads: true } }));
  return {
    url: open.url.origin,
    securedUrl: secured.url.origin,
    async stop() {
      await Promise.all([open.stop(true), secured.stop(true)]);
      await repository.close();
      fake.close();
    },
  };
}
