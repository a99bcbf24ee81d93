import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, launchChromium, type PageProblems, screenshotPath, watchedPage } from "./browser.ts";
import { fixtureRuns, PLANS } from "./fixture.ts";
import { jsonlService, oracleStore, type Target } from "./targets.ts";

// Run by `npm run test:browser` (part of `npm test`) in a process of its own: a browser's
// protocol traffic must not slow the rest of the suite, nor the rest slow it.
// A browser and two services on a shared, busy machine: well past the 5 s default, still bounded.
setDefaultTimeout(30_000);

const KEY = "ui-test-read-key-0123456789";
/** The typical interval as the overview writes it, per fixture interval in hours. */
const EVERY: Record<number, string> = { 1: "1h 00m", 6: "6h 00m", 12: "12h 00m", 24: "24h 00m", 168: "7d 0h" };
const TOTAL_RUNS = PLANS.reduce((n, p) => n + p.runs, 0);

// .ci/run installs Debian's chromium; elsewhere say loudly why these tests did not run.
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`${CHROMIUM} is missing: the web page's browser tests are skipped (apt-get install chromium)`);

let browser: Browser;
let target: Target;
let page: Page;
/** Whether the current test opened a page that afterEach must check and close. */
let opened = false;
let problems: PageProblems;

beforeAll(async () => {
  if (hasChromium) browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

async function open(path: string, base = target.url) {
  ({ page, problems } = await watchedPage(browser));
  opened = true;
  await page.goto(`${base}${path}`);
}

afterEach(async () => {
  if (!opened) return;
  opened = false;
  // Every view must load without console errors and without a CSP violation.
  expect(await problems.cspViolations()).toEqual([]);
  expect(problems.errors).toEqual([]);
  await page.context().close();
});

const cellTexts = (selector: string) => page.$$eval(selector, (cells) => cells.map((c) => (c.textContent ?? "").trim()));

const TARGETS: Array<[string, (runs: ReturnType<typeof fixtureRuns>, key: string) => Promise<Target>]> = [
  ["the JSONL store (the service process)", jsonlService],
  ["the Oracle store (SQLite-backed fake driver)", oracleStore],
];

for (const [backend, start] of TARGETS)
  describe.skipIf(!hasChromium)(`the web page on ${backend}`, () => {
    const shot = (name: string) => screenshotPath(`${backend.startsWith("the JSONL") ? "jsonl" : "oracle"}-${name}`);

    beforeAll(async () => {
      // Without a browser there is nothing to drive: start no service.
      if (browser) target = await start(fixtureRuns(Date.now()), KEY);
    });
    afterAll(async () => {
      await target?.stop();
    });

    test("the overview lists every pipeline with its figures and flags the late one and the drop", async () => {
      await open("/");
      await page.waitForSelector("#pipelines tbody a");
      const names = await cellTexts("#pipelines tbody tr td:first-child");
      expect([...names].sort()).toEqual(PLANS.map((p) => p.name).sort());
      const rows = await page.$$eval("#pipelines tbody tr", (trs) =>
        trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => (td.textContent ?? "").trim())),
      );
      const byName = new Map(rows.map((cells) => [cells[0], cells]));
      for (const plan of PLANS) {
        const cells = byName.get(plan.name) as string[];
        // Columns: name, script, type, env, status, last run, runs, p50, p95, last rows, avg rows, every.
        expect(cells.slice(1, 4)).toEqual([`${plan.name}.py`, plan.type, plan.environment]);
        expect(cells[6]).toBe(plan.runs.toLocaleString("en-US"));
        expect(cells[9]).toBe((plan.lastRows ?? Math.round(plan.rows * 1.1)).toLocaleString("en-US"));
        expect(cells[5]).toBe(
          plan.lastAgoHours < 48 ? (plan.lastAgoHours === 1 ? "60 min ago" : `${plan.lastAgoHours} h ago`) : `${plan.lastAgoHours / 24} d ago`,
        );
        const late = plan.runs > 1 && plan.lastAgoHours > 2 * plan.everyHours;
        expect(cells[4]).toBe([late ? "Late" : "", plan.lastRows !== undefined ? "Rows dropped" : ""].join("") || "OK");
        expect(cells[11]).toBe(plan.runs > 1 ? (EVERY[plan.everyHours] as string) : "–");
      }
      expect(byName.get("billing_hourly")?.[4]).toBe("Late");
      expect(byName.get("inventory_sync")?.[4]).toBe("Rows dropped");
      expect(byName.get("billing_hourly")?.[11]).toBe("1h 00m");
      expect(await page.textContent("#count-pipelines")).toBe(`${PLANS.length} pipelines`);
      expect(await page.textContent("#count-late")).toBe("1 late");
      expect(await page.textContent("#count-dropped")).toBe("1 with dropped rows");
      // Problems first; every pipeline with runs on several days gets a trend line.
      expect(names.slice(0, 2).sort()).toEqual(["billing_hourly", "inventory_sync"]);
      expect(await page.$$eval("#pipelines svg.spark polyline", (lines) => lines.length)).toBeGreaterThanOrEqual(4);
      await page.waitForTimeout(100);
      // Cut at the end of the content: docs/overview.png is this picture.
      const height = await page.evaluate(() => Math.ceil((document.querySelector("main") as HTMLElement).getBoundingClientRect().bottom));
      await page.screenshot({ path: shot("overview"), clip: { x: 0, y: 0, width: 1400, height } });
    });

    test("overview filters and sorting live in the URL and work from the keyboard", async () => {
      await open("/ui");
      await page.waitForSelector("#pipelines tbody a");
      await page.selectOption("#filter-environment", "prod");
      expect(new URL(page.url()).searchParams.get("environment")).toBe("prod");
      expect((await cellTexts("#pipelines tbody tr td:first-child")).sort()).toEqual(["billing_hourly", "exports_weekly", "orders_daily"]);
      await page.focus("#pipelines thead button:text('Runs')");
      await page.keyboard.press("Enter");
      expect(new URL(page.url()).searchParams.get("sort")).toBe("-total_runs");
      expect(await cellTexts("#pipelines tbody tr td:first-child")).toEqual(["billing_hourly", "orders_daily", "exports_weekly"]);
      await page.reload();
      await page.waitForSelector("#pipelines tbody a");
      expect(await cellTexts("#pipelines tbody tr td:first-child")).toEqual(["billing_hourly", "orders_daily", "exports_weekly"]);
      await page.focus("#pipelines tbody a:text('orders_daily')");
      await Promise.all([page.waitForURL(/\/ui\/pipeline\?/), page.keyboard.press("Enter")]);
      expect(new URL(page.url()).searchParams.get("pipeline_name")).toBe("orders_daily");
    });

    test("clicking a pipeline draws its duration, row count and runs-per-day charts", async () => {
      await open("/");
      await page.waitForSelector("#pipelines tbody a");
      await Promise.all([page.waitForURL(/\/ui\/pipeline\?/), page.click("#pipelines a:text('inventory_sync')")]);
      await page.waitForSelector(".chart canvas");
      await page.waitForTimeout(200);
      const inked = await page.$$eval(".chart canvas", (canvases) =>
        canvases.map((canvas) => {
          const c = canvas as HTMLCanvasElement;
          const pixels = (c.getContext("2d") as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] as number) > 0) n++;
          return n;
        }),
      );
      expect(inked).toHaveLength(3);
      for (const n of inked) expect(n).toBeGreaterThan(500);
      expect(await page.textContent("h1")).toContain("Rows dropped");
      expect(await page.$$eval(".runs tbody tr", (trs) => trs.length)).toBe(40);
      await page.screenshot({ path: shot("pipeline"), fullPage: true });
    });

    test("the runs explorer: a filter changes the table and the URL; a run's detail opens", async () => {
      await open("/ui/runs");
      await page.waitForSelector("#runs-total");
      expect(await page.textContent("#runs-total")).toBe(String(TOTAL_RUNS));
      await page.selectOption("#f-environment", ["staging"]);
      await page.waitForFunction(() => document.querySelector("#runs-total")?.textContent === "40");
      expect(new URL(page.url()).searchParams.getAll("environment")).toEqual(["staging"]);
      expect(new Set(await cellTexts(".runs tbody tr td:nth-child(5)"))).toEqual(new Set(["staging"]));
      await page.fill("#f-min_rowcount", "20000");
      await page.press("#f-min_rowcount", "Enter");
      await page.waitForFunction(() => new URL(location.href).searchParams.get("min_rowcount") === "20000");
      const expected = fixtureRuns(Date.now()).filter((r) => r.environment === "staging" && r.rowcount >= 20000).length;
      await page.waitForFunction((n) => document.querySelector("#runs-total")?.textContent === String(n), expected);
      const rows = (await cellTexts(".runs tbody tr td:nth-child(7)")).map((t) => Number(t.replaceAll(",", "")));
      expect(rows).toHaveLength(expected);
      for (const r of rows) expect(r).toBeGreaterThanOrEqual(20000);
      // The URL holds the view: opening it elsewhere shows the same runs.
      const shared = page.url();
      await page.goto(shared);
      await page.waitForFunction((n) => document.querySelector("#runs-total")?.textContent === String(n), expected);
      expect(await page.inputValue("#f-min_rowcount")).toBe("20000");
      await page.click(".runs tbody tr:first-child button.link");
      await page.waitForSelector("dialog.run-detail[open]");
      expect(await page.textContent("dialog.run-detail [data-field=pid]")).toMatch(/^\d+$/);
      expect(await page.textContent("dialog.run-detail [data-field=log_file]")).toStartWith("/data/logs/inventory_sync-");
      await page.screenshot({ path: shot("run-detail") });
      await page.keyboard.press("Escape");
      await page.waitForSelector("dialog.run-detail", { state: "detached" });
      // Focus goes back to the run that was opened.
      expect(await page.evaluate(() => document.activeElement?.matches(".runs tbody tr:first-child button.link"))).toBe(true);
    });

    test("cursor pages: next page continues where the first ended", async () => {
      await open("/ui/runs?limit=25&environment=prod");
      await page.waitForSelector("#next-page");
      const first = await cellTexts(".runs tbody tr td:first-child");
      await page.click("#next-page");
      await page.waitForFunction(() => new URL(location.href).searchParams.has("cursor"));
      await page.waitForFunction((f) => document.querySelector(".runs tbody tr td")?.textContent !== f, first[0]);
      const second = await cellTexts(".runs tbody tr td:first-child");
      expect(second).toHaveLength(25);
      expect(second.filter((t) => first.includes(t))).toEqual([]);
    });

    test("the CSV button downloads exactly what the filter selects", async () => {
      await open("/ui/runs?environment=prod&min_rowcount=1000");
      await page.waitForSelector("#runs-total");
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-csv")]);
      const csv = await readFile(await download.path(), "utf8");
      const lines = csv.trim().split(/\r?\n/);
      const header = (lines[0] as string).split(",");
      const env = header.indexOf("environment");
      const rows = header.indexOf("rowcount");
      const expected = fixtureRuns(Date.now()).filter((r) => r.environment === "prod" && r.rowcount >= 1000);
      expect(lines.length - 1).toBe(expected.length);
      expect(String(await page.textContent("#runs-total"))).toBe(String(expected.length));
      for (const line of lines.slice(1)) {
        const cells = line.split(",");
        expect(cells[env]).toBe("prod");
        expect(Number(cells[rows])).toBeGreaterThanOrEqual(1000);
      }
      const [ndjson] = await Promise.all([page.waitForEvent("download"), page.click("#download-ndjson")]);
      const records = (await readFile(await ndjson.path(), "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(records).toHaveLength(expected.length);
    });

    test("with PIPELINE_READ_AUTH the page asks for a key once per session and sends it", async () => {
      await open("/", target.securedUrl);
      await page.waitForSelector("dialog.key-dialog[open]");
      await page.screenshot({ path: shot("key-prompt") });
      await page.fill("#api-key", "not-the-key");
      await page.press("#api-key", "Enter");
      await page.waitForSelector("dialog.key-dialog[open] >> text=not accepted");
      await page.fill("#api-key", KEY);
      await page.click("dialog.key-dialog button.primary");
      await page.waitForSelector("#pipelines tbody a");
      expect((await cellTexts("#pipelines tbody tr td:first-child")).length).toBe(PLANS.length);
      // Kept for the session: other views load without asking again, and downloads carry it.
      await page.goto(`${target.securedUrl}/ui/runs?environment=qa`);
      await page.waitForFunction(() => document.querySelector("#runs-total")?.textContent === "1");
      expect(await page.$("dialog.key-dialog")).toBeNull();
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-csv")]);
      expect((await readFile(await download.path(), "utf8")).trim().split(/\r?\n/)).toHaveLength(2);
      // The key's 401s are the API answering, not page errors.
      problems.errors.splice(0, problems.errors.length, ...problems.errors.filter((e) => !/status of 401/.test(e)));
    });

    // Last: it stores one more run.
    test("the overview refreshes in place: new figures, same filter, sort and focus", async () => {
      await open("/?refresh=1&environment=prod&sort=-total_runs");
      await page.waitForSelector("#pipelines tbody a");
      await page.focus("#pipelines tbody a:text('orders_daily')");
      const row = () =>
        page.$$eval("#pipelines tbody tr", (trs) =>
          trs.map((tr) => [...tr.querySelectorAll("td")].slice(0, 7).map((td) => (td.textContent ?? "").trim())).find((cells) => cells[0] === "billing_hourly"),
        );
      expect((await row())?.[4]).toBe("Late");
      const now = Date.now();
      const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
      const [template] = fixtureRuns(now).filter((r) => r.pipeline_name === "billing_hourly");
      const run = {
        ...template,
        start_utc: `${iso(now - 60_000)}Z`,
        end_utc: `${iso(now)}Z`,
        start_local: iso(now - 60_000),
        end_local: iso(now),
        date_code: "refresh-test",
      };
      const res = await fetch(`${target.url}/pipelines`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(run) });
      expect(res.status).toBe(201);
      await page.waitForFunction(() => document.querySelector("#count-late")?.textContent === "0 late", null, { timeout: 10_000 });
      expect(await row()).toMatchObject({ 4: "OK", 5: expect.stringMatching(/s ago$/), 6: "49" });
      expect(new URL(page.url()).search).toBe("?refresh=1&environment=prod&sort=-total_runs");
      expect(await cellTexts("#pipelines tbody tr td:first-child")).toEqual(["billing_hourly", "orders_daily", "exports_weekly"]);
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("orders_daily");
    });

    test("a pipeline with more runs than one page: its charts get every run of the window", async () => {
      const [template] = fixtureRuns(Date.now()).filter((r) => r.pipeline_name === "orders_daily");
      const base = Date.now() - 2000 * 60_000;
      const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
      const batch = Array.from({ length: 1500 }, (_, i) => {
        const start = base + i * 60_000;
        return {
          ...template,
          pipeline_name: "minutely",
          script_name: "minutely.py",
          start_utc: `${iso(start)}Z`,
          end_utc: `${iso(start + 30_000)}Z`,
          start_local: iso(start),
          end_local: iso(start + 30_000),
          elapsed_seconds: 30 + (i % 7),
          date_code: `m${i}`,
        };
      });
      const res = await fetch(`${target.url}/pipelines/batch`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(batch),
      });
      expect(res.status).toBeLessThan(300);
      await open("/ui/pipeline?pipeline_name=minutely&window=all");
      await page.waitForSelector(".charts[data-points]");
      expect(await page.getAttribute(".charts", "data-points")).toBe("1500");
      expect(await page.$$eval(".runs tbody tr", (trs) => trs.length)).toBe(50);
      expect(await page.textContent(".charts")).not.toContain("Charts show the newest");
    });

    test("dark mode renders the overview with the dark palette", async () => {
      ({ page, problems } = await watchedPage(browser, { colorScheme: "dark" }));
      opened = true;
      await page.goto(`${target.url}/`);
      await page.waitForSelector("#pipelines tbody a");
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background).toBe("rgb(15, 20, 25)");
      await page.screenshot({ path: shot("overview-dark"), fullPage: true });
    });
  });
