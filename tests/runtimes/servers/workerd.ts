import { createScenarioApp } from "../scenario-app.ts";

// A module worker, bundled with `bun build --target=browser`; workerd serves it on the socket
// its capnp configuration names.
const app = createScenarioApp();

export default { fetch: (request: Request) => app.fetch(request) };
