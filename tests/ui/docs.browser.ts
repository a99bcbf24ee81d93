import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { startServer } from "../support/server-process.ts";
import { tempDir } from "../support/temp-dir.ts";
import { CHROMIUM, launchChromium, watchedPage } from "./browser.ts";

// A browser and a service process on a shared, busy machine: past the 5 s default, still bounded.
setDefaultTimeout(30_000);

const hasChromium = existsSync(CHROMIUM);
let browser: Browser;
let server: Awaited<ReturnType<typeof startServer>>;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  if (!hasChromium) return;
  dir = await tempDir();
  server = await startServer({ PIPELINE_BACKEND: "jsonl", PIPELINE_JSONL_PATH: join(dir.dir, "runs.jsonl") });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await dir?.remove();
});

test.skipIf(!hasChromium)("/docs renders every operation under the strict CSP, from this service's own assets", async () => {
  const { page, problems } = await watchedPage(browser);
  const requested: string[] = [];
  page.on("request", (r) => requested.push(r.url()));
  await page.goto(`${server.url}/docs`);
  await page.waitForSelector(".opblock-summary-path");
  const paths = await page.$$eval(".opblock-summary-path", (els) => els.map((e) => e.getAttribute("data-path") ?? e.textContent ?? ""));
  const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const operations = Object.values(doc.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
  expect(paths.length).toBe(operations);
  expect(paths).toContain("/get_pipeline_info");
  expect(requested.every((url) => url.startsWith(server.url))).toBe(true);
  expect(await problems.cspViolations()).toEqual([]);
  expect(problems.errors).toEqual([]);
  await page.context().close();
});
