import { createScenarioApp } from "../scenario-app.ts";

const app = createScenarioApp();
const server = Bun.serve({ port: Number(process.argv[2]), hostname: "127.0.0.1", fetch: (request) => app.fetch(request), development: false });
console.log(`listening on 127.0.0.1:${server.port}`);
process.on("SIGTERM", () => void server.stop(true).then(() => process.exit(0)));
