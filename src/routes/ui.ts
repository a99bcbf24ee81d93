import type { Context } from "hono";
import { Hono } from "hono";
import { accepts } from "hono/accepts";

/** One web page asset: its bytes and, when the loader has it, the same bytes gzip-compressed. */
export interface UiAsset {
  body: Uint8Array;
  gzip?: Uint8Array;
  /** A strong validator for conditional requests. */
  etag: string;
}

/** Reads one web page asset by file name (see UI_ASSETS); null when it does not exist. */
export type UiAssetLoader = (file: string) => Promise<UiAsset | null>;

/** The files the page is made of, by name under /ui/assets/, with their content types. */
export const UI_ASSETS: Record<string, string> = {
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
  "uplot.css": "text/css; charset=utf-8",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Pipeline Service</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/assets/uplot.css">
<link rel="stylesheet" href="/ui/assets/app.css">
<script type="module" src="/ui/assets/app.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="/ui">Pipeline Service</a>
<nav aria-label="Sections"><a href="/ui">Overview</a><a href="/ui/runs">Runs</a><a href="/docs">API</a></nav>
</header>
<main id="main" tabindex="-1"><p class="muted" data-loading>Loading…</p></main>
<noscript><p>This page needs JavaScript. The API is at <a href="/docs">/docs</a>.</p></noscript>
</body>
</html>
`;

/** Whether the client prefers the page to JSON: browsers list text/html; API clients send
 * application/json or *\/* and keep the JSON answer. */
const prefersHtml = (c: Context) => accepts(c, { header: "Accept", supports: ["application/json", "text/html"], default: "application/json" }) === "text/html";

const page = (c: Context) => c.html(PAGE, 200, { "cache-control": "no-cache", vary: "Accept" });

/**
 * The web page: one HTML shell for every view (/ui, /ui/pipeline, /ui/runs; and / for
 * browsers), and its assets through `loadAsset`, so the app itself stays free of file-system
 * and bundler access. Everything is served from here: intranets have no CDN.
 */
export function uiRoutes(loadAsset: UiAssetLoader | undefined) {
  return new Hono()
    .get("/", async (c, next) => {
      if (!prefersHtml(c)) {
        await next();
        c.header("vary", "Accept");
        return;
      }
      return page(c);
    })
    .get("/ui", page)
    .get("/ui/pipeline", page)
    .get("/ui/runs", page)
    .get("/ui/assets/:file", async (c) => {
      const file = c.req.param("file");
      const type = UI_ASSETS[file];
      const asset = type && loadAsset ? await loadAsset(file) : null;
      if (!type || !asset) return c.notFound();
      const headers: Record<string, string> = { "content-type": type, "cache-control": "no-cache", etag: asset.etag, vary: "Accept-Encoding" };
      if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304, headers);
      const gzip = asset.gzip && /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
      if (gzip) headers["content-encoding"] = "gzip";
      return c.body((gzip ? asset.gzip : asset.body) as Uint8Array<ArrayBuffer>, 200, headers);
    });
}
