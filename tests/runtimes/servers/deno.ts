import { createScenarioApp } from "../scenario-app.ts";

// Deno runs the TypeScript sources as they are, resolving hono and zod from node_modules.
declare const Deno: {
  args: string[];
  serve(
    options: { port: number; hostname: string; onListen(addr: { port: number }): void },
    handler: (request: Request) => Response | Promise<Response>,
  ): unknown;
};

const app = createScenarioApp();
Deno.serve({ port: Number(Deno.args[0]), hostname: "127.0.0.1", onListen: ({ port }) => console.log(`listening on 127.0.0.1:${port}`) }, (request) =>
  app.fetch(request),
);
