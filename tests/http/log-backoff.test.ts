import { expect, test } from "bun:test";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { StoreUnavailableError } from "../../src/errors.ts";
import { BackoffLog } from "../../src/log-backoff.ts";
import { createLogger } from "../../src/logger.ts";
import { createMemoryRepository } from "../../src/repository/memory.ts";
import { tempDir } from "../support/temp-dir.ts";

function recorder() {
  const lines: Array<{ level: string; msg: string; repeated?: number; occurrences?: number }> = [];
  return { lines, logger: createLogger("info", (line) => lines.push(JSON.parse(line))) };
}

test("a repeated error is logged once, then after 1 s, 2 s, 4 s ... at most once a minute; recovery once", () => {
  const { lines, logger } = recorder();
  let now = 0;
  const log = new BackoffLog(logger, () => now);
  const loggedAt: number[] = [];
  // Four times a second for ten minutes, as a retry loop would.
  for (now = 0; now < 600_000; now += 250) {
    const before = lines.length;
    log.report("error", "cannot index the JSONL file", { error: "EISDIR" });
    if (lines.length > before) loggedAt.push(now);
  }
  expect(loggedAt.slice(0, 7)).toEqual([0, 1000, 3000, 7000, 15000, 31000, 63000]);
  const gaps = loggedAt.slice(1).map((t, i) => t - (loggedAt[i] as number));
  expect(Math.max(...gaps)).toBe(60_000);
  expect(loggedAt.length).toBeLessThan(20);
  // What was not logged is counted in the next line.
  expect(lines[1]?.repeated).toBe(4);
  expect(lines.at(-1)?.occurrences).toBeGreaterThan(2000);

  log.recover("the JSONL file can be read again");
  log.recover("the JSONL file can be read again");
  expect(lines.filter((l) => l.msg === "the JSONL file can be read again")).toHaveLength(1);
});

test("a different error is logged at once, and a recovered problem starts over", () => {
  const { lines, logger } = recorder();
  let now = 0;
  const log = new BackoffLog(logger, () => now);
  log.report("error", "cannot append", { cause: "ENOSPC" });
  now = 10;
  log.report("error", "cannot append", { cause: "EACCES" });
  now = 20;
  log.report("error", "cannot append", { cause: "EACCES" });
  log.recover("appends work again");
  now = 30;
  log.report("error", "cannot append", { cause: "EACCES" });
  expect(lines.map((l) => l.msg)).toEqual(["cannot append", "cannot append", "appends work again", "cannot append"]);
});

test("an unavailable store is not logged once per request", async () => {
  const { lines, logger } = recorder();
  const failing = async () => {
    throw new StoreUnavailableError("cannot read /data/runs.jsonl: EIO: i/o error");
  };
  const repository = { ...createMemoryRepository(), findRuns: failing, countRuns: failing };
  const app = createApp({ repository, logger });
  for (let i = 0; i < 50; i++) expect((await app.request("/get_pipeline_info")).status).toBe(503);
  expect(lines.filter((l) => l.msg === "store unavailable")).toHaveLength(1);
});

test("a data path that is a folder is logged a few times over 3 s, not four times a second", async () => {
  const temp = await tempDir();
  try {
    const path = join(temp.dir, "runs.jsonl");
    await mkdir(path);
    const proc = Bun.spawn([process.execPath, "src/server.ts"], {
      cwd: join(import.meta.dir, "../.."),
      env: {
        PATH: process.env.PATH ?? "",
        HOST: "127.0.0.1",
        PORT: String(20000 + Math.floor(Math.random() * 40000)),
        LOG_LEVEL: "warn",
        PIPELINE_JSONL_PATH: path,
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    await Bun.sleep(3200);
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
    await proc.exited;
    clearTimeout(timer);
    const out = await new Response(proc.stdout).text();
    const errors = out.split("\n").filter((l) => l.includes("cannot index the JSONL file"));
    // At 0 s, 1 s and 3 s; the retry loop itself runs 4 times a second.
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeLessThanOrEqual(4);
  } finally {
    await temp.remove();
  }
}, 15_000);
