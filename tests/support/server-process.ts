import { join } from "node:path";
import type { Subprocess } from "bun";

const ROOT = join(import.meta.dir, "../..");

export interface RunningServer {
  url: string;
  process: Subprocess<"ignore", "pipe", "pipe">;
  /** Sends SIGTERM and resolves with the exit code; SIGKILL if it hangs past `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Starts `bun <entry>` as a user would, on a free loopback port, and waits until /health says
 * 200 (the store ready), not just until the port answers. */
export function startServer(env: Record<string, string>, entry = "src/server.ts", timeoutMs = 15000): Promise<RunningServer> {
  return startProcess(() => [process.execPath, entry], { HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env }, timeoutMs);
}

/** Starts `command(port)` on a free loopback port (PORT is in its environment too) and waits until
 * its /health says 200; retries on another port when the chosen one was taken. */
export async function startProcess(command: (port: number) => string[], env: Record<string, string> = {}, timeoutMs = 15000): Promise<RunningServer> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    const proc = Bun.spawn(command(port), {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", PORT: String(port), ...env },
      stdout: "pipe",
      stderr: "pipe",
      stdin: "ignore",
    });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && proc.exitCode === null) {
      try {
        const res = await fetch(`${url}/health`);
        await res.arrayBuffer();
        if (res.status === 200) {
          return {
            url,
            process: proc,
            async stop(graceMs = 10000) {
              proc.kill("SIGTERM");
              const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
              const code = await proc.exited;
              clearTimeout(timer);
              return code;
            },
          };
        }
      } catch {}
      await Bun.sleep(50);
    }
    proc.kill("SIGKILL");
    await proc.exited;
    const stderr = await new Response(proc.stderr).text();
    if (!/EADDRINUSE|in use/i.test(stderr)) throw new Error(`${command(port)[0]} did not start: ${stderr}`);
  }
  throw new Error("no free port found");
}

/** Runs the entry with `env` and returns its exit code and output, for startup failures. */
export async function runToExit(env: Record<string, string>, timeoutMs = 10000) {
  const proc = Bun.spawn([process.execPath, "src/server.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, stderr: await new Response(proc.stderr).text(), stdout: await new Response(proc.stdout).text() };
}
