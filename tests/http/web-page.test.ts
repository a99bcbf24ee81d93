import { describe, expect, test } from "bun:test";
import { gunzipSync } from "node:zlib";
import { createApp } from "../../src/app.ts";
import { createMemoryRepository } from "../../src/repository/memory.ts";
import { UI_ASSETS } from "../../src/routes/ui.ts";
import { buildUiAssets } from "../../src/ui-bundle.ts";

const uiAssets = await buildUiAssets();
const app = createApp({ repository: createMemoryRepository(), uiAssets });
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

describe("the web page's routes", () => {
  test("/ answers browsers with the page and API clients with today's JSON", async () => {
    const page = await app.request("/", { headers: { accept: BROWSER_ACCEPT } });
    expect(page.headers.get("content-type")).toStartWith("text/html");
    expect(page.headers.get("vary")).toMatch(/(^|,\s*)Accept(,|$)/);
    expect(await page.text()).toContain('<script type="module" src="/ui/assets/app.js"></script>');
    for (const accept of [undefined, "*/*", "application/json", "application/json, text/html", "text/html;q=0.5, application/json"]) {
      const res = await app.request("/", { headers: accept ? { accept } : {} });
      expect(res.headers.get("content-type")).toStartWith("application/json");
      expect(res.headers.get("vary")).toMatch(/(^|,\s*)Accept(,|$)/);
      expect(await res.json()).toMatchObject({ name: "Pipeline Service", docs: "/docs", openapi: "/openapi.json" });
    }
  });

  test("/ui and its views always serve the page, without inline script, under a strict CSP", async () => {
    for (const path of ["/ui", "/ui/pipeline?pipeline_name=x", "/ui/runs"]) {
      const res = await app.request(path, { headers: { accept: "application/json" } });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('<main id="main"');
      // Every script has a src: nothing inline for the CSP to allow.
      expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
      expect(html).not.toMatch(/\son\w+=/);
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(res.headers.get("content-security-policy")).not.toMatch(/script-src[^;]*unsafe/);
    }
  });

  test("assets come from the service, gzip when asked, revalidated by ETag", async () => {
    for (const [file, type] of Object.entries(UI_ASSETS)) {
      const plain = await app.request(`/ui/assets/${file}`);
      expect(plain.status).toBe(200);
      expect(plain.headers.get("content-type")).toBe(type);
      expect(plain.headers.get("content-encoding")).toBeNull();
      const bytes = new Uint8Array(await plain.arrayBuffer());
      const zipped = await app.request(`/ui/assets/${file}`, { headers: { "accept-encoding": "gzip, br" } });
      expect(zipped.headers.get("content-encoding")).toBe("gzip");
      expect(new Uint8Array(gunzipSync(new Uint8Array(await zipped.arrayBuffer())))).toEqual(bytes);
      const etag = plain.headers.get("etag") as string;
      const again = await app.request(`/ui/assets/${file}`, { headers: { "if-none-match": etag } });
      expect(again.status).toBe(304);
    }
    const js = await (await app.request("/ui/assets/app.js")).text();
    expect(js).not.toMatch(/https?:\/\/(cdn|unpkg|fonts)\./);
    expect((await app.request("/ui/assets/nope.js")).status).toBe(404);
    expect((await app.request("/ui/assets/..%2Fserver.ts")).status).toBe(404);
  });

  test("without an asset loader the page's assets are 404, not a crash", async () => {
    const bare = createApp({ repository: createMemoryRepository() });
    expect((await bare.request("/ui")).status).toBe(200);
    expect((await bare.request("/ui/assets/app.js")).status).toBe(404);
  });

  test("with read keys the page's shell stays open (it asks for the key) while the data needs it", async () => {
    const secured = createApp({ repository: createMemoryRepository(), uiAssets, auth: { keys: ["k".repeat(20)], protectReads: true } });
    expect((await secured.request("/ui")).status).toBe(200);
    expect((await secured.request("/ui/assets/app.js")).status).toBe(200);
    expect((await secured.request("/pipelines")).status).toBe(401);
    expect((await secured.request("/pipelines", { headers: { authorization: `Bearer ${"k".repeat(20)}` } })).status).toBe(200);
  });
});
