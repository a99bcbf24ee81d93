import { describe, test } from "bun:test";
import { createScenarioApp } from "./scenario-app.ts";
import { SCENARIOS } from "./scenarios.ts";

// The runtime matrix (npm run test:runtimes) sends these same scenarios to Node, Deno and workerd;
// here they run in process, so a scenario that is wrong fails fast under Bun first.
describe("runtime scenarios, in process under Bun", () => {
  const app = createScenarioApp();
  for (const scenario of SCENARIOS) {
    test(scenario.name, () => scenario.run((path, init) => Promise.resolve(app.request(path, init))));
  }
});
