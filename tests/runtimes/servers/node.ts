import { serve } from "@hono/node-server";
import { createScenarioApp } from "../scenario-app.ts";

// Bundled with `bun build --target=node` (Node 20 cannot load .ts) and run by node itself.
const app = createScenarioApp();
const server = serve({ fetch: app.fetch, port: Number(process.argv[2]), hostname: "127.0.0.1" }, ({ port }) => console.log(`listening on 127.0.0.1:${port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
