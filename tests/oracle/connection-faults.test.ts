import { afterAll, describe, expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import { createOracleRepository } from "../../src/repository/oracle/oracle-repository.ts";
import { sampleBody } from "../support/runs.ts";
import { type FakeListener, closingListener, refusedPort, refusingListener, silentListener } from "./support/fake-listeners.ts";

/**
 * The real node-oracledb driver, in Thin mode, against local listeners that behave like a
 * database that is not there. Every request must become a 503 problem and /health "unhealthy";
 * nothing may crash the process. Timeouts are short so each case ends within seconds.
 */
const PASSWORD = "Sup3r-secret-pw";
const listeners: FakeListener[] = [];
afterAll(async () => {
  await Promise.all(listeners.map((l) => l.close()));
});

const scenarios: Array<[string, () => Promise<number>, RegExp]> = [
  ["a refused port", refusedPort, /NJS-503/],
  ["a listener that never answers (connect timeout)", async () => track(await silentListener()), /NJS-510/],
  ["a listener that closes the connection", async () => track(await closingListener()), /NJS-50[01]|NJS-521/],
  ["a listener that refuses the service", async () => track(await refusingListener()), /NJS-518/],
];

function track(listener: FakeListener): number {
  listeners.push(listener);
  return listener.port;
}

describe("the Oracle store with no database behind the connect string", () => {
  for (const [name, start, reason] of scenarios) {
    test(`${name}: 503 problems, unhealthy /health, the process stays up`, async () => {
      const port = await start();
      const repository = createOracleRepository({
        connectString: `127.0.0.1:${port}/FREEPDB1`,
        user: "pipeline",
        password: PASSWORD,
        table: "PIPELINE_RUNS",
        poolMin: 1,
        connectTimeoutSeconds: 1,
        queueTimeoutSeconds: 3,
      }, { healthTtlMs: 0 });
      const app = createApp({ repository });

      const responses = [
        await app.request("/get_pipeline_info?limit=5"),
        await app.request("/get_pipeline_info?all_data=true"),
        await app.request("/pipelines"),
        await app.request("/pipelines", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(sampleBody()) }),
      ];
      for (const response of responses) {
        expect(response.status).toBe(503);
        expect(response.headers.get("content-type")).toBe("application/problem+json");
        expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(await response.text()).not.toContain(PASSWORD);
      }

      const health = await app.request("/health");
      expect(health.status).toBe(503);
      const body = (await health.json()) as { status: string; reason: string };
      expect(body.status).toBe("unhealthy");
      expect(body.reason).toMatch(reason);
      expect(body.reason).not.toContain(PASSWORD);

      const closing = Date.now();
      await repository.close();
      expect(Date.now() - closing).toBeLessThan(4000);
    }, 30_000);
  }
});
