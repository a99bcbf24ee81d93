import { createScenarioApp } from "../scenario-app.ts";

// A module worker, bundled with `bun build --target=browser`; workerd serves it on the socket
// its capnp configuration names.
// workerd encodes a body itself when a response names a Content-Encoding (its "automatic"
// encodeBody), so an app that compressed too would send gzip inside gzip: there the platform
// compresses and the app offers no encodings.
const app = createScenarioApp({ encoders: {} });

export default { fetch: (request: Request) => app.fetch(request) };
