import { afterAll, describe, test } from "bun:test";
import { CONNECTION_FAULTS, checkConnectionFault } from "./support/connection-fault-cases.ts";
import type { FakeListener } from "./support/fake-listeners.ts";

// The same cases run under Node in the runtime matrix (tests/runtimes/oracle-on-node.ts).
const listeners: FakeListener[] = [];
afterAll(async () => {
  await Promise.all(listeners.map((l) => l.close()));
});

describe("the Oracle store with no database behind the connect string", () => {
  for (const fault of CONNECTION_FAULTS) {
    test(`${fault.name}: 503 problems, unhealthy /health, the process stays up`, () => checkConnectionFault(fault, listeners), 30_000);
  }
});
