import assert from "node:assert/strict";
import { createApp } from "../../../src/app.ts";
import { createOracleRepository } from "../../../src/repository/oracle/oracle-repository.ts";
import { sampleBody } from "../../support/runs.ts";
import { closingListener, type FakeListener, refusedPort, refusingListener, silentListener } from "./fake-listeners.ts";

/**
 * The real node-oracledb driver, in Thin mode, against local listeners that behave like a
 * database that is not there. Every request must become a 503 problem and /health "unhealthy";
 * nothing may crash the process. Timeouts are short so each case ends within seconds. Plain
 * node:assert and node:net, so the same cases run under Bun's test runner and under Node.
 */
export interface ConnectionFault {
  name: string;
  /** Starts the listener (tracked in `listeners` for closing) and answers its port. */
  start(listeners: FakeListener[]): Promise<number>;
  /** What /health's reason must match: the driver's error for this fault. */
  reason: RegExp;
}

const tracked = (open: () => Promise<FakeListener>) => async (listeners: FakeListener[]) => {
  const listener = await open();
  listeners.push(listener);
  return listener.port;
};

export const CONNECTION_FAULTS: ConnectionFault[] = [
  { name: "a refused port", start: refusedPort, reason: /NJS-503/ },
  { name: "a listener that never answers (connect timeout)", start: tracked(silentListener), reason: /NJS-510/ },
  { name: "a listener that closes the connection", start: tracked(closingListener), reason: /NJS-50[01]|NJS-521/ },
  { name: "a listener that refuses the service", start: tracked(() => refusingListener()), reason: /NJS-518/ },
];

const PASSWORD = "Sup3r-secret-pw";

/** Runs one fault case end to end; throws an AssertionError on the first wrong answer. */
export async function checkConnectionFault(fault: ConnectionFault, listeners: FakeListener[]): Promise<void> {
  const port = await fault.start(listeners);
  const repository = createOracleRepository(
    {
      connectString: `127.0.0.1:${port}/FREEPDB1`,
      user: "pipeline",
      password: PASSWORD,
      table: "PIPELINE_RUNS",
      poolMin: 1,
      connectTimeoutSeconds: 1,
      queueTimeoutSeconds: 3,
    },
    { healthTtlMs: 0 },
  );
  const app = createApp({ repository });

  const responses = [
    await app.request("/get_pipeline_info?limit=5"),
    await app.request("/get_pipeline_info?all_data=true"),
    await app.request("/pipelines"),
    await app.request("/pipelines", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(sampleBody()) }),
  ];
  for (const response of responses) {
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("content-type"), "application/problem+json");
    assert.ok(Number(response.headers.get("retry-after")) > 0, "Retry-After is a positive number of seconds");
    assert.ok(!(await response.text()).includes(PASSWORD), "the answer does not leak the password");
  }

  const health = await app.request("/health");
  assert.equal(health.status, 503);
  const body = (await health.json()) as { status: string; reason: string };
  assert.equal(body.status, "unhealthy");
  assert.match(body.reason, fault.reason);
  assert.ok(!body.reason.includes(PASSWORD), "the health reason does not leak the password");

  const closing = Date.now();
  await repository.close();
  assert.ok(Date.now() - closing < 4000, `close took ${Date.now() - closing} ms`);
}
