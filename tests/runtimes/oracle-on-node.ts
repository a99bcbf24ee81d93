import { CONNECTION_FAULTS, checkConnectionFault } from "../oracle/support/connection-fault-cases.ts";
import type { FakeListener } from "../oracle/support/fake-listeners.ts";

// Bundled for Node with oracledb left external, so node loads the installed driver itself.
// One line per case on stdout, "ok <name>" or "not ok <name>: <why>"; exit 1 when any failed.
const listeners: FakeListener[] = [];
let failed = 0;
for (const fault of CONNECTION_FAULTS) {
  try {
    await checkConnectionFault(fault, listeners);
    console.log(`ok ${fault.name}`);
  } catch (error) {
    failed++;
    console.log(`not ok ${fault.name}: ${error instanceof Error ? error.message.replaceAll("\n", " ") : String(error)}`);
  }
}
await Promise.all(listeners.map((l) => l.close()));
process.exit(failed ? 1 : 0);
