import { expect, test } from "bun:test";
import { join } from "node:path";
import { refusedPort, silentListener } from "./support/fake-listeners.ts";

const SERVER = join(import.meta.dir, "..", "..", "src", "server.ts");
const PASSWORD = "Sup3r-secret-pw";

/** Reads a child's output until `pattern` shows up or `ms` pass. */
async function waitFor(stream: ReadableStream<Uint8Array>, pattern: RegExp, ms: number): Promise<{ seen: string; rest: Promise<string> }> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  const deadline = Date.now() + ms;
  while (!pattern.test(seen) && Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => null)]);
    if (!chunk || chunk.done) break;
    seen += decoder.decode(chunk.value, { stream: true });
  }
  const rest = (async () => {
    let text = "";
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return text;
      text += decoder.decode(chunk.value, { stream: true });
    }
  })();
  return { seen, rest };
}

test("src/server.ts starts with PIPELINE_BACKEND=oracle and a hanging database, answers 503, stops on SIGTERM", async () => {
  const database = await silentListener();
  const port = await refusedPort(); // a free port for the service
  const child = Bun.spawn([process.execPath, SERVER], {
    env: {
      PATH: process.env.PATH,
      PIPELINE_BACKEND: "oracle",
      ORACLE_DSN: `127.0.0.1:${database.port}/FREEPDB1`,
      ORACLE_USER: "pipeline",
      ORACLE_PASSWORD: PASSWORD,
      ORACLE_CONNECT_TIMEOUT_SECONDS: "1",
      ORACLE_QUEUE_TIMEOUT_SECONDS: "2",
      HOST: "127.0.0.1",
      PORT: String(port),
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 25_000);
  try {
    const { seen, rest } = await waitFor(child.stdout, /"msg":"listening"/, 10_000);
    expect(seen).toContain('"backend":"oracle"');

    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: "unhealthy", backend: "oracle" });
    const runs = await fetch(`http://127.0.0.1:${port}/get_pipeline_info`);
    expect(runs.status).toBe(503);
    expect(runs.headers.get("retry-after")).not.toBeNull();
    expect(child.exitCode).toBeNull();

    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    const logs = seen + (await rest) + (await new Response(child.stderr).text());
    expect(logs).toContain('"msg":"stopped"');
    expect(logs).not.toContain(PASSWORD);
  } finally {
    clearTimeout(killer);
    child.kill("SIGKILL");
    await database.close();
  }
}, 30_000);
